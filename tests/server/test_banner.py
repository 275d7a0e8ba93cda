"""The banner as the README shows it: the same lines, with the demo's own tokens and IDs."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

from saleor_kuai_returns.cli import add_serve_parser
from saleor_kuai_returns.sandbox.banner import Running, banner
from saleor_kuai_returns.sandbox.demo import ROLES, DemoLine, DemoOrder, LoadedDemo, Person

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
QUICK_START = README.split("## Quick start\n", 1)[1].split("\n## ", 1)[0]
TOKENS = {
    "buyer": "XvQGNci35sALfoJnX2rsVB8Hi63DjUaa",
    "merchant": "Ixu4eMSKoGjYBtoug3-eBZgce4JKKlOq",
}
DEMO = LoadedDemo(
    created=True,
    people=tuple(
        Person(role, TOKENS.get(role.attribute, f"token-{role.attribute}")) for role in ROLES
    ),
    orders=(
        DemoOrder(
            "24457205-0a8b-4f83-a927-2a1e82bd9407",
            "default-channel",
            (
                DemoLine("91526688-b67d-4db5-9526-df5be1d126a8", "CAP-BLK", 1, 1),
                DemoLine("faf25b9e-580f-47c1-98a6-97919c0cb80b", "TEE-RED-M", 2, 2),
            ),
        ),
        DemoOrder(
            "d848396e-79ea-4fa5-acf8-31e06c8db69f",
            "default-channel",
            (DemoLine("a81066d7-3241-4fb7-b326-4821859e0305", "MUG-WHT", 2, 0),),
        ),
    ),
)
AT_HOME = Running(
    url="http://127.0.0.1:8000",
    database="SQLite /path/to/checkout/.sandbox.sqlite3",
    deadlines="swept in-process every 2 s",
    speed=1,
)


def test_every_line_of_the_readmes_banner_is_one_the_server_prints():
    # given the README's excerpt, without the lines it shortens with "…"
    excerpt = re.search(r"```text\n(.*?)```", QUICK_START, re.DOTALL)
    assert excerpt
    shown = [line for line in excerpt.group(1).splitlines() if "…" not in line]
    # when
    printed = banner(AT_HOME, DEMO).splitlines()
    # then
    assert [line for line in shown if line not in printed] == []
    assert printed[:8] == shown[:8]


def test_the_return_line_files_one_unit_of_the_first_delivered_line():
    # when
    printed = banner(AT_HOME, DEMO)
    # then
    line = next(line for line in printed.splitlines() if "afterSaleRequestCreate" in line)
    words = shlex.split(line)
    assert words[:7] == [
        "curl",
        "-s",
        "http://127.0.0.1:8000/graphql/",
        "-H",
        "Authorization: Bearer XvQGNci35sALfoJnX2rsVB8Hi63DjUaa",
        "-H",
        "Content-Type: application/json",
    ]
    assert words[8].endswith(
        '"variables": {"order": "T3JkZXI6MjQ0NTcyMDUtMGE4Yi00ZjgzLWE5MjctMmExZTgyYmQ5NDA3", '
        '"line": "T3JkZXJMaW5lOjkxNTI2Njg4LWI2N2QtNGRiNS05NTI2LWRmNWJlMWQxMjZhOA==", '
        '"photo": "https://img.example.com/broken-zip.jpg"}}'
    )
    assert (
        "  order T3JkZXI6ZDg0ODM5NmUtNzllYS00ZmE1LWFjZjgtMzFlMDZjOGRiNjlm (default-channel)\n    MUG-WHT ×2  line T3JkZXJMaW5lOmE4MTA2NmQ3LTMyNDEtNGZiNy1iMzI2LTQ4MjE4NTllMDMwNQ==  (0 shipped)\n"
        in printed
    )


def test_the_readme_lists_every_option_of_serve():
    # given the options of kuai-returns serve
    commands = argparse.ArgumentParser().add_subparsers()
    add_serve_parser(commands)
    serve = commands.choices["serve"]
    options = [action.option_strings[-1] for action in serve._actions if action.dest != "help"]
    # when
    rows = re.findall(r"^\| `(--[a-z-]+)[ `]", QUICK_START, flags=re.MULTILINE)
    # then
    assert sorted(rows) == sorted(options)
