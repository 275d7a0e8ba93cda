"""``bin/run`` / ``kuai-returns serve``: the README's first command, run for real."""

from __future__ import annotations

import socket
import subprocess

from .conftest import KUAI_RETURNS, ROOT, query_database, server_env, wait_until

LABELS = ["buyer", "other buyer", "merchant", "other merchant", "clerk", "platform"]
NONE_FILED = (200, {"data": {"afterSaleRequests": {"totalCount": 0, "edges": []}}})


def requests_seen(server, label):
    """(state, type) of each request the person's banner example shows."""
    status, body = server.curl(server.examples[label])
    assert status == 200, body
    return [
        (edge["node"]["state"], edge["node"]["type"])
        for edge in body["data"]["afterSaleRequests"]["edges"]
    ]


def file_the_return(server):
    status, body = server.curl(server.file_return)
    assert status == 200, body
    created = body["data"]["afterSaleRequestCreate"]
    assert created["errors"] == []
    return created["afterSaleRequest"]


def test_bin_run_without_a_command_serves_the_demo_on_sqlite(start_server, tmp_path):
    # given a fresh directory for the sandbox's files
    shop = tmp_path / "shop"
    shop.mkdir()
    # when the newcomer runs bin/run
    server = start_server(command=[str(ROOT / "bin" / "run")], sandbox_dir=shop)
    # then the banner names the API, the database and a token for each demo person
    assert f"  GraphQL    {server.url}/graphql/  (POST JSON" in server.banner
    assert f"  GraphiQL   {server.url}/graphql/  (open it in a browser" in server.banner
    assert f"  Database   SQLite {shop}/.sandbox.sqlite3, demo data loaded now" in server.banner
    assert "  Deadlines  swept in-process every 2 s\n" in server.banner
    assert "  Time       the wall clock's (--speed 2880 makes" in server.banner
    assert list(server.tokens) == LABELS
    assert len(set(server.tokens.values())) == 6
    assert (shop / ".sandbox.sqlite3").is_file()
    # and each person's example works with their token (nothing is filed yet)
    for label, token in server.tokens.items():
        assert f"-H 'Authorization: Bearer {token}'" in server.examples[label]
        assert server.curl(server.examples[label]) == NONE_FILED
    # and a wrong token is refused
    assert server.graphql("{ __typename }", "not-a-token") == (
        401,
        {"errors": [{"message": "Invalid or unknown token in the Authorization header."}]},
    )
    # and GraphiQL is served on GET, the root redirects to it
    status, page = server.http("GET", "/graphql/", headers={"Accept": "text/html"})
    assert (status, "GraphiQL" in page) == (200, True)
    assert server.http("GET", "/") == (302, "/graphql/")
    # when stopped as Ctrl-C stops it
    code = server.stop()
    # then it says so and ends well
    assert code == 0
    assert server.stdout().rstrip().endswith("] Stopped.")


def test_with_speed_the_in_process_sweeper_auto_approves_a_return(start_server):
    # given the sandbox 86400× faster: the 48 h merchant review lasts 2 s
    server = start_server("--speed", "86400")
    assert (
        "  Time       86400× faster for after-sale deadlines: the 48 h merchant review lasts 2 s\n"
        in server.banner
    )
    assert "within 48 h of sandbox time (2 s here), the sweeper approves it" in server.banner
    # when the buyer files the banner's return and nobody reviews it
    filed = file_the_return(server)
    assert (filed["state"], filed["deadline"]["defaultOutcome"]) == (
        "AWAITING_MERCHANT_REVIEW",
        "AUTO_APPROVE",
    )
    # then the sweeper approves it: the request awaits the buyer's return
    wait_until(
        lambda: (
            requests_seen(server, "buyer") != [("AWAITING_MERCHANT_REVIEW", "RETURN_AND_REFUND")]
        ),
        30,
        "the review deadline passed",
    )
    assert requests_seen(server, "buyer") == [("AWAITING_BUYER_RETURN", "RETURN_AND_REFUND")]
    assert "] Sweeper: 1 deadline(s) passed; default outcomes applied.\n" in server.stdout()
    # and the merchant sees it, the merchant of another channel does not
    assert requests_seen(server, "merchant") == [("AWAITING_BUYER_RETURN", "RETURN_AND_REFUND")]
    assert server.curl(server.examples["other merchant"]) == NONE_FILED


def test_a_restart_keeps_the_data_and_the_tokens_and_reset_starts_over(
    start_server, server_database_url
):
    # given a server that created its PostgreSQL database, loaded the demo, and a return filed
    first = start_server("--database", server_database_url)
    assert first.stdout().startswith("Created the database ")
    assert ", demo data loaded now (--reset starts over)" in first.banner
    file_the_return(first)
    assert first.stop() == 0
    # when it starts again
    second = start_server("--database", server_database_url)
    # then the demo is the same, loaded once, with the same tokens, and the request is there
    assert "Created the database" not in second.stdout()
    assert ", demo data kept from an earlier start (--reset starts over)" in second.banner
    assert second.tokens == first.tokens
    assert rows(server_database_url) == (3, 6, 6, 1)
    assert requests_seen(second, "buyer") == [("AWAITING_MERCHANT_REVIEW", "RETURN_AND_REFUND")]
    assert second.stop() == 0
    # when it starts with --reset
    third = start_server("--database", server_database_url, "--reset")
    # then the demo is loaded anew, with new tokens and no request
    assert ", demo data loaded now (--reset starts over)" in third.banner
    assert set(third.tokens.values()).isdisjoint(first.tokens.values())
    assert rows(server_database_url) == (3, 6, 6, 0)
    assert third.curl(third.examples["buyer"]) == NONE_FILED


def rows(url):
    """(demo orders, users, tokens, after-sale requests) in the server's database."""
    return query_database(
        url,
        "SELECT (SELECT count(*) FROM kuai_sandbox_order), (SELECT count(*) FROM auth_user),"
        " (SELECT count(*) FROM kuai_sandbox_apitoken),"
        " (SELECT count(*) FROM kuai_returns_aftersalerequest)",
    )[0]


def test_a_busy_port_is_refused_before_anything_else(tmp_path):
    # given a port someone else listens on
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # when
        result = subprocess.run(
            [KUAI_RETURNS, "serve", "--port", str(port)],
            cwd=ROOT,
            env=server_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
    # then it says so, and made no database
    assert (result.returncode, result.stdout, result.stderr) == (
        1,
        "",
        f"kuai-returns serve: port {port} is in use; choose another with --port\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_an_unreachable_broker_is_named(tmp_path):
    # given a broker nobody listens on
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    # when
    result = subprocess.run(
        [KUAI_RETURNS, "serve", "--port", "0", "--celery", f"redis://127.0.0.1:{port}/0"],
        cwd=ROOT,
        env=server_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then it says so, and made no database
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"kuai-returns serve: cannot reach the Celery broker at redis://127.0.0.1:{port}/0: "
    )
    assert list(tmp_path.iterdir()) == []


def test_the_audit_checks_what_the_server_did(start_server, tmp_path):
    # given the server ran, and a return was filed and auto-approved
    server = start_server("--speed", "86400")
    file_the_return(server)
    wait_until(
        lambda: requests_seen(server, "buyer") == [("AWAITING_BUYER_RETURN", "RETURN_AND_REFUND")],
        30,
        "the review deadline passed",
    )
    assert server.stop() == 0
    # when the audit runs on its database
    done = subprocess.run(
        [KUAI_RETURNS, "audit"],
        cwd=ROOT,
        env=server_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # then it looked at the request and found nothing
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        "",
        "Audited 1 requests, 0 payments, 0 ledger entries: no findings.\n",
    )


def test_the_audit_without_a_database_says_what_to_do(tmp_path):
    done = subprocess.run(
        [KUAI_RETURNS, "audit"],
        cwd=ROOT,
        env=server_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout) == (
        2,
        f"No sandbox database at {tmp_path / '.sandbox.sqlite3'}: run `bin/run` first.\n",
    )
