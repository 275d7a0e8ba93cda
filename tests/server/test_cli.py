"""``kuai-returns serve`` refuses options it cannot run with, naming them."""

from __future__ import annotations

import pytest

from saleor_kuai_returns.cli import main


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--speed", "0", "argument --speed: between 1 and 1,000,000, not 0"),
        ("--speed", "2000000", "argument --speed: between 1 and 1,000,000, not 2000000"),
        ("--sweep-every", "0", "argument --sweep-every: a positive number of seconds, not 0"),
        (
            "--database",
            "mysql://root@127.0.0.1/shop",
            "argument --database: expected postgres://user@host:port/name, "
            "not mysql://root@127.0.0.1/shop",
        ),
        (
            "--celery",
            "127.0.0.1:6379",
            "argument --celery: expected a broker URL such as redis://…, not 127.0.0.1:6379",
        ),
    ],
)
def test_a_bad_option_is_refused_before_anything_starts(capsys, option, value, message):
    # when
    with pytest.raises(SystemExit) as exited:
        main(["serve", option, value])
    # then
    assert exited.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"kuai-returns serve: error: {message}"
