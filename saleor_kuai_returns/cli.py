"""``kuai-returns``: command-line tools of the project."""

from __future__ import annotations

import argparse
import os
import sys
from urllib.parse import urlparse

from .domain.diagram import mermaid

# Beyond this the shortest deadline would round to nothing.
MAX_SPEED = 1_000_000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kuai-returns", description="saleor-kuai-returns command-line tools."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("diagram", help="Print the after-sale state machine as a Mermaid diagram.")
    commands.add_parser(
        "schema", help="Print the sandbox's GraphQL schema (what graphql/schema.graphql holds)."
    )
    add_serve_parser(commands)
    audit = commands.add_parser(
        "audit",
        help="Check the sandbox's money against its shop records (the kuai_returns_audit "
        "command); exit code 1 on any finding.",
    )
    audit.add_argument(
        "--database",
        type=postgres_url,
        metavar="postgres://…",
        help="the PostgreSQL database the server ran on (default: its SQLite file)",
    )
    args = parser.parse_args(argv)
    if args.command == "diagram":
        sys.stdout.write(mermaid())
    if args.command == "schema":
        sys.stdout.write(graphql_schema())
    if args.command == "audit":
        return run_audit(args.database or "")
    if args.command == "serve":
        from .sandbox.server import ServeOptions, serve

        return serve(
            ServeOptions(
                port=args.port,
                database=args.database or "",
                celery=args.celery or "",
                speed=args.speed,
                sweep_every=args.sweep_every,
                reset=args.reset,
            )
        )
    return 0


def add_serve_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="Run the sandbox shop with demo data and the GraphQL API on a local server.",
        description=(
            "Run the sandbox shop on a local server: migrate its database, load the demo "
            "data once, print the demo people's tokens, serve GraphQL and GraphiQL at "
            "/graphql/, and enforce deadlines. Embedded defaults: SQLite in "
            ".sandbox.sqlite3 (in the working directory) and deadlines swept in-process."
        ),
    )
    serve.add_argument(
        "--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000; 0: any free one)"
    )
    serve.add_argument(
        "--database",
        type=postgres_url,
        metavar="postgres://…",
        help="a PostgreSQL database instead of SQLite (created when missing)",
    )
    serve.add_argument(
        "--celery",
        type=broker_url,
        metavar="redis://…",
        help="start a Celery worker and beat on this broker to enforce deadlines",
    )
    serve.add_argument(
        "--speed",
        type=speed,
        default=1.0,
        metavar="N",
        help="after-sale deadlines run N times faster (2880: 48 h last one minute)",
    )
    serve.add_argument(
        "--sweep-every",
        type=positive_seconds,
        default=2.0,
        metavar="SECONDS",
        help="how often deadlines are swept (default 2)",
    )
    serve.add_argument(
        "--reset", action="store_true", help="empty the database and load the demo data again"
    )


def graphql_schema() -> str:
    """The sandbox's GraphQL schema as SDL, with every description."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_kuai_returns.sandbox.settings")
    django.setup()
    from .graphql.printer import print_schema
    from .graphql.schema import build_schema

    return print_schema(build_schema())


def run_audit(database: str) -> int:
    """The money audit on the sandbox's database; its exit code."""
    import django
    from django.core.management import call_command

    if database:
        os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_kuai_returns.sandbox.settings")
    django.setup()
    from django.conf import settings

    sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    if sqlite and not os.path.exists(settings.DATABASES["default"]["NAME"]):
        print(
            f"No sandbox database at {settings.DATABASES['default']['NAME']}: run `bin/run` first."
        )
        return 2
    try:
        call_command("kuai_returns_audit")
    except SystemExit as ended:
        return int(ended.code or 0)
    return 0


def postgres_url(value: str) -> str:
    if urlparse(value).scheme not in {"postgres", "postgresql"}:
        raise argparse.ArgumentTypeError(f"expected postgres://user@host:port/name, not {value}")
    return value


def broker_url(value: str) -> str:
    if not urlparse(value).scheme:
        raise argparse.ArgumentTypeError(f"expected a broker URL such as redis://…, not {value}")
    return value


def speed(value: str) -> float:
    number = float(value)
    if not 1 <= number <= MAX_SPEED:
        raise argparse.ArgumentTypeError(f"between 1 and {MAX_SPEED:,}, not {value}")
    return number


def positive_seconds(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"a positive number of seconds, not {value}")
    return number


if __name__ == "__main__":
    raise SystemExit(main())
