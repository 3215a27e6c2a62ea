"""End-to-end ingest throughput and peak memory, against plain pyoxigraph bulk_load of the
same data (the store's own limit), measured in one run on this machine.

    .venv/bin/python benchmarks/ingest.py [--scale 1] [--seed 24107] [--engine oxigraph|pyshacl]

Prints triples/s for the whole pipeline (extract, link, map, SHACL, load, swap) and for
bulk_load alone, and the ratio. Figures go into BENCHMARKS.md by hand.
"""

from __future__ import annotations

import argparse
import dataclasses
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

        t0 = time.perf_counter()
        report = run_ingest(sources, config, store_root=store_root, log=lambda line: print("  " + line, flush=True))
        pipeline_seconds = time.perf_counter() - t0
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

    pipeline_rate = triples / pipeline_seconds
    bulk_rate = all_quads / bulk_seconds
    print()
    print(f"SHACL engine                 {config.shacl_engine}")
    print(f"source records               {records:,}")
    print(f"triples loaded (data graphs) {triples:,}   (store total incl. ontology, provenance, quarantine: {all_quads:,})")
    print(f"pipeline                     {pipeline_seconds:8.1f} s   {pipeline_rate:10,.0f} triples/s")
    print(f"bulk_load alone              {bulk_seconds:8.1f} s   {bulk_rate:10,.0f} triples/s")
    print(f"pipeline / bulk_load         {pipeline_rate / bulk_rate:8.2f}x   (target: >= 50,000 triples/s for the pipeline)")
    print(f"peak RSS                     {own_mb:,.0f} MB (main) / {children_mb:,.0f} MB (largest SHACL worker)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
