"""The guard: parses, read-only, no SERVICE/LOAD, ontology vocabulary only, no dataset from the
text, LIMIT enforced."""

import pytest

from graph_server.config import load_config
from nl2sparql.guard import Guard, GuardError
from nl2sparql.schema import load_schema

P = ("PREFIX dct: <http://purl.org/dc/terms/> PREFIX cpsv: <http://purl.org/vocab/cpsv#> "
     "PREFIX sk: <https://w3id.org/schakel/ns#>\n")


@pytest.fixture(scope="module")
def guard():
    return Guard(load_schema(load_config()), max_rows=50)


def test_adds_limit_and_caps_a_larger_one(guard):
    ok = guard.check(P + "SELECT ?t WHERE { ?p a cpsv:PublicService ; dct:title ?t }")
    assert ok.text.rstrip().endswith("LIMIT 50") and ok.limit == 50
    capped = guard.check(P + "SELECT ?t WHERE { ?p dct:title ?t } LIMIT 100000")
    assert "LIMIT 50" in capped.text and "100000" not in capped.text
    assert guard.check(P + "SELECT ?t WHERE { ?p dct:title ?t } LIMIT 5").limit == 5


@pytest.mark.parametrize("query", [
    P + "INSERT DATA { <https://data.tienen.be/id/x> dct:title 'x' }",
    P + "DELETE WHERE { ?s ?p ?o }",
    "DROP ALL",
    "LOAD <http://example.org/evil.ttl>",
    P + "SELECT ?t WHERE { SERVICE <http://example.org/sparql> { ?p dct:title ?t } }",
    P + "SELECT ?t FROM <https://data.tienen.be/graph/sociaal> WHERE { ?p dct:title ?t }",
    P + "SELECT ?t FROM NAMED <https://data.tienen.be/graph/sociaal> WHERE { ?p dct:title ?t }",
    P + "SELECT ?t WHERE { GRAPH <https://data.tienen.be/graph/sociaal> { ?p dct:title ?t } }",
    P + "SELECT ?t WHERE { ?p <http://example.org/made-up> ?t }",
    P + "SELECT ?t WHERE { ?p a <http://example.org/Secret> ; dct:title ?t }",
    P + "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    P + "DESCRIBE <https://data.tienen.be/id/product/P0001>",
    "SELECT ?x WHERE { ?x ?y",
    "",
])
def test_refuses(guard, query):
    with pytest.raises(GuardError):
        guard.check(query)


def test_refusal_messages_name_no_graph(guard):
    with pytest.raises(GuardError) as info:
        guard.check(P + "SELECT ?t FROM <https://data.tienen.be/graph/sociaal> WHERE { ?p dct:title ?t }")
    assert "graph/sociaal" not in str(info.value)


def test_skeleton_cache_still_checks_every_iri(guard):
    """A query with the same shape as one checked before (other slot values) skips the parse but
    not the checks: an unknown IRI in the same position is still refused."""
    shape = P + 'SELECT ?t WHERE {{ VALUES ?p {{ <{iri}> }} ?p dct:title ?t FILTER(?t != "{text}") }}'
    first = guard.check(shape.format(iri="https://data.tienen.be/id/product/P0001", text="a"))
    second = guard.check(shape.format(iri="https://data.tienen.be/id/product/P0002", text='b\\"c'))
    assert "https://data.tienen.be/id/product/P0002" in second.iris and "P0002" in second.text
    assert "https://data.tienen.be/id/product/P0001" not in second.iris and first.limit == second.limit
    with pytest.raises(GuardError):
        guard.check(shape.format(iri="http://example.org/Secret", text="a"))
