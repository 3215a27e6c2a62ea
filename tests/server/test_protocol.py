"""Protocol behaviour beyond the W3C manifests (which need ../shared): methods, content
negotiation in every format, the row limit, the Graph Store Protocol for a scoped writer, and
the scope gate used directly, as /ask and the indicators use it."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph as ox
import pytest
import rdflib

from server_fixtures import ROLE_GRAPHS, graph_iri, marker
from graph_server.config import load_config
from graph_server.scopes import ScopeGate, ScopeRefused, check_update, principal_for_role
from graph_server.sparql.render import Format, NotAcceptable, negotiate, RDF_FORMATS, RESULT_FORMATS

SELECT = "SELECT ?s ?label { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s"


@pytest.mark.parametrize("accept,media", [
    (None, "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/json;q=0.5, text/csv;q=0.9", "text/csv"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_formats(server, accept, media):
    with server.client() as client:
        response = client.get("/sparql", params={"query": SELECT}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media
    if media == "text/csv":
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == ["s", "label"] and len(rows) == 1 + 4 * len(ROLE_GRAPHS["publiek"])
    elif media.endswith("json"):
        assert len(json.loads(response.text)["results"]["bindings"]) == 4 * len(ROLE_GRAPHS["publiek"])


@pytest.mark.parametrize("accept,parser", [
    (None, "turtle"), ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"), ("application/n-quads", "nquads"), ("application/trig", "trig"),
])
def test_construct_formats(server, accept, parser):
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph_iri('catalogus')}> {{ ?s ?p ?o }} }}"
    with server.client() as client:
        response = client.post("/sparql", data={"query": query}, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.text
    graph = rdflib.Dataset() if parser in ("nquads", "trig") else rdflib.Graph()
    graph.parse(data=response.text, format=parser)
    assert len(graph) == 9


def test_ask_formats_and_not_acceptable(server):
    with server.client() as client:
        xml = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "application/sparql-results+xml"})
        assert "<boolean>true</boolean>" in xml.text
        refused = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": "text/turtle"})
        assert refused.status_code == 406 and "application/sparql-results+json" in refused.text


def test_negotiation_unit():
    assert negotiate("text/html, application/xml;q=0.9", RESULT_FORMATS).name == "xml"
    assert negotiate("application/*", RDF_FORMATS).media_type.startswith("application/")
    with pytest.raises(NotAcceptable):
        negotiate("image/png", RDF_FORMATS)
    assert isinstance(negotiate("", RDF_FORMATS), Format)


def test_row_limit_truncates_and_says_so(server):
    limit = server.config.limits.max_result_rows
    query = "SELECT * { ?a ?b ?c . ?d ?e ?f }"  # 36 x 36 rows for publiek
    with server.client() as client:
        response = client.get("/sparql", params={"query": query})
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == limit
    assert response.headers["schakel-result-truncated"] == f"max_result_rows={limit}"


def test_methods(server):
    with server.client() as client:
        assert client.put("/sparql", params={"query": "ASK {}"}).status_code == 405
        assert client.post("/sparql", data={"query": "ASK {}", "update": "CLEAR ALL"}).status_code == 400
        assert client.get("/sparql", params={"query": ["ASK {}", "ASK {}"]}).status_code == 400
        assert client.get("/sparql/", params={"query": "ASK {}"}).status_code == 200


def test_service_description_is_turtle(server):
    with server.client("beheerder") as client:
        response = client.get("/sparql")
    assert response.headers["content-type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    service = next(graph.subjects(rdflib.RDF.type, sd.Service))
    assert (service, sd.supportedLanguage, sd.SPARQL11Update) in graph
    assert len(list(graph.objects(None, sd.name))) >= len(ROLE_GRAPHS["beheerder"])


def test_graph_store_for_scoped_writer(server):
    target = graph_iri("adressen")
    body = b"<urn:gsp:a> <urn:gsp:b> \"one\" .\n"
    with server.client("redacteur") as client:
        before = client.get("/graph-store", params={"graph": target}, headers={"Accept": "application/n-triples"})
        assert before.status_code == 200 and marker("adressen") in before.text
        assert client.post("/graph-store", params={"graph": target}, content=body,
                           headers={"content-type": "application/n-triples"}).status_code == 204
        after = client.get("/graph-store", params={"graph": target}, headers={"Accept": "application/n-triples"})
        assert "urn:gsp:a" in after.text and marker("adressen") in after.text
        assert client.head("/graph-store", params={"graph": target}).status_code == 200
        bad = client.put("/graph-store", params={"graph": target}, content=b"<urn:a> <urn:b> .",
                         headers={"content-type": "text/turtle"})
        assert bad.status_code == 400 and "invalid RDF" in bad.text
        assert client.put("/graph-store", params={"graph": target}, content=b"<urn:a> <urn:b> <urn:c> .",
                          headers={"content-type": "image/png"}).status_code == 415
        assert client.put("/graph-store", params={"default": ""}, content=body,
                          headers={"content-type": "application/n-triples"}).status_code == 403
        assert client.post("/graph-store", content=body,
                           headers={"content-type": "application/n-triples"}).status_code == 403
    with server.client("beheerder") as admin:
        admin.post("/sparql", content=f"DELETE WHERE {{ GRAPH <{target}> {{ <urn:gsp:a> ?p ?o }} }}",
                   headers={"content-type": "application/sparql-update"})


# --- the scope gate used directly (how /ask and the indicators run queries) -----------------

def test_scope_gate_directly(server):
    gate = ScopeGate(server.config, server.store)
    balie = principal_for_role(server.config, "balie", name="balie-desk-3")
    outcome = gate.evaluate(balie, "SELECT DISTINCT ?g { GRAPH ?g { } }", max_rows=100)
    assert {row["g"].value for row in outcome.rows()} == {graph_iri(g) for g in ROLE_GRAPHS["balie"]}
    assert outcome.dataset.default_graph == tuple(sorted(graph_iri(g) for g in ROLE_GRAPHS["balie"]))
    assert gate.evaluate(balie, f"ASK FROM <{graph_iri('sociaal')}> {{ ?s ?p ?o }}").boolean is False
    triples = gate.evaluate(balie, "CONSTRUCT WHERE { ?s ?p ?o }", max_rows=5)
    assert len(triples.triples) == 5 and triples.truncated
    with pytest.raises(ScopeRefused):
        gate.update(balie, "CLEAR ALL")


def test_check_update_rewrites_using_for_scoped_writers(server):
    writer = principal_for_role(server.config, "redacteur")
    checked = check_update(writer, "INSERT { GRAPH <https://data.tienen.be/graph/catalogus> { ?s <urn:p> ?o } } "
                                   "WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert "USING NAMED <https://data.tienen.be/graph/adressen>" in checked.text
    assert "sociaal" not in checked.text
    with_graph = check_update(writer, "WITH <https://data.tienen.be/graph/adressen> DELETE { ?s ?p ?o } "
                                      "USING <https://data.tienen.be/graph/sociaal> WHERE { ?s ?p ?o }")
    assert "sociaal" not in with_graph.text.split("DELETE", 1)[1]
    admin = principal_for_role(server.config, "beheerder")
    text = "INSERT { GRAPH <urn:x> { ?s ?p ?o } } WHERE { ?s ?p ?o }"
    assert check_update(admin, text).text == text  # nothing to confine
    assert "USING <urn:g>" in check_update(admin, text, using_graph_uris=["urn:g"]).text


def test_principal_for_unknown_role_or_graph():
    config = load_config()
    with pytest.raises(ValueError):
        principal_for_role(config, "koning")
    with pytest.raises(ValueError):
        principal_for_role(config, "integrator", graph_names=["geheim"])
    publiek = principal_for_role(config, "publiek")
    assert not publiek.can_write and not publiek.all_graphs
    assert publiek.may_access(config.graph_iri("catalogus")) and not publiek.may_access(config.graph_iri("sociaal"))
    assert isinstance(ox.NamedNode(config.graph_iri("catalogus")), ox.NamedNode)
