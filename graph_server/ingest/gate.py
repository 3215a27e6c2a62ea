"""The SHACL gate: validate a source's mapped triples record by record and split them into
accepted triples and quarantined records.

A *record* is one record of the source export. Mapped entities carry `sk:bronRecord`; their
child nodes (address, position, steps) have IRIs below the parent's IRI, so every subject
is traced to its record by walking up its IRI path.

The gate works on the N-Quads lines Morph-KGC produces and never builds Python objects per
triple: chunks of whole records are loaded into an in-memory Oxigraph store for the compiled
SHACL engine (or into rdflib graphs for pySHACL) and the accepted lines go on to the bulk
loader as they are."""

from __future__ import annotations

import gc
import logging
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph_server.ingest.records import RejectedRecord, SourceError

SK = "https://w3id.org/schakel/ns#"
BRON_RECORD = f"<{SK}bronRecord>"
CHUNK_TRIPLES = 40_000


@dataclass
class GateResult:
    accepted: list[bytes] = field(default_factory=list)  # N-Quads of the accepted triples, in chunks of whole lines
    triples_per_graph: Counter = field(default_factory=Counter)  # graph IRI -> accepted triples
    quarantined: dict[str, list[str]] = field(default_factory=dict)  # record -> its N-Triples lines
    rejected: list[RejectedRecord] = field(default_factory=list)
    records_seen: set[str] = field(default_factory=set)
    warnings: int = 0


def _unquote(literal: str) -> str:
    body = literal[1:literal.rindex('"')]
    return body.replace('\\"', '"').replace("\\\\", "\\") if "\\" in body else body


@dataclass
class _Grouped:
    """A source's lines grouped by record: `groups` maps each root subject (as written in
    N-Quads, `<iri>` or `_:b`) to the lines of its whole subtree, `records` a root to the
    record ids it carries, `root_of` every subject to its root."""

    groups: dict[str, list[str]]
    records: dict[str, set[str]]
    root_of: dict[str, str]


def _group_by_record(lines: list[str]) -> _Grouped:
    # Per line only a slice and an append: the source's lines are many, its subjects ~6x fewer.
    by_subject: dict[str, list[str]] = defaultdict(list)
    for line in lines:
        by_subject[line[:line.index(" ")]].append(line)
    records: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        if BRON_RECORD in line:
            subject, _predicate, rest = line.split(" ", 2)
            records[subject].add(_unquote(rest[:rest.rindex(" ")]))
    root_of: dict[str, str] = {}
    groups: dict[str, list[str]] = defaultdict(list)
    for subject, subject_lines in by_subject.items():
        candidate = subject[1:-1]
        while f"<{candidate}>" not in records and "/" in candidate[8:]:
            candidate = candidate.rsplit("/", 1)[0]
        root = f"<{candidate}>" if f"<{candidate}>" in records else subject
        root_of[subject] = root
        groups[root].extend(subject_lines)
    return _Grouped(groups, records, root_of)


@contextmanager
def _collector_paused():
    """Grouping appends a million lines to some 150k new lists and makes no reference cycles;
    with the collector on, the bursts of new lists make it rescan the worker's live objects
    (the extract's rows) again and again: a third of the grouping's time at scale 1."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _nquads(lines: list[str]) -> bytes:
    return (" .\n".join(lines) + " .\n").encode("utf-8") if lines else b""


def _without_graph(nquads: bytes, graph_terms: list[bytes]) -> bytes:
    """N-Triples from N-Quads by cutting the graph name off every line. A line ends in
    `<graph> .\n` and an N-Quads literal cannot hold a raw newline, so a plain byte replace
    touches line ends only."""
    for term in graph_terms:
        nquads = nquads.replace(b" " + term + b" .\n", b" .\n")
    return nquads


def load_shapes_text(shapes_dir: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(shapes_dir.glob("*.ttl")))


class ShaclGate:
    """Parses (and for the oxigraph engine compiles) the shapes once for a whole ingest."""

    def __init__(self, shapes_dir: Path, engine: str = "oxigraph"):
        import rdflib

        from graph_server.validation.engine import ENGINES, compile_shapes

        if engine not in ENGINES:
            raise SourceError(f"unknown SHACL engine {engine!r} (choose one of {', '.join(ENGINES)})")
        logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)  # ill-typed literals are the shapes' job
        self.engine = engine
        self.shapes = rdflib.Graph().parse(data=load_shapes_text(shapes_dir), format="turtle")
        self._compiled = compile_shapes(self.shapes) if engine == "oxigraph" else None

    def check(self, source: str, nquads_lines: list[str], graph_iris: set[str]) -> GateResult:
        """`graph_iris`: every graph the lines may name (the mapping has checked that they do)."""
        with _collector_paused():
            grouped = _group_by_record(nquads_lines)
        graph_terms = sorted(f"<{graph}>".encode("utf-8") for graph in graph_iris)
        chunks: list[tuple[list[str], bytes]] = []  # (roots, their lines as N-Quads)
        results = []
        for roots in _chunks_of_whole_records(grouped.groups):
            nquads = _nquads([line for root in roots for line in grouped.groups[root]])
            results += self._validate_chunk(source, _without_graph(nquads, graph_terms))
            chunks.append((roots, nquads))
        return _split(source, grouped, chunks, graph_terms, results)

    def _validate_chunk(self, source: str, ntriples: bytes) -> list[tuple]:
        if self.engine == "oxigraph":
            from graph_server.validation.engine import validate_store

            store = ox.Store()
            try:
                store.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES)
            except SyntaxError as exc:
                raise SourceError(f"the mapping of {source} produced invalid RDF: {exc}") from None
            return [_result_tuple(r) for r in validate_store(store, self._compiled)]
        import rdflib

        from graph_server.validation import validate

        try:
            data = rdflib.Graph().parse(data=ntriples.decode("utf-8"), format="nt")
        except Exception as exc:  # rdflib raises several parser exception types
            raise SourceError(f"the mapping of {source} produced invalid RDF: {exc}") from None
        return [_result_tuple(r) for r in validate(data, self.shapes, engine=self.engine).results]


def _chunks_of_whole_records(groups: dict[str, list[str]]):
    """Both engines slow down as the graph grows (pySHACL steeply, Oxigraph's in-memory store
    mildly: a scale-1 GIS validates twice as fast in 40k-triple pieces), and a record's nodes
    must be validated together, so chunks are cut between records. Yields the roots of each chunk."""
    roots: list[str] = []
    size = 0
    for root, lines in groups.items():
        roots.append(root)
        size += len(lines)
        if size >= CHUNK_TRIPLES:
            yield roots
            roots, size = [], 0
    if roots:
        yield roots


def _result_tuple(result) -> tuple[str, str, str, str, str, str]:
    return (str(result.focus_node), result.severity, str(result.path or ""),
            str(result.value if result.value is not None else ""), result.message, str(result.source_shape or ""))


def _split(source: str, grouped: _Grouped, chunks: list[tuple[list[str], bytes]], graph_terms: list[bytes],
           results) -> GateResult:
    out = GateResult()
    for subject_records in grouped.records.values():
        out.records_seen |= subject_records
    failing_roots: dict[str, list[tuple]] = defaultdict(list)
    for result in results:
        focus, severity = result[0], result[1]
        written = f"<{focus}>" if ":" in focus else f"_:{focus}"  # blank node ids have no colon
        if severity == "Violation":
            failing_roots[grouped.root_of.get(written, written)].append(result)
        elif severity == "Warning":
            out.warnings += 1

    def records_of(root: str) -> set[str]:
        # Shared entities (a street, a postcode) belong to no single record.
        return grouped.records.get(root) or {f"{source}/(afgeleid)/{root.strip('<>')}"}

    accepted: list[bytes] = []
    for roots, nquads in chunks:
        if failing_roots.keys().isdisjoint(roots):
            accepted.append(nquads)
            continue
        accepted.append(_nquads([line for root in roots if root not in failing_roots for line in grouped.groups[root]]))
        for root in roots:
            if root in failing_roots:
                lines = [f"{line[:line.rindex(' ')]} ." for line in grouped.groups[root]]
                # A root with several records (a sensor listed once per quantity) fails as a whole.
                for record in records_of(root):
                    out.quarantined.setdefault(record, []).extend(lines)
    out.accepted = [chunk for chunk in accepted if chunk]
    for term in graph_terms:
        count = sum(chunk.count(b" " + term + b" .\n") for chunk in out.accepted)
        if count:
            out.triples_per_graph[term[1:-1].decode("utf-8")] = count
    for root, root_results in failing_roots.items():
        for record in records_of(root):
            for focus, _severity, path, value, message, shape in root_results:
                out.rejected.append(RejectedRecord(source, record, message, shape=shape or None, focus_node=focus,
                                                   path=path or None, value=value or None))
    return out
