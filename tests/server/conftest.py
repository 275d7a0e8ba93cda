"""The sandbox server as a newcomer runs it: a real process on a real port.

Each test starts ``kuai-returns serve`` (or ``bin/run``) in a process group of
its own, reads its banner, talks HTTP to it, and stops it with SIGTERM as
Ctrl-C would; whatever is left of the group is killed at teardown.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
KUAI_RETURNS = str(Path(sys.executable).parent / "kuai-returns")
START_TIMEOUT = 60  # seconds: migrations on an empty database included
STOP_TIMEOUT = 30
PERSON = re.compile(
    r"^  (?P<label>[a-z ]+) \((?P<username>\S+)\): .*\n"
    r"    token  (?P<token>\S+)\n    (?P<curl>curl .*)$",
    re.M,
)


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    output: Path
    errors: Path
    banner: str = ""
    url: str = ""
    tokens: dict[str, str] = field(default_factory=dict)  # label → token
    examples: dict[str, str] = field(default_factory=dict)  # label → its curl line
    file_return: str = ""  # the buyer's curl line that files a return

    def wait_for_banner(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while "Quit with Ctrl-C." not in self.stdout():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(
                    f"the server did not start (exit code {self.process.poll()}):\n"
                    f"{self.stdout()}\n{self.stderr()}"
                )
            time.sleep(0.05)
        self.banner = self.stdout()
        found = re.search(r"GraphQL +(http://\S+)/graphql/", self.banner)
        assert found, self.banner
        self.url = found.group(1)
        self.tokens = {m["label"]: m["token"] for m in PERSON.finditer(self.banner)}
        self.examples = {m["label"]: m["curl"] for m in PERSON.finditer(self.banner)}
        self.file_return = next(
            line.strip() for line in self.banner.splitlines() if "afterSaleRequestCreate" in line
        )

    def stdout(self) -> str:
        return self.output.read_text(encoding="utf-8")

    def stderr(self) -> str:
        return self.errors.read_text(encoding="utf-8")

    def stop(self) -> int:
        """SIGTERM, as a service manager (or Ctrl-C) stops it; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        finally:
            kill_group(self.process)

    def graphql(self, query: str, token: str | None, variables: dict[str, object] | None = None):
        """POST a GraphQL request; (HTTP status, decoded JSON or text)."""
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        return self.http("POST", "/graphql/", body, headers)

    def curl(self, line: str):
        """Send what a curl line of the banner sends (its URL, headers and body)."""
        words = shlex.split(line)
        assert words[:3] == ["curl", "-s", f"{self.url}/graphql/"], line
        headers = dict(words[i + 1].split(": ", 1) for i, word in enumerate(words) if word == "-H")
        body = words[words.index("-d") + 1].encode()
        return self.http("POST", "/graphql/", body, headers)

    def http(self, method: str, path: str, body: bytes | None = None, headers=None):
        request = urllib.request.Request(
            self.url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with NO_REDIRECTS.open(request, timeout=30) as response:
                return response.status, decoded(response)
        except urllib.error.HTTPError as error:
            return error.code, decoded(error)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


NO_REDIRECTS = urllib.request.build_opener(_NoRedirect)


def decoded(response):
    text = response.read().decode()
    if response.headers.get_content_type() == "application/json":
        return json.loads(text)
    if 300 <= response.status < 400:
        return response.headers["Location"]
    return text


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """Whatever the server's process group still runs (its Celery children)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def server_env(sandbox_dir: Path) -> dict[str, str]:
    """The environment of a newcomer's shell (none of the test suite's settings),
    with the sandbox's files in ``sandbox_dir``. The processes run in the
    checkout, where coverage finds its configuration."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL"}
        and not key.startswith("KUAI_")
    }
    env["KUAI_SANDBOX_DIR"] = str(sandbox_dir)
    return env


@pytest.fixture
def start_server(tmp_path):
    """Start ``command`` (default: ``kuai-returns serve``) on a free port, its
    files in ``sandbox_dir`` (default: the test's own directory), and wait for
    its banner; every server started is stopped."""
    started: list[Server] = []

    def start(*args: str, command: list[str] | None = None, sandbox_dir: Path | None = None):
        run = len(started)
        output, errors = tmp_path / f"server-{run}.out", tmp_path / f"server-{run}.err"
        with output.open("wb") as out, errors.open("wb") as err:
            process = subprocess.Popen(
                [*(command or [KUAI_RETURNS, "serve"]), "--port", "0", *args],
                cwd=ROOT,
                env=server_env(sandbox_dir or tmp_path),
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        server = Server(process, output, errors)
        started.append(server)
        server.wait_for_banner()
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.stop()
        kill_group(server.process)


def _maintenance(url: str):
    import psycopg

    parts = urlparse(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
        dbname="postgres",
        autocommit=True,
    )


@pytest.fixture
def server_database_url():
    """A PostgreSQL database of the servers' own, next to the tests' one, that
    does not exist yet (the server creates it); dropped afterwards."""
    tests = urlparse(os.environ["DATABASE_URL"])
    name = f"{tests.path.lstrip('/')}_server"
    url = tests._replace(path=f"/{name}").geturl()
    with _maintenance(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    yield url
    with _maintenance(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query_database(url: str, sql: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(url) as connection:
        return connection.execute(sql).fetchall()


def wait_until(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"not within {timeout} s: {what}")
