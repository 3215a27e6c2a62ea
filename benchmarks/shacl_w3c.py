#!/usr/bin/env python3
"""W3C SHACL test suite through the project's `validate()` interface, per engine.

    .venv/bin/python benchmarks/shacl_w3c.py [--suite DIR] [--engine pyshacl pyshacl-turbo] [--json]

Prints passes per engine for the core and SPARQL tests (121 test files: 98 core + 23 SPARQL,
one of which, sparql/component/nodeValidator-001, no manifest includes) and lists the
failing tests with the reason. Comparison rules: graph_server/validation/w3c.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph_server.validation import w3c  # noqa: E402
from graph_server.validation.engine import ENGINES  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", type=Path, default=w3c.DEFAULT_SUITE, help="folder holding manifest.ttl")
    parser.add_argument("--engine", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--manifest-only", action="store_true", help="skip test files no manifest includes")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    if not (args.suite / "manifest.ttl").exists():
        print(f"shacl_w3c: {args.suite}/manifest.ttl not found (is ../shared present?)", file=sys.stderr)
        return 2
    # The suite feeds deliberately ill-typed literals; rdflib logs a traceback for each one.
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    tests = w3c.discover(args.suite, include_orphans=not args.manifest_only)
    runs = [w3c.run_suite(engine, tests=tests) for engine in args.engine]
    if args.json:
        print(json.dumps({
            run.engine: {
                "core": [run.passed("core"), run.total("core")],
                "sparql": [run.passed("sparql"), run.total("sparql")],
                "total": [run.passed(), run.total()],
                "failures": {o.test.name: o.reason for o in run.failures()},
            } for run in runs
        }, indent=2))
    else:
        for line in w3c.table(runs):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
