"""Rewriting triple patterns to the one graph that holds their key: what is rewritten, what is
left as written, and that the rewritten text is SPARQL both parsers accept. (That results stay
the same is tested over a store in test_partitions, for every query and role.)"""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph_server.confinement import confine_patterns
from graph_server.sparql_syntax import RDF_TYPE, parse_query

EX = "https://example.test/"
PREFIX = f"PREFIX ex: <{EX}>\n"
A, B = "https://example.test/graph/a", "https://example.test/graph/b"
HOLDERS = {("p", f"{EX}cost"): A, ("c", f"{EX}Product"): A, ("p", f"{EX}street"): B,
           ("p", f"{EX}label"): B, ("p", RDF_TYPE): B}


def confined(query: str) -> str | None:
    result = confine_patterns(PREFIX + query, HOLDERS)
    if result is None:
        return None
    text = result.text[len(PREFIX):]
    parse_query(result.text)  # rdflib accepts it
    ox.Store().query(result.text)  # and so does Oxigraph
    return text


def test_each_triple_goes_to_the_graph_holding_its_predicate_or_class():
    assert confined("SELECT * WHERE { ?p a ex:Product ; ex:cost ?c , 5 ; ex:other ?o . ?o ex:label 'x'@nl-BE }") == (
        "SELECT * WHERE { ?p ex:other ?o . GRAPH <https://example.test/graph/a> { ?p a ex:Product . "
        "?p ex:cost ?c . ?p ex:cost 5 . } GRAPH <https://example.test/graph/b> { ?o ex:label 'x'@nl-BE . } }")


def test_literals_keep_their_datatype_sign_and_language():
    text = confined('SELECT * WHERE { ?p ex:cost -2.5 . ?p ex:cost "7"^^<http://www.w3.org/2001/XMLSchema#int> . '
                    '?p ex:label """lang\n"""@nl . ?p ex:cost true }')
    assert text is not None
    for kept in ("-2.5", '"7"^^<http://www.w3.org/2001/XMLSchema#int>', '"""lang\n"""@nl', "true"):
        assert kept in text


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { ?p ex:cost ?c OPTIONAL { ?p ex:label ?l FILTER(?l != 'x') } }",
    "SELECT * WHERE { ?p ex:other ?o MINUS { ?p ex:cost 1 } }",
    "SELECT * WHERE { { ?p ex:cost ?c } UNION { ?p ex:label ?c } }",
    "SELECT * WHERE { ?p ex:other ?o FILTER NOT EXISTS { ?p ex:cost ?c } }",
    "SELECT ?p (COUNT(?c) AS ?n) WHERE { { SELECT ?p ?c WHERE { ?p ex:cost ?c } ORDER BY ?c LIMIT 3 } } GROUP BY ?p",
    "ASK { ?p ex:cost ?c }",
    "CONSTRUCT { ?p ex:cost ?c } WHERE { ?p ex:cost ?c }",
])
def test_patterns_in_nested_groups_are_confined(query):
    text = confined(query)
    assert text is not None and "GRAPH <" in text


def test_the_construct_template_is_not_a_pattern():
    text = confined("CONSTRUCT { ?p ex:cost ?c } WHERE { ?p ex:cost ?c }")
    assert text.startswith("CONSTRUCT { ?p ex:cost ?c } WHERE { GRAPH <")


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { GRAPH ?g { ?p ex:cost ?c } }",  # the query reads named graphs itself
    "DESCRIBE ?p WHERE { ?p ex:cost ?c }",
    "CONSTRUCT WHERE { ?p ex:cost ?c }",  # template and pattern at once
    "BASE <https://example.test/> SELECT * WHERE { ?p <cost> ?c }",
    "SELECT * WHERE { ?p ex:nothing ?c }",  # no key with a single holder
    "SELECT * WHERE { ?p ex:cost/ex:label ?c }",  # a property path
    "SELECT * WHERE { _:b ex:cost ?c }",  # a blank node belongs to its block
    "SELECT * WHERE { [] ex:cost ?c }",
    "SELECT * WHERE { ?p ex:cost ( 1 2 ) }",
    "SELECT * WHERE { ?p ?any ?c }",
])
def test_out_of_reach_queries_are_left_as_written(query):
    assert confined(query) is None


def test_a_block_with_a_path_stays_whole_and_the_others_are_still_confined():
    text = confined("SELECT * WHERE { ?p ex:cost ?c ; ex:label/ex:label ?l . OPTIONAL { ?p ex:cost ?d } }")
    assert text.startswith("SELECT * WHERE { ?p ex:cost ?c ; ex:label/ex:label ?l . OPTIONAL { GRAPH <")


def test_values_bind_and_filters_are_kept_verbatim():
    query = ("SELECT * WHERE { VALUES (?c ?d) { (1 2) (UNDEF 3) } ?p ex:cost ?c . "
             "BIND(CONCAT('{', STR(?c)) AS ?b) FILTER(regex(?b, '}')) FILTER STRSTARTS(?b, '{') }")
    text = confined(query)
    for kept in ("VALUES (?c ?d) { (1 2) (UNDEF 3) }", "BIND(CONCAT('{', STR(?c)) AS ?b)",
                 "FILTER(regex(?b, '}'))", "FILTER STRSTARTS(?b, '{')"):
        assert kept in text


def test_the_graphs_used_are_reported_for_the_dataset():
    result = confine_patterns(PREFIX + "SELECT * WHERE { ?p ex:cost ?c . ?p ex:street ?s }", HOLDERS)
    assert result.graphs == (A, B)
    assert confine_patterns(PREFIX + "SELECT * WHERE { ?p ex:cost ?c }", {}) is None
