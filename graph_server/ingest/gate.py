"""The SHACL gate: validate a source's mapped triples record by record and split them into
accepted triples and quarantined records.

A *record* is one record of the source export. Mapped entities carry `sk:bronRecord`; their
child nodes (address, position, steps) have IRIs below the parent's IRI, so every subject
is traced to its record by walking up its IRI path. Triples are validated in chunks of whole
records (pySHACL's cost grows with the graph; chunks also spread over both cores)."""

from __future__ import annotations

import logging
import multiprocessing as mp
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph_server.ingest.records import RejectedRecord, SourceError

SK = "https://w3id.org/schakel/ns#"
BRON_RECORD = ox.NamedNode(SK + "bronRecord")
CHUNK_TRIPLES = 40_000


@dataclass
class GateResult:
    accepted: dict[str, list[ox.Triple]] = field(default_factory=dict)  # graph IRI -> triples
    quarantined: dict[str, list[ox.Triple]] = field(default_factory=dict)  # record -> its triples
    rejected: list[RejectedRecord] = field(default_factory=list)
    records_seen: set[str] = field(default_factory=set)
    warnings: int = 0
    warning_examples: list[str] = field(default_factory=list)


def _record_roots(quads: list[ox.Quad]) -> tuple[dict[str, set[str]], dict[str, str]]:
    """record ids per root subject, and the root subject of every subject."""
    records: dict[str, set[str]] = defaultdict(set)
    for quad in quads:
        if quad.predicate == BRON_RECORD:
            records[quad.subject.value].add(quad.object.value)
    root_of: dict[str, str] = {}
    for quad in quads:
        subject = quad.subject.value
        if subject in root_of:
            continue
        candidate = subject
        while candidate not in records and "/" in candidate[8:]:
            candidate = candidate.rsplit("/", 1)[0]
        root_of[subject] = candidate if candidate in records else subject
    return records, root_of


def _chunks(quads: list[ox.Quad], root_of: dict[str, str]) -> list[list[ox.Quad]]:
    by_root: dict[str, list[ox.Quad]] = defaultdict(list)
    for quad in quads:
        by_root[root_of[quad.subject.value]].append(quad)
    chunks, current = [], []
    for group in by_root.values():
        current.extend(group)
        if len(current) >= CHUNK_TRIPLES:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


# --- worker side -----------------------------------------------------------------------
_worker_shapes = None
_worker_engine = "pyshacl"


def _init_worker(shapes_ttl: str, engine: str) -> None:
    global _worker_shapes, _worker_engine
    import rdflib
    logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)  # ill-typed literals are the shapes' job
    _worker_shapes = rdflib.Graph().parse(data=shapes_ttl, format="turtle")
    _worker_engine = engine


def _validate_chunk(ntriples: bytes) -> list[tuple[str, str, str, str, str, str]]:
    import rdflib
    from graph_server.validation import validate

    data = rdflib.Graph().parse(data=ntriples.decode("utf-8"), format="nt")
    report = validate(data, _worker_shapes, engine=_worker_engine)
    return [(str(r.focus_node), r.severity, str(r.path or ""), str(r.value if r.value is not None else ""),
             r.message, str(r.source_shape or "")) for r in report.results]
# ----------------------------------------------------------------------------------------


def load_shapes_text(shapes_dir: Path) -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(shapes_dir.glob("*.ttl")))


class ShaclGate:
    """Owns the worker pool so that shapes are parsed once per worker for a whole ingest."""

    def __init__(self, shapes_dir: Path, engine: str = "pyshacl", processes: int | None = None):
        self.shapes_text = load_shapes_text(shapes_dir)
        self.engine = engine
        self.processes = processes or min(2, mp.cpu_count())
        self._pool = None

    def __enter__(self) -> "ShaclGate":
        if self.processes > 1:
            context = mp.get_context("fork")
            self._pool = context.Pool(self.processes, initializer=_init_worker, initargs=(self.shapes_text, self.engine))
        else:
            _init_worker(self.shapes_text, self.engine)
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None

    def check(self, source: str, nquads_lines: Iterable[str], progress=None) -> GateResult:
        text = "".join(f"{line} .\n" for line in nquads_lines).encode("utf-8")
        try:
            quads = list(ox.parse(text, format=ox.RdfFormat.N_QUADS))
        except SyntaxError as exc:
            raise SourceError(f"the mapping of {source} produced invalid RDF: {exc}") from None
        records, root_of = _record_roots(quads)
        chunks = _chunks(quads, root_of)
        payloads = [ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in chunk],
                                 format=ox.RdfFormat.N_TRIPLES) for chunk in chunks]
        runner = self._pool.imap if self._pool is not None else map
        results = []
        for chunk_results, chunk in zip(runner(_validate_chunk, payloads), chunks):
            results.extend(chunk_results)
            if progress is not None:
                progress(len(chunk))
        return _split(source, quads, records, root_of, results)


def _split(source, quads, records, root_of, results) -> GateResult:
    out = GateResult()
    for subject_records in records.values():
        out.records_seen |= subject_records
    failing_roots: dict[str, list[tuple]] = defaultdict(list)
    for result in results:
        focus, severity = result[0], result[1]
        if severity == "Violation":
            failing_roots[root_of.get(focus, focus)].append(result)
        elif severity == "Warning":
            out.warnings += 1
            if len(out.warning_examples) < 20:
                out.warning_examples.append(f"{focus}: {result[4]}")
    failing_records: dict[str, list[tuple]] = defaultdict(list)
    for root, root_results in failing_roots.items():
        for record in records.get(root) or {f"{source}/(afgeleid){root}"}:
            failing_records[record].extend(root_results)
    quarantined_roots = {root for root in failing_roots}
    # A root with several records (a sensor listed once per quantity) fails as a whole.
    for quad in quads:
        triple = ox.Triple(quad.subject, quad.predicate, quad.object)
        root = root_of[quad.subject.value]
        if root in quarantined_roots:
            for record in records.get(root) or {f"{source}/(afgeleid){root}"}:
                out.quarantined.setdefault(record, []).append(triple)
        else:
            out.accepted.setdefault(quad.graph_name.value, []).append(triple)
    for record, record_results in failing_records.items():
        for focus, _severity, path, value, message, shape in record_results:
            out.rejected.append(RejectedRecord(source, record, message, shape=shape or None, focus_node=focus,
                                               path=path or None, value=value or None))
    return out
