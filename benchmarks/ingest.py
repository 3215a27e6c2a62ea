"""End-to-end ingest throughput and peak memory, against plain pyoxigraph bulk_load of the
same data (the store's own limit), measured in one run on this machine.

    .venv/bin/python benchmarks/ingest.py [--scale 1] [--seed 24107] [--engine oxigraph|pyshacl]

Runs the whole pipeline (extract, link, map, SHACL, load, swap) twice: a first ingest into
an empty store, then a re-ingest of the same exports into that store, as the nightly run
does (Morph-KGC's parsed mappings then come from the store's cache, and the quarantine and
provenance graphs are carried over). Prints triples/s for both, CPU seconds per stage
(workers and main process together), the load average, and bulk_load alone of the
resulting store's dump. Figures go into BENCHMARKS.md by hand.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

from graph_server.config import load_config
from graph_server.ingest.pipeline import run_ingest
from graph_server.store import GraphStore
from source_generator.generate import generate


def peak_rss_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=24107)
    parser.add_argument("--engine", default=None, help="SHACL engine (default: schakel.toml [ingest] shacl_engine)")
    args = parser.parse_args()
    config = load_config()
    if args.engine:
        config = dataclasses.replace(config, shacl_engine=args.engine)

    with tempfile.TemporaryDirectory(prefix="schakel-bench-") as tmp:
        tmp = Path(tmp)
        sources, store_root = tmp / "sources", tmp / "store"
        t0 = time.perf_counter()
        generate(sources, scale=args.scale, seed=args.seed)
        print(f"generated scale {args.scale} in {time.perf_counter() - t0:.1f} s", flush=True)

        runs = []
        for label in ("first ingest", "re-ingest"):
            print(f"{label}  (load average {os.getloadavg()[0]:.1f})", flush=True)
            t0 = time.perf_counter()
            report = run_ingest(sources, config, store_root=store_root, log=lambda line: print("  " + line, flush=True))
            runs.append((label, time.perf_counter() - t0, report, os.getloadavg()[0]))
        own_mb, children_mb = peak_rss_mb()
        triples = sum(sum(run.triples_loaded.values()) for run in report.runs)
        records = sum(run.records_read for run in report.runs)

        store = GraphStore(store_root, read_only=True)
        dump = tmp / "all.nq"
        with dump.open("wb") as handle:
            store.oxigraph.dump(handle, format=ox.RdfFormat.N_QUADS)
        store.close()
        all_quads = sum(1 for _ in dump.open("rb"))
        t0 = time.perf_counter()
        fresh = ox.Store(str(tmp / "bulk"))
        fresh.bulk_load(path=str(dump), format=ox.RdfFormat.N_QUADS)
        fresh.flush()
        bulk_seconds = time.perf_counter() - t0

    bulk_rate = all_quads / bulk_seconds
    print()
    print(f"SHACL engine                 {config.shacl_engine}")
    print(f"source records               {records:,}")
    print(f"triples loaded (data graphs) {triples:,}   (store total incl. ontology, provenance, quarantine: {all_quads:,})")
    for label, seconds, run_report, load in runs:
        rate = triples / seconds
        stages = "  ".join(f"{stage} {cpu:.1f}" for stage, cpu in run_report.cpu_seconds.items())
        print(f"{label:<28} {seconds:8.1f} s   {rate:10,.0f} triples/s   {rate / bulk_rate:5.2f}x bulk_load"
              f"   (load average at the end {load:.1f})")
        print(f"{'':<28} CPU s: {stages}  = {sum(run_report.cpu_seconds.values()):.1f}")
    print(f"bulk_load alone              {bulk_seconds:8.1f} s   {bulk_rate:10,.0f} triples/s")
    print("target                       >= 50,000 triples/s for the pipeline")
    print(f"peak RSS                     {own_mb:,.0f} MB (main) / {children_mb:,.0f} MB (largest worker)")
    return 0 if all(run_report.ok for _label, _seconds, run_report, _load in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
