"""Quality indicators per source (provenance/quarantine contract) and the POST /validate handler."""

from datetime import datetime, timedelta, timezone

import pyoxigraph as ox
import pytest

from graph_server.config import load_config
from graph_server.store import GraphStore
from graph_server.validation.quality import quality_by_source, quality_json
from graph_server.validation.service import handle_validate_request

PROVENANCE = b"""
@prefix prov: <http://www.w3.org/ns/prov#> . @prefix schakel: <https://data.tienen.be/ns/schakel#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<urn:run:crm:1> a prov:Activity ; schakel:source "crm" ; prov:endedAtTime "2024-05-01T06:00:00Z"^^xsd:dateTime ;
  schakel:recordsRead 100 ; schakel:recordsLoaded 90 ; schakel:recordsQuarantined 10 ; schakel:warnings 3 .
<urn:run:crm:2> a prov:Activity ; schakel:source "crm" ; prov:endedAtTime "2024-05-02T06:00:00Z"^^xsd:dateTime ;
  schakel:recordsRead 100 ; schakel:recordsLoaded 95 ; schakel:recordsQuarantined 5 ; schakel:warnings 1 .
<urn:run:gis:1> a prov:Activity ; schakel:source "gis" ; prov:endedAtTime "2024-04-20T06:00:00Z"^^xsd:dateTime ;
  schakel:recordsRead 50 ; schakel:recordsLoaded 50 ; schakel:recordsQuarantined 0 ; schakel:warnings 0 .
"""
QUARANTINE = b"""
@prefix schakel: <https://data.tienen.be/ns/schakel#> .
<urn:q:1> a schakel:QuarantinedRecord ; schakel:source "crm" ; schakel:record "D-1" ;
  schakel:reason "Verplicht veld ontbreekt: dossier:openingsdatum" ; schakel:shape <urn:ZaakShape> .
<urn:q:2> a schakel:QuarantinedRecord ; schakel:source "crm" ; schakel:record "D-2" ;
  schakel:reason "Verplicht veld ontbreekt: dossier:openingsdatum" ; schakel:shape <urn:ZaakShape> .
<urn:q:3> a schakel:QuarantinedRecord ; schakel:source "crm" ; schakel:record "D-3" ;
  schakel:reason "Waarde niet toegelaten voor adms:status" ; schakel:shape <urn:ZaakShape> .
"""
# the ontology's own namespace (sk:) is read too
QUARANTINE_SK = b"""
@prefix sk: <https://w3id.org/schakel/ns#> .
<urn:q:4> a sk:QuarantinedRecord ; sk:source "meldingen" ; sk:record "M-9" ; sk:reason "x" ; sk:shape <urn:MeldingShape> .
"""


@pytest.fixture
def store():
    config = load_config()
    store = GraphStore(None)
    store.oxigraph.load(PROVENANCE, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(config.graph_iri("provenance")))
    for data in (QUARANTINE, QUARANTINE_SK):
        store.oxigraph.load(data, format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(config.graph_iri("quarantaine")))
    return store


def test_quality_per_source(store):
    now = datetime(2024, 5, 2, 12, 0, tzinfo=timezone.utc)
    quality = quality_by_source(store, load_config(), now=now)
    assert set(quality) == {"crm", "gis", "meldingen"}
    crm = quality["crm"]
    assert crm.runs == 2 and crm.records_read == 100 and crm.quarantined_last_run == 5
    assert crm.conformance_rate == 0.95 and crm.conformance_rate_all == 0.925
    assert crm.quarantine_count == 3
    assert crm.top_violations[0] == {"shape": "urn:ZaakShape", "reason": "Verplicht veld ontbreekt: dossier:openingsdatum",
                                     "count": 2}
    assert crm.age_seconds == 6 * 3600 and crm.fresh
    gis = quality["gis"]
    assert gis.conformance_rate == 1.0 and not gis.fresh and gis.quarantine_count == 0
    assert quality["meldingen"].runs == 0 and quality["meldingen"].quarantine_count == 1
    stale = quality_by_source(store, now=now, max_age=timedelta(hours=1))
    assert not stale["crm"].fresh


def test_quality_json_on_an_empty_store():
    assert quality_json(GraphStore(None)) == {"sources": []}


def test_validate_request_handler(fixtures):
    shapes = [fixtures / "shapes"]
    body = (fixtures / "data/invalid.ttl").read_bytes()
    status, report = handle_validate_request(body, "text/turtle; charset=utf-8", shapes=shapes)
    assert status == 200 and report["conforms"] is False
    assert report["counts"] == {"Violation": 4, "Warning": 1, "Info": 1}
    status, report = handle_validate_request((fixtures / "data/invalid.jsonld").read_bytes(), "application/ld+json",
                                             shapes=shapes)
    assert status == 200 and report["counts"]["Violation"] == 4
    status, report = handle_validate_request((fixtures / "data/valid.ttl").read_bytes(), "text/turtle", shapes=shapes)
    assert status == 200 and report["passes"] is True
    status, error = handle_validate_request((fixtures / "data/broken.ttl").read_bytes(), "text/turtle", shapes=shapes)
    assert status == 400 and error["line"] == 3
    assert handle_validate_request(body, "image/png", shapes=shapes)[0] == 415
    assert handle_validate_request(body, None, shapes=shapes)[0] == 415
    assert handle_validate_request(body, "text/turtle", shapes=shapes, max_bytes=10)[0] == 413


def test_contract_with_the_ingest_writer():
    """What graph_server/ingest/provenance.py writes is what quality.py reads."""
    from graph_server.ingest import provenance
    from graph_server.ingest.records import RejectedRecord

    config = load_config()
    base = config.city.base_iri
    run = provenance.SourceRun(source="crm", started="2024-05-02T05:00:00Z", ended="2024-05-02T06:00:00Z",
                               outcome="loaded", records_read=10, records_loaded=8, records_quarantined=2, warnings=1)
    rejected = [
        RejectedRecord("crm", "crm/dossier/1", "Verplicht veld ontbreekt: dossier:openingsdatum", shape="urn:ZaakShape"),
        RejectedRecord("crm", "crm/dossier/1", "Waarde niet toegelaten voor adms:status", shape="urn:StatusShape"),
        RejectedRecord("crm", "crm/dossier/2", "Verplicht veld ontbreekt: dossier:openingsdatum", shape="urn:ZaakShape"),
    ]
    store = GraphStore(None)
    prov_graph, quarantine_graph = ox.NamedNode(config.graph_iri("provenance")), ox.NamedNode(config.graph_iri("quarantaine"))
    store.oxigraph.extend(ox.Quad(t.subject, t.predicate, t.object, prov_graph)
                          for t in provenance.run_triples(base, "r1", "2024-05-02T05:00:00Z", "2024-05-02T06:00:00Z", [run]))
    store.oxigraph.extend(ox.Quad(t.subject, t.predicate, t.object, quarantine_graph)
                          for t in provenance.quarantine_triples(base, "r1", "crm", rejected, {}))
    crm = quality_by_source(store, config, now=datetime(2024, 5, 2, 7, tzinfo=timezone.utc))["crm"]
    assert crm.runs == 1 and crm.conformance_rate == 0.8 and crm.quarantined_last_run == 2
    assert crm.quarantine_count == 2 and crm.age_seconds == 3600
    assert crm.top_violations == [
        {"shape": "urn:ZaakShape", "reason": "Verplicht veld ontbreekt: dossier:openingsdatum", "count": 2},
        {"shape": "urn:StatusShape", "reason": "Waarde niet toegelaten voor adms:status", "count": 1},
    ]
