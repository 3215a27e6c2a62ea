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

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph_server.ingest.records import RejectedRecord, SourceError

SK = "https://w3id.org/schakel/ns#"
BRON_RECORD = f"<{SK}bronRecord>"
CHUNK_TRIPLES = 40_000


@dataclass
class GateResult:
    accepted: bytes = b""  # N-Quads of the accepted triples, graph names included
    triples_per_graph: Counter = field(default_factory=Counter)  # graph IRI -> accepted triples
    quarantined: dict[str, list[str]] = field(default_factory=dict)  # record -> its N-Triples lines
    rejected: list[RejectedRecord] = field(default_factory=list)
    records_seen: set[str] = field(default_factory=set)
    warnings: int = 0


def _unquote(literal: str) -> str:
    body = literal[1:literal.rindex('"')]
    return body.replace('\\"', '"').replace("\\\\", "\\") if "\\" in body else body


def _record_roots(lines: list[str]) -> tuple[dict[str, set[str]], list[str]]:
    """Record ids per root subject, and the root subject of every line (subjects as written
    in N-Quads, `<iri>` or `_:b`)."""
    records: dict[str, set[str]] = defaultdict(set)
    subjects = [line[:line.index(" ")] for line in lines]
    for subject, line in zip(subjects, lines):
        if BRON_RECORD in line:
            rest = line.split(" ", 2)[2]
            records[subject].add(_unquote(rest[:rest.rindex(" ")]))
    root_of: dict[str, str] = {}
    for subject in set(subjects):
        candidate = subject[1:-1]
        while f"<{candidate}>" not in records and "/" in candidate[8:]:
            candidate = candidate.rsplit("/", 1)[0]
        root_of[subject] = f"<{candidate}>" if f"<{candidate}>" in records else subject
    return records, [root_of[subject] for subject in subjects]


def _as_ntriples(lines: list[str]) -> bytes:
    """N-Quads lines without their graph name (the last token)."""
    return "".join(f"{line[:line.rindex(' ')]} .\n" for line in lines).encode("utf-8")


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

    def check(self, source: str, nquads_lines: list[str]) -> GateResult:
        records, roots = _record_roots(nquads_lines)
        results = []
        for chunk in _chunks_of_whole_records(nquads_lines, roots):
            results += self._validate_chunk(source, chunk)
        return _split(source, nquads_lines, records, roots, results)

    def _validate_chunk(self, source: str, lines: list[str]) -> list[tuple]:
        if self.engine == "oxigraph":
            from graph_server.validation.engine import validate_store

            store = ox.Store()
            try:
                store.bulk_load(_as_ntriples(lines), format=ox.RdfFormat.N_TRIPLES)
            except SyntaxError as exc:
                raise SourceError(f"the mapping of {source} produced invalid RDF: {exc}") from None
            return [_result_tuple(r) for r in validate_store(store, self._compiled)]
        import rdflib

        from graph_server.validation import validate

        try:
            data = rdflib.Graph().parse(data=_as_ntriples(lines).decode("utf-8"), format="nt")
        except Exception as exc:  # rdflib raises several parser exception types
            raise SourceError(f"the mapping of {source} produced invalid RDF: {exc}") from None
        return [_result_tuple(r) for r in validate(data, self.shapes, engine=self.engine).results]


def _chunks_of_whole_records(lines: list[str], roots: list[str]):
    """Both engines slow down as the graph grows (pySHACL steeply, Oxigraph's in-memory store
    mildly: a scale-1 GIS validates twice as fast in 40k-triple pieces), and a record's nodes
    must be validated together, so lines are grouped by record and cut into chunks."""
    by_root: dict[str, list[str]] = defaultdict(list)
    for root, line in zip(roots, lines):
        by_root[root].append(line)
    chunk: list[str] = []
    for group in by_root.values():
        chunk.extend(group)
        if len(chunk) >= CHUNK_TRIPLES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _result_tuple(result) -> tuple[str, str, str, str, str, str]:
    return (str(result.focus_node), result.severity, str(result.path or ""),
            str(result.value if result.value is not None else ""), result.message, str(result.source_shape or ""))


def _split(source: str, lines: list[str], records, roots: list[str], results) -> GateResult:
    out = GateResult()
    for subject_records in records.values():
        out.records_seen |= subject_records
    root_of_focus = {}
    for root, line in zip(roots, lines):
        root_of_focus.setdefault(line[:line.index(" ")], root)
    failing_roots: dict[str, list[tuple]] = defaultdict(list)
    for result in results:
        focus, severity = result[0], result[1]
        written = f"<{focus}>" if ":" in focus else f"_:{focus}"  # blank node ids have no colon
        if severity == "Violation":
            failing_roots[root_of_focus.get(written, written)].append(result)
        elif severity == "Warning":
            out.warnings += 1

    def records_of(root: str) -> set[str]:
        # Shared entities (a street, a postcode) belong to no single record.
        return records.get(root) or {f"{source}/(afgeleid)/{root.strip('<>')}"}

    if failing_roots:
        accepted = []
        for root, line in zip(roots, lines):
            if root in failing_roots:
                # A root with several records (a sensor listed once per quantity) fails as a whole.
                for record in records_of(root):
                    out.quarantined.setdefault(record, []).append(f"{line[:line.rindex(' ')]} .")
            else:
                accepted.append(line)
    else:
        accepted = lines
    for line in accepted:
        out.triples_per_graph[line[line.rindex(" ") + 2:-1]] += 1
    out.accepted = "".join(f"{line} .\n" for line in accepted).encode("utf-8")
    for root, root_results in failing_roots.items():
        for record in records_of(root):
            for focus, _severity, path, value, message, shape in root_results:
                out.rejected.append(RejectedRecord(source, record, message, shape=shape or None, focus_node=focus,
                                                   path=path or None, value=value or None))
    return out
