"""PROV-O records of an ingest run and the quarantine records of rejected source records."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph_server.ingest.records import RejectedRecord

SK = "https://w3id.org/schakel/ns#"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD = "http://www.w3.org/2001/XMLSchema#"


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))


def _time(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(XSD + "dateTime"))


def _iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class SourceRun:
    """What happened to one source in one run; also the reconciliation the CLI prints."""

    source: str
    started: str
    ended: str = ""
    outcome: str = "failed"  # loaded | failed
    error: str | None = None
    input_files: list[tuple[str, str, int]] = field(default_factory=list)  # (name, sha256, bytes)
    mapping_version: str = ""
    records_read: int = 0
    records_loaded: int = 0
    records_quarantined: int = 0
    warnings: int = 0
    triples_loaded: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples
    duration_seconds: float = 0.0
    reasons: dict[str, int] = field(default_factory=dict)  # quarantine reason -> records

    @property
    def reconciles(self) -> bool:
        return self.records_read == self.records_loaded + self.records_quarantined


def run_triples(base_iri: str, run_id: str, started: str, ended: str, runs: list[SourceRun]) -> list[ox.Triple]:
    run = _iri(f"{base_iri}id/ingest/{run_id}")
    triples = [
        ox.Triple(run, RDF_TYPE, _iri(PROV + "Activity")),
        ox.Triple(run, _iri(PROV + "startedAtTime"), _time(started)),
        ox.Triple(run, _iri(PROV + "endedAtTime"), _time(ended)),
    ]
    for source_run in runs:
        node = _iri(f"{base_iri}id/ingest/{run_id}/{source_run.source}")
        add = triples.append
        add(ox.Triple(node, RDF_TYPE, _iri(PROV + "Activity")))
        add(ox.Triple(node, _iri("http://purl.org/dc/terms/isPartOf"), run))
        add(ox.Triple(node, _iri(SK + "source"), ox.Literal(source_run.source)))
        add(ox.Triple(node, _iri(SK + "outcome"), ox.Literal(source_run.outcome)))
        add(ox.Triple(node, _iri(PROV + "startedAtTime"), _time(source_run.started)))
        add(ox.Triple(node, _iri(PROV + "endedAtTime"), _time(source_run.ended)))
        add(ox.Triple(node, _iri(SK + "durationSeconds"),
                      ox.Literal(f"{source_run.duration_seconds:.3f}", datatype=ox.NamedNode(XSD + "decimal"))))
        add(ox.Triple(node, _iri(SK + "recordsRead"), _int(source_run.records_read)))
        add(ox.Triple(node, _iri(SK + "recordsLoaded"), _int(source_run.records_loaded)))
        add(ox.Triple(node, _iri(SK + "recordsQuarantined"), _int(source_run.records_quarantined)))
        add(ox.Triple(node, _iri(SK + "warnings"), _int(source_run.warnings)))
        if source_run.mapping_version:
            add(ox.Triple(node, _iri(SK + "mappingVersion"), ox.Literal(source_run.mapping_version)))
        if source_run.error:
            add(ox.Triple(node, _iri(SK + "error"), ox.Literal(source_run.error)))
        for graph, count in source_run.triples_loaded.items():
            add(ox.Triple(node, _iri(PROV + "generated"), _iri(graph)))
            usage = _iri(f"{node.value}/graph/{graph.rsplit('/', 1)[-1]}")
            add(ox.Triple(node, _iri(SK + "loadedGraph"), usage))
            add(ox.Triple(usage, _iri(SK + "graph"), _iri(graph)))
            add(ox.Triple(usage, _iri(SK + "triples"), _int(count)))
        for index, (name, checksum, size) in enumerate(source_run.input_files):
            entity = _iri(f"{node.value}/input/{index}")
            add(ox.Triple(node, _iri(PROV + "used"), entity))
            add(ox.Triple(entity, RDF_TYPE, _iri(PROV + "Entity")))
            add(ox.Triple(entity, _iri(SK + "fileName"), ox.Literal(name)))
            add(ox.Triple(entity, _iri(SK + "sha256"), ox.Literal(checksum)))
            add(ox.Triple(entity, _iri(SK + "bytes"), _int(size)))
    return triples


def quarantine_prefix(base_iri: str, source: str) -> str:
    return f"{base_iri}id/quarantaine/{source}/"


def quarantine_triples(base_iri: str, run_id: str, source: str, rejected: list[RejectedRecord],
                       record_triples: dict[str, list[str]]) -> list[ox.Triple]:
    """One sk:QuarantinedRecord per rejected record with its SHACL results; the record's own
    triples are kept as N-Triples text so that nothing is lost and nothing quarantined shows
    up as live data in queries."""
    triples: list[ox.Triple] = []
    by_record: dict[str, list[RejectedRecord]] = {}
    for item in rejected:
        by_record.setdefault(item.record, []).append(item)
    run = _iri(f"{base_iri}id/ingest/{run_id}/{source}")
    for index, (record, items) in enumerate(sorted(by_record.items())):
        node = _iri(f"{quarantine_prefix(base_iri, source)}{hashlib.sha1(record.encode()).hexdigest()[:16]}")
        triples += [
            ox.Triple(node, RDF_TYPE, _iri(SK + "QuarantinedRecord")),
            ox.Triple(node, _iri(SK + "source"), ox.Literal(source)),
            ox.Triple(node, _iri(SK + "record"), ox.Literal(record)),
            ox.Triple(node, _iri(PROV + "wasGeneratedBy"), run),
        ]
        for result_index, item in enumerate(items):
            result = _iri(f"{node.value}/result/{result_index}")
            triples.append(ox.Triple(node, _iri(SK + "result"), result))
            triples.append(ox.Triple(result, _iri(SK + "reason"), ox.Literal(item.reason)))
            triples.append(ox.Triple(node, _iri(SK + "reason"), ox.Literal(item.reason)))
            for predicate, value in (("shape", item.shape), ("focusNode", item.focus_node), ("path", item.path)):
                if value:
                    triples.append(ox.Triple(result, _iri(SK + predicate), _iri(value) if "://" in value else ox.Literal(value)))
                    if predicate == "shape":
                        triples.append(ox.Triple(node, _iri(SK + "shape"), _iri(value) if "://" in value else ox.Literal(value)))
            if item.value:
                triples.append(ox.Triple(result, _iri(SK + "value"), ox.Literal(item.value)))
        lines = record_triples.get(record)
        if lines:
            triples.append(ox.Triple(node, _iri(SK + "recordData"), ox.Literal("\n".join(lines))))
    return triples


def mapping_version(mapping_file: Path) -> str:
    digest = hashlib.sha256(mapping_file.read_bytes()).hexdigest()[:12]
    return f"{mapping_file.name}@sha256:{digest}"


def summary_json(runs: list[SourceRun]) -> str:
    return json.dumps([run.__dict__ for run in runs], indent=2, default=str)
