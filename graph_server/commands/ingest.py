"""`schakel ingest`: lift the source exports into the store."""

from __future__ import annotations

import sys
from pathlib import Path

from graph_server.config import load_config


def register(subparsers) -> None:
    parser = subparsers.add_parser("ingest", help="map, link, validate and load the source exports",
                                   description="Map, link, validate and load the source exports into the store. "
                                               "Sources that fail keep their previous graphs.")
    parser.add_argument("--sources", type=Path, required=True, help="folder with one sub-folder per source application")
    parser.add_argument("--store", type=Path, help="store folder (default: [store] path in the config)")
    parser.add_argument("--config", type=Path, help="schakel.toml (default: the project's)")
    parser.add_argument("--only", action="append", metavar="SOURCE", help="ingest only this source (repeatable)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.set_defaults(run=run)


def run(args) -> int:
    from graph_server.ingest.pipeline import run_ingest
    from graph_server.ingest.records import SourceError
    from graph_server.cli import UserError

    config = load_config(args.config)
    progress = not args.no_progress and sys.stderr.isatty()
    print(f"Ingesting {args.sources} into {args.store or config.store_path}")
    try:
        report = run_ingest(args.sources, config, store_root=args.store, only=args.only, progress=progress)
    except SourceError as exc:
        raise UserError(str(exc)) from None
    for warning in report.warnings:
        print(f"warning: {warning}")
    links = report.address_links
    total = sum(links.values()) or 1
    print(f"Addresses: {links.get('linked', 0):,} linked to the register, {links.get('unresolved', 0):,} unresolved "
          f"(kept as text), {links.get('empty', 0):,} empty ({100 * links.get('linked', 0) / total:.1f}% linked)")
    for record, text in report.unresolved_addresses[:5]:
        print(f"  unresolved: {record}: {text!r}")
    print("Quality per source (records quarantined by a Violation; warnings loaded and counted):")
    for run in report.runs:
        if run.outcome != "loaded":
            print(f"  {run.source:<17} not loaded this run; its previous graphs are kept")
            continue
        rate = 100 * run.records_loaded / run.records_read if run.records_read else 100.0
        print(f"  {run.source:<17} {rate:5.1f}% conform, {run.records_quarantined:,} quarantined, {run.warnings:,} warnings")
        for reason, count in sorted(run.reasons.items(), key=lambda item: -item[1])[:3]:
            print(f"      {count:>5,} x {reason}")
    print("Triples per graph:")
    for graph, size in sorted(report.graph_sizes.items()):
        print(f"  {graph:<45} {size:>10,}")
    failed = [run for run in report.runs if run.outcome != "loaded"]
    for run in failed:
        print(f"schakel: error: {run.source}: {run.error}", file=sys.stderr)
    return 0 if report.ok else 1
