"""`schakel` command line. Each subcommand lives in its own module under
`graph_server/commands/` with `register(subparsers)` and a `run(args) -> int`; this file only
dispatches and turns expected errors into one-line messages."""

from __future__ import annotations

import argparse
import importlib
import os
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
        status = int(args.run(args) or 0)
        sys.stdout.flush()  # a reader that went away is noticed here, not at interpreter exit
        return status
    except (UserError, ConfigError, StoreError) as exc:
        print(f"schakel: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("schakel: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`schakel token create | head -1`): what it wanted was written.
        # Point stdout at /dev/null so that the interpreter's final flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
