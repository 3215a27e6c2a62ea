#!/usr/bin/env python3
"""SHACL engines side by side on the generated city: pySHACL (the reference), pyshacl-turbo,
and the project's oxigraph engine (graph_server/validation/sparql_engine.py).

    .venv/bin/python benchmarks/shacl.py [--work DIR] [--target 1000000] [--budget 150]
                                         [--skip-gis] [--write BENCHMARKS.md]

1. Generates the city (seed 24107) at scale 0.1 and 1 and maps every source with the ingest's
   own extract and mapping steps; cached in --work (default /tmp/schakel-bench-shacl).
2. The gis source as one data graph, scale 0.1 (~63k triples) and 1 (~626k): pySHACL and the
   oxigraph engine (also in 40k-triple chunks: Oxigraph's in-memory store gets slower per
   lookup as it grows, so several small stores beat one big one).
3. ~1M triples of the city in whole-record chunks of 40k triples, cut as the ingest gate's
   chunked path cuts them (graph_server.ingest.gate), taken round-robin over the sources. Every
   engine validates the same chunks in the same order; an engine that exceeds --budget seconds
   stops after the chunk it is on and is measured on the chunks it finished (the table says
   how many triples that was). The result sets of the engines are compared pairwise on the
   chunks both validated.
4. The W3C SHACL test suite (../shared) through pySHACL and the oxigraph engine, with the
   tests the oxigraph engine refuses as unsupported listed apart.

Each measurement runs in its own process. CPU seconds are that process's own (the machine may
be shared; wall seconds are printed next to them) and include the parsing each engine needs:
an rdflib Graph for pySHACL and pyshacl-turbo, a pyoxigraph Store for the oxigraph engine and
for "pyshacl-turbo (Store)" (pyshacl-turbo also accepts a pyoxigraph Store). Compiling the
shapes for the oxigraph engine (once per process) is included too.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing as mp
import os
import platform
import sys
import tempfile
import time
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyoxigraph as ox  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHAPES_DIR = ROOT / "shapes"
SEED = 24107
CHUNK_TRIPLES = 40_000
ENGINES = ("pyshacl", "pyshacl-turbo", "pyshacl-turbo (Store)", "oxigraph")


# --- data -------------------------------------------------------------------------------------
def mapped_sources(work: Path, scale: float) -> dict[str, list[str]]:
    """N-Quads lines per source of the generated city at `scale` (cached as <source>.nq)."""
    folder = work / f"scale-{scale:g}"
    mapped = folder / "mapped"
    done = mapped / ".complete"
    if not done.exists():
        from graph_server.config import load_config
        from graph_server.ingest.mapping import run_mapping
        from graph_server.ingest.pipeline import _build_context, _extract, load_source_specs
        from source_generator.generate import generate

        t0 = time.perf_counter()
        sources = folder / "sources"
        if not (sources / "gis").is_dir():
            generate(sources, scale=scale, seed=SEED)
        config = load_config()
        specs = load_source_specs(config)
        gis = _extract("gis", specs["gis"], sources, None)
        context = _build_context(config, gis)
        mapped.mkdir(parents=True, exist_ok=True)
        for name, spec in specs.items():
            extract = gis if name == "gis" else _extract(name, spec, sources, context)
            with tempfile.TemporaryDirectory(prefix=f"schakel-{name}-") as staging:
                lines = run_mapping(extract, spec.mapping, config, Path(staging),
                                    {config.graph_iri(g) for g in spec.graphs})
            (mapped / f"{name}.nq").write_text("".join(f"{line} .\n" for line in lines), encoding="utf-8")
        done.write_text("")
        print(f"  generated and mapped scale {scale:g} in {time.perf_counter() - t0:.0f} s", flush=True)
    return {p.stem: p.read_text(encoding="utf-8").splitlines() for p in sorted(mapped.glob("*.nq"))}


def as_ntriples(lines: list[str]) -> bytes:
    quads = ox.parse("\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_QUADS)
    return ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)


def record_chunks(lines: list[str]) -> list[list[str]]:
    """Whole records per chunk of about CHUNK_TRIPLES triples (the gate's chunking: a subject
    belongs to the record whose IRI is its longest prefix with sk:bronRecord)."""
    quads = list(ox.parse("\n".join(lines).encode("utf-8"), format=ox.RdfFormat.N_QUADS))
    records: dict[str, set[str]] = defaultdict(set)
    bron = "https://w3id.org/schakel/ns#bronRecord"
    for quad in quads:
        if quad.predicate.value == bron:
            records[quad.subject.value].add(quad.object.value)
    by_root: dict[str, list[str]] = defaultdict(list)
    for line, quad in zip(lines, quads):
        subject = candidate = quad.subject.value
        while candidate not in records and "/" in candidate[8:]:
            candidate = candidate.rsplit("/", 1)[0]
        by_root[candidate if candidate in records else subject].append(line)
    chunks, current = [], []
    for group in by_root.values():
        current.extend(group)
        if len(current) >= CHUNK_TRIPLES:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


# --- measuring (in a child process) ----------------------------------------------------------------
@dataclass
class Measurement:
    engine: str
    label: str
    triples: int = 0
    chunks: int = 0
    total_chunks: int = 0
    cpu: float = 0.0
    wall: float = 0.0
    results: int = 0
    keys: list = field(default_factory=list)   # per chunk: sorted result keys
    error: str = ""
    timed_out: bool = False

    @property
    def rate(self) -> float:
        return self.triples / self.cpu if self.cpu else 0.0


def _shapes():
    import rdflib
    graph = rdflib.Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _shape_name(shapes, node) -> str:
    """Blank-node shapes get other labels in every process: name them by parent and content."""
    import rdflib
    if not isinstance(node, rdflib.BNode):
        return str(node)
    parent = next(shapes.subjects(rdflib.URIRef("http://www.w3.org/ns/shacl#property"), node), None)
    content = sorted((str(p), str(o)) for p, o in shapes.predicate_objects(node) if not isinstance(o, rdflib.BNode))
    return f"{parent}/{content}"


def _key(shapes, r) -> tuple:
    return (str(r.focus_node), str(r.path), r.constraint_iri, r.severity_iri, _shape_name(shapes, r.source_shape))


def _run(engine: str, label: str, chunks: list[bytes], budget: float, queue) -> None:
    logging.disable(logging.CRITICAL)  # rdflib logs a traceback per ill-typed literal
    warnings.simplefilter("ignore")
    import rdflib

    from graph_server.validation import engine as engines

    shapes = _shapes()
    m = Measurement(engine, label, total_chunks=len(chunks))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        compiled = engines.compile_shapes(shapes) if engine == "oxigraph" else None
        for chunk in chunks:
            if engine == "oxigraph":
                store = ox.Store()
                store.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES)
                results = engines.validate_store(store, compiled)
                triples = len(store)
            elif engine == "pyshacl-turbo (Store)":
                import pyshacl_turbo
                store = ox.Store()
                store.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES)
                _conforms, report, _text = pyshacl_turbo.validate(store, shacl_graph=shapes, inference="none",
                                                                  advanced=True)
                node = next(report.subjects(rdflib.RDF.type, engines.SH.ValidationReport))
                results = [engines._result(report, r) for r in report.objects(node, engines.SH.result)]
                triples = len(store)
            else:
                data = rdflib.Graph().parse(data=chunk.decode("utf-8"), format="nt")
                results = engines.validate(data, shapes, engine=engine).results
                triples = len(data)
            m.triples += triples
            m.chunks += 1
            m.results += len(results)
            m.keys.append(sorted(_key(shapes, r) for r in results))
            if time.perf_counter() - wall0 > budget:
                break
    except Exception as exc:  # noqa: BLE001 - reported in the table
        m.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    m.cpu, m.wall = time.process_time() - cpu0, time.perf_counter() - wall0
    queue.put(m)


def measure(engine: str, label: str, chunks: list[bytes], *, budget: float, timeout: float) -> Measurement:
    context = mp.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=_run, args=(engine, label, chunks, budget, queue))
    process.start()
    try:
        m = queue.get(timeout=timeout)
    except Exception:  # noqa: BLE001 - queue.Empty: the engine did not finish one chunk in time
        m = Measurement(engine, label, total_chunks=len(chunks), timed_out=True, wall=timeout,
                        error=f"no chunk finished within {timeout:.0f} s")
    process.join(5)
    if process.is_alive():
        process.kill()
        process.join()
    return m


# --- reporting ----------------------------------------------------------------------------------------
def row(m: Measurement, baseline: Measurement | None) -> str:
    if m.error and not m.chunks:
        return f"| {m.engine} | - | - | - | - | - | {m.error} |"
    part = "" if m.chunks == m.total_chunks else f" ({m.chunks}/{m.total_chunks} chunks, time budget)"
    speedup = f"{m.rate / baseline.rate:.1f}x" if baseline and baseline.rate and m is not baseline else "1.0x"
    return (f"| {m.engine} | {m.triples:,}{part} | {m.cpu:.1f} | {m.wall:.1f} | {m.rate:,.0f} | {speedup} | "
            f"{m.results:,} |")


HEADER = ("| engine | triples validated | CPU s | wall s | triples / CPU s | vs pySHACL | results |\n"
          "|---|---:|---:|---:|---:|---:|---:|")


def agreement(measurements: list[Measurement]) -> str:
    """Compare result sets pairwise on the chunks both engines finished."""
    usable = [m for m in measurements if m.chunks and not m.error]
    if len(usable) < 2:
        return "Result sets: fewer than two engines finished a chunk."
    parts = []
    for i, a in enumerate(usable):
        for b in usable[i + 1:]:
            if i > 0 and min(a.chunks, b.chunks) <= min(usable[0].chunks, b.chunks):
                continue  # nothing beyond what the comparison with the reference covers
            common = min(a.chunks, b.chunks)
            same = all(a.keys[k] == b.keys[k] for k in range(common))
            triples = f"{common} chunk{'s' if common > 1 else ''}"
            parts.append(f"{b.engine} vs {a.engine}: {'equal' if same else 'DIFFERENT'} ({triples})")
    return ("Result sets (focus node, path, constraint component, severity, source shape), compared on "
            "the chunks both engines finished: " + "; ".join(parts) + ".")


def notes(gis_runs: dict, city: list[Measurement]) -> list[str]:
    out = ["Notes:", "",
           f"* CPU s is the validating process's own CPU time, parsing included; the machine was shared "
           f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end), so wall seconds are "
           f"inflated. Rates are per CPU second, i.e. per core."]
    by = {m.engine: m for m in city if m.chunks and not m.error}
    if "oxigraph" in by and "pyshacl-turbo (Store)" in by:
        out.append(f"* pyshacl-turbo spends most of its time in rdflib when given an rdflib Graph (as "
                   f"`validate()` does); given a pyoxigraph Store it is "
                   f"{by['pyshacl-turbo (Store)'].rate / by['pyshacl-turbo'].rate:.1f}x faster than that "
                   f"and the oxigraph engine is {by['oxigraph'].rate / by['pyshacl-turbo (Store)'].rate:.1f}x "
                   f"faster still." if "pyshacl-turbo" in by else "")
    whole, chunks = gis_runs.get("whole"), gis_runs.get("chunks")
    if whole and chunks and whole.cpu and chunks.cpu:
        out.append(f"* Oxigraph's in-memory store gets slower per lookup as it grows: the scale-1 gis source "
                   f"validates {whole.cpu / chunks.cpu:.1f}x faster as {chunks.chunks} stores of 40k triples "
                   f"({chunks.rate:,.0f} triples/CPU s) than as one store of {whole.triples:,} "
                   f"({whole.rate:,.0f}). Validate a source in whole-record chunks.")
    return out[:2] + [line for line in out[2:] if line]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "schakel-bench-shacl")
    parser.add_argument("--target", type=int, default=1_000_000, help="triples for the city table")
    parser.add_argument("--budget", type=float, default=120.0,
                        help="wall seconds per engine in the city table (the script stays under ~10 minutes)")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--skip-gis", action="store_true", help="only the city table")
    parser.add_argument("--write", type=Path, help="replace the 'SHACL engines' section of this Markdown file")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out: list[str] = []

    def emit(line: str = "") -> None:
        print(line, flush=True)
        out.append(line)

    print(f"data in {args.work}", flush=True)
    city = mapped_sources(args.work, 1.0)
    small = None if args.skip_gis else mapped_sources(args.work, 0.1)

    import pyshacl
    import pyshacl_turbo
    emit(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
         f"{platform.python_version()}; pySHACL {pyshacl.__version__}, pyshacl-turbo {pyshacl_turbo.__version__}, "
         f"pyoxigraph {ox.__version__}; load average at start {os.getloadavg()[0]:.1f}.")
    emit()

    gis_runs: dict = {}
    if not args.skip_gis:
        for scale, sources in ((0.1, small), (1.0, city)):
            whole = [as_ntriples(sources["gis"])]
            chunked = [as_ntriples(c) for c in record_chunks(sources["gis"])]
            emit(f"gis source, scale {scale:g} ({len(sources['gis']):,} triples):")
            emit()
            emit(HEADER)
            runs = []
            for engine in [e for e in args.engines if e in ("pyshacl", "oxigraph")]:
                m = measure(engine, "whole", whole, budget=args.budget, timeout=args.budget * 3)
                runs.append(m)
                emit(row(m, runs[0]).replace(f"| {engine} |", f"| {engine}, one graph |", 1))
            if "oxigraph" in args.engines and len(chunked) > 1:
                m = measure("oxigraph", "chunks", chunked, budget=args.budget, timeout=args.budget * 2)
                emit(row(m, runs[0]).replace("| oxigraph |", f"| oxigraph, {len(chunked)} chunks of 40k |", 1))
                gis_runs = {"whole": next((r for r in runs if r.engine == "oxigraph"), None), "chunks": m}
            emit()
            emit(agreement(runs))
            emit()

    names = sorted(city)
    per_source = {name: record_chunks(city[name]) for name in names}
    selection: list[bytes] = []
    counts: dict[str, int] = defaultdict(int)
    total = 0
    while total < args.target and any(per_source.values()):
        for name in names:
            if per_source[name] and total < args.target:
                chunk = as_ntriples(per_source[name].pop(0))
                selection.append(chunk)
                n = chunk.count(b"\n")
                counts[name] += n
                total += n
    mix = ", ".join(f"{name} {n:,}" for name, n in counts.items())
    emit(f"City at scale 1, {total:,} triples in {len(selection)} chunks of whole records ({mix}):")
    emit()
    emit(HEADER)
    runs = []
    for engine in args.engines:
        m = measure(engine, "city", selection, budget=args.budget, timeout=args.budget * 3)
        runs.append(m)
        emit(row(m, runs[0]))
    emit()
    emit(agreement(runs))
    emit()
    for line in notes(gis_runs, runs):
        emit(line)
    emit()
    for line in w3c_summary():
        emit(line)
    emit(f"(benchmarks/shacl.py, {time.perf_counter() - started:.0f} s including data preparation)")

    if args.write:
        write_section(args.write, out)
    return 0


def w3c_summary() -> list[str]:
    """The W3C SHACL suite through pySHACL and the oxigraph engine; tests the oxigraph engine
    refuses as unsupported are listed apart from failures."""
    from graph_server.validation import w3c
    if not w3c.DEFAULT_SUITE.is_dir():
        return [f"W3C SHACL test suite: {w3c.DEFAULT_SUITE} absent, not run.", ""]
    logging.disable(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tests = w3c.discover()
        runs = {engine: w3c.run_suite(engine, tests=tests) for engine in ("pyshacl", "oxigraph")}
    logging.disable(logging.NOTSET)
    out = ["W3C SHACL test suite (graph_server/validation/w3c.py, 98 core + 23 SPARQL tests):", "",
           "| engine | core passed | SPARQL passed | unsupported (refused) | failed |", "|---|---:|---:|---:|---|"]
    for engine, run in runs.items():
        unsupported = sorted(o.test.name for o in run.failures() if "does not support" in o.reason)
        failed = sorted(o.test.name for o in run.failures() if "does not support" not in o.reason)
        out.append(f"| {engine} | {run.passed('core')}/{run.total('core')} | {run.passed('sparql')}/"
                   f"{run.total('sparql')} | {len(unsupported)} | {', '.join(failed) or '-'} |")
        if unsupported:
            out += ["", f"Unsupported by {engine}: {', '.join(unsupported)}."]
    return out + [""]


def write_section(path: Path, lines: list[str]) -> None:
    """Replace (or append) the '## SHACL engines' section, keeping every other section."""
    heading = "## SHACL engines"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    body = "\n".join([heading, "", "Measured with `.venv/bin/python benchmarks/shacl.py` "
                      f"on {time.strftime('%Y-%m-%d')}.", "", *lines]).rstrip() + "\n"
    start = text.find(heading + "\n")
    if start < 0:
        text = text.rstrip() + "\n\n" + body
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + body + ("\n" + text[end + 1:] if end >= 0 else "")
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
