"""`schakel` command line. Each subcommand lives in its own module under
`graph_server/commands/` with `register(subparsers)` and a `run(args) -> int`; this file only
dispatches and turns expected errors into one-line messages."""

from __future__ import annotations

import argparse
import importlib
import sys

# Subcommand name -> module under graph_server.commands. Imported lazily so that `schakel
# --help` does not load torch or pyshacl.
COMMANDS = {
    "generate": "generate",
    "ingest": "ingest",
    "shapes": "shapes",
    "serve": "serve",
    "token": "token",
    "eval": "eval",
    "ask": "ask",
}


class UserError(Exception):
    """An error the user can fix; printed as one line without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="schakel", description="Linked-data backbone for a city's service desk.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMANDS.values():
        importlib.import_module(f"graph_server.commands.{module_name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from graph_server.config import ConfigError
    from graph_server.store import StoreError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (UserError, ConfigError, StoreError) as exc:
        print(f"schakel: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("schakel: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
