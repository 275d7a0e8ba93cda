"""``kuai-returns``: command-line tools of the project."""

from __future__ import annotations

import argparse
import sys

from .domain.diagram import mermaid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kuai-returns", description="saleor-kuai-returns command-line tools."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("diagram", help="Print the after-sale state machine as a Mermaid diagram.")
    args = parser.parse_args(argv)
    if args.command == "diagram":
        sys.stdout.write(mermaid())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
