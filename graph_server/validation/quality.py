"""Data-quality indicators per source, read from the provenance and quarantine graphs.

Contract (what ingest writes; this module only reads it)
--------------------------------------------------------
`schakel:` = https://data.tienen.be/ns/schakel# (the ontology's `sk:` =
https://w3id.org/schakel/ns# is accepted too: both are queried and merged).

Provenance graph, `Config.graph_iri("provenance")` = https://data.tienen.be/graph/provenance:
one `prov:Activity` per ingest run and source::

    <run> a prov:Activity ;
        schakel:source "crm" ;
        prov:endedAtTime "2024-05-01T06:00:00Z"^^xsd:dateTime ;
        schakel:recordsRead 120 ;          # xsd:integer
        schakel:recordsLoaded 117 ;
        schakel:recordsQuarantined 3 ;
        schakel:warnings 5 .

Quarantine graph, `Config.graph_iri("quarantaine")`: one node per rejected record::

    <q> a schakel:QuarantinedRecord ;
        schakel:source "crm" ;
        schakel:record "D-2024-0042" ;     # the record's key in its source
        schakel:reason "Verplicht veld ontbreekt: ..." ;
        schakel:shape <https://w3id.org/schakel/shapes#ZaakShape> .

    Optionally (graph_server/ingest/provenance.py writes it) one node per SHACL result, so a
    record with several results pairs each shape with its own reason::

    <q> schakel:result [ schakel:shape <...#ZaakShape> ; schakel:reason "..." ] .

Indicators per source (`quality_by_source`):
  conformance_rate       last run: (read - quarantined) / read (None when nothing was read)
  conformance_rate_all   the same over all recorded runs
  quarantined_last_run   schakel:recordsQuarantined of the last run
  quarantine_count       QuarantinedRecords currently in the quarantine graph
  top_violations         most frequent (shape, reason) pairs in quarantine, with counts
  last_run / age_seconds / fresh   end of the last run, its age, and age <= max_age
A source that only appears in quarantine (no run recorded) is reported with runs = 0.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone

SCHAKEL_NS = "https://data.tienen.be/ns/schakel#"
SK_NS = "https://w3id.org/schakel/ns#"
NAMESPACES = (SCHAKEL_NS, SK_NS)
PROVENANCE_GRAPH = "https://data.tienen.be/graph/provenance"
QUARANTINE_GRAPH = "https://data.tienen.be/graph/quarantaine"


@dataclass
class Run:
    activity: str
    ended: datetime | None
    read: int
    loaded: int
    quarantined: int
    warnings: int


@dataclass
class SourceQuality:
    source: str
    runs: int = 0
    last_run: str | None = None
    age_seconds: float | None = None
    fresh: bool = False
    records_read: int = 0
    records_loaded: int = 0
    quarantined_last_run: int = 0
    warnings_last_run: int = 0
    conformance_rate: float | None = None
    conformance_rate_all: float | None = None
    quarantine_count: int = 0
    top_violations: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


def _value(term) -> str | None:
    return None if term is None else term.value


def _int(term) -> int:
    try:
        return int(term.value) if term is not None else 0
    except (TypeError, ValueError):
        return 0


def _datetime(term) -> datetime | None:
    if term is None:
        return None
    text = term.value.replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _runs(store, graph: str, ns: str) -> dict[str, list[Run]]:
    query = f"""
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX s: <{ns}>
        SELECT ?a ?source ?ended ?read ?loaded ?quarantined ?warnings WHERE {{
          ?a a prov:Activity ; s:source ?source .
          OPTIONAL {{ ?a prov:endedAtTime ?ended }}
          OPTIONAL {{ ?a s:recordsRead ?read }}
          OPTIONAL {{ ?a s:recordsLoaded ?loaded }}
          OPTIONAL {{ ?a s:recordsQuarantined ?quarantined }}
          OPTIONAL {{ ?a s:warnings ?warnings }}
        }}"""
    runs: dict[str, list[Run]] = {}
    for row in store.query(query, default_graph=[graph], named_graphs=[]):
        runs.setdefault(row["source"].value, []).append(Run(
            activity=row["a"].value, ended=_datetime(row["ended"]), read=_int(row["read"]),
            loaded=_int(row["loaded"]), quarantined=_int(row["quarantined"]), warnings=_int(row["warnings"]),
        ))
    return runs


def _quarantine(store, graph: str, ns: str) -> tuple[dict[str, Counter], dict[str, set[str]]]:
    """(source -> Counter of (shape, reason) -> records, source -> quarantined record nodes).
    When a record carries one `schakel:result` node per SHACL result (what ingest writes), each
    result pairs its own shape and reason; otherwise the record's own shape/reason are used."""
    query = f"""
        PREFIX s: <{ns}>
        SELECT ?source ?q ?shape ?reason WHERE {{
          ?q a s:QuarantinedRecord ; s:source ?source .
          {{ ?q s:result ?r . OPTIONAL {{ ?r s:shape ?shape }} OPTIONAL {{ ?r s:reason ?reason }} }}
          UNION
          {{ FILTER NOT EXISTS {{ ?q s:result ?any }}
             OPTIONAL {{ ?q s:shape ?shape }} OPTIONAL {{ ?q s:reason ?reason }} }}
        }}"""
    pairs: dict[str, dict[tuple[str, str], set[str]]] = {}
    records: dict[str, set[str]] = {}
    for row in store.query(query, default_graph=[graph], named_graphs=[]):
        source, record = row["source"].value, row["q"].value
        key = (_value(row["shape"]) or "", _value(row["reason"]) or "")
        pairs.setdefault(source, {}).setdefault(key, set()).add(record)
        records.setdefault(source, set()).add(record)
    counts = {source: Counter({key: len(nodes) for key, nodes in by_key.items()}) for source, by_key in pairs.items()}
    return counts, records


def quality_by_source(store, config=None, *, now: datetime | None = None, top: int = 5,
                      max_age: timedelta = timedelta(days=1), provenance_graph: str | None = None,
                      quarantine_graph: str | None = None,
                      namespaces: tuple[str, ...] = NAMESPACES) -> dict[str, SourceQuality]:
    """Indicators per source name (see module docstring). `store` is a GraphStore (anything
    with its `query(sparql, default_graph=..., named_graphs=...)`)."""
    if config is not None:
        provenance_graph = provenance_graph or config.graph_iri("provenance")
        quarantine_graph = quarantine_graph or config.graph_iri("quarantaine")
    provenance_graph = provenance_graph or PROVENANCE_GRAPH
    quarantine_graph = quarantine_graph or QUARANTINE_GRAPH
    now = now or datetime.now(timezone.utc)

    runs: dict[str, list[Run]] = {}
    quarantine: dict[str, Counter] = {}
    quarantined: dict[str, set[str]] = {}
    for ns in namespaces:
        for source, found in _runs(store, provenance_graph, ns).items():
            known = {r.activity for r in runs.get(source, [])}
            runs.setdefault(source, []).extend(r for r in found if r.activity not in known)
        counts_by_source, records = _quarantine(store, quarantine_graph, ns)
        for source, counts in counts_by_source.items():
            quarantine.setdefault(source, Counter()).update(counts)
        for source, nodes in records.items():
            quarantined.setdefault(source, set()).update(nodes)

    result: dict[str, SourceQuality] = {}
    for source in sorted(set(runs) | set(quarantine)):
        q = SourceQuality(source=source)
        source_runs = sorted(runs.get(source, []), key=lambda r: r.ended or datetime.min.replace(tzinfo=timezone.utc))
        q.runs = len(source_runs)
        if source_runs:
            last = source_runs[-1]
            q.records_read, q.records_loaded = last.read, last.loaded
            q.quarantined_last_run, q.warnings_last_run = last.quarantined, last.warnings
            if last.read:
                q.conformance_rate = round((last.read - last.quarantined) / last.read, 4)
            total_read = sum(r.read for r in source_runs)
            if total_read:
                q.conformance_rate_all = round((total_read - sum(r.quarantined for r in source_runs)) / total_read, 4)
            if last.ended is not None:
                q.last_run = last.ended.isoformat()
                q.age_seconds = round((now - last.ended).total_seconds(), 1)
                q.fresh = q.age_seconds <= max_age.total_seconds()
        counts = quarantine.get(source, Counter())
        q.quarantine_count = len(quarantined.get(source, ()))
        q.top_violations = [{"shape": shape, "reason": reason, "count": n}
                            for (shape, reason), n in counts.most_common(top)]
        result[source] = q
    return result


def quality_json(store, config=None, **kwargs) -> dict:
    """JSON-ready form for an HTTP route or `--format json`."""
    return {"sources": [q.to_json() for q in quality_by_source(store, config, **kwargs).values()]}


__all__ = ["NAMESPACES", "SourceQuality", "quality_by_source", "quality_json"]
