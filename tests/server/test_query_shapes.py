"""Parsing once per query shape: queries that differ only in literal values and IRIs share one
rdflib parse, yet each gets its own FROM graphs and pattern keys, and syntax errors point into
the text the client sent."""

from __future__ import annotations

import pytest

from graph_server.sparql_syntax import (
    ForbiddenFeature, SparqlSyntaxError, _parse_query_text, parse_query, parse_update, query_shape,
)

G1, G2 = "https://data.tienen.be/graph/catalogus", "https://data.tienen.be/graph/sociaal"


def _query(graph: str, predicate: str, keyword: str, limit: int) -> str:
    return (f'PREFIX dcat: <http://www.w3.org/ns/dcat#>\n'
            f'SELECT ?p FROM <{graph}> FROM NAMED <{graph}> WHERE {{ ?p <{predicate}> ?o ; '
            f'dcat:keyword "{keyword}"@nl ; a <https://example.test/C{limit}> }} LIMIT {limit}')


def test_queries_of_one_shape_share_a_parse_but_keep_their_own_graphs_and_keys():
    first = parse_query(_query(G1, "https://example.test/a", "rijbewijs", 5))
    misses = _parse_query_text.cache_info().misses
    second = parse_query(_query(G2, "https://example.test/b", r"paspoort \"x\"", 50))
    assert _parse_query_text.cache_info().misses == misses  # no new rdflib parse
    assert first.from_graphs == first.from_named_graphs == (G1,)
    assert second.from_graphs == second.from_named_graphs == (G2,)
    assert second.pattern_keys == {("p", "https://example.test/b"), ("c", "https://example.test/C50"),
                                   ("p", "http://www.w3.org/ns/dcat#keyword")}
    assert second.text.endswith("LIMIT 50")


def test_the_shape_keeps_prefixes_rdf_type_and_the_grammar():
    text = ('PREFIX ex: <https://example.test/> BASE <https://base.test/> SELECT * WHERE { '
            '?s <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ex:C ; '
            "ex:t '''long\nstring''' ; ex:u <relative> ; ex:n 1.5e3, -7, 12. } LIMIT 10")
    shape, iris = query_shape(text)
    assert iris == ()
    assert "<https://example.test/>" in shape and "<https://base.test/>" in shape
    assert "0, -0, 0. }" in shape and "''''''" in shape and "LIMIT 0" in shape
    assert parse_query(text).pattern_keys == {("c", "https://example.test/C"), ("p", "https://example.test/n"),
                                              ("p", "https://example.test/t"), ("p", "https://example.test/u")}


def test_a_syntax_error_points_into_the_text_sent():
    text = 'SELECT * WHERE {\n  ?s ?p "a rather long literal that the shape would blank" .\n  FILTER( }'
    with pytest.raises(SparqlSyntaxError) as error:
        parse_query(text)
    assert error.value.line == 3
    assert "FILTER" in str(error.value)


def test_service_is_refused_whatever_its_iri():
    with pytest.raises(ForbiddenFeature):
        parse_query("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    with pytest.raises(ForbiddenFeature):
        parse_query("SELECT * WHERE { SERVICE <http://127.0.0.1:8/sparql> { ?s ?p ?o } }")


def test_a_client_cannot_borrow_the_placeholder_iris():
    text = (f"PREFIX x: <urn:x-schakel-shape:> SELECT * FROM x:0 FROM <{G1}> WHERE {{ ?s x:1 ?o }}")
    parsed = parse_query(text)
    assert parsed.from_graphs == ("urn:x-schakel-shape:0", G1)
    assert parsed.pattern_keys == {("p", "urn:x-schakel-shape:1")}


def test_typed_literals_keep_their_value_so_rdflib_logs_no_conversion_error(caplog):
    text = ('PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT * WHERE { ?d <https://example.test/o> ?o '
            'FILTER(?o >= "2025-03-01"^^xsd:date && ?o < "2025-04-01T00:00:00+02:00"^^xsd:dateTime) }')
    with caplog.at_level("WARNING"):
        parse_query(text)
    assert not caplog.records
    assert '"2025-03-01"^^xsd:date' in query_shape(text)[0]


def test_negative_decimals_in_triple_patterns_parse():
    # rdflib alone fails on these with a TypeError (it negates a Decimal-valued literal)
    assert parse_query("SELECT * WHERE { ?s <https://example.test/v> -2.5 }").form == "SELECT"
    operations = parse_update("INSERT DATA { GRAPH <https://example.test/g> { <https://example.test/s> "
                              "<https://example.test/v> -2.5, -0.75 } }")
    assert operations[0].writes == ["https://example.test/g"]
    with pytest.raises(SparqlSyntaxError) as error:  # the message quotes the text as sent
        parse_query("SELECT * WHERE {\n ?s <https://example.test/v> -12.345 ?x }")
    assert error.value.line == 2 and "-12.345 ?x" in str(error.value)


def test_texts_the_parsers_read_differently_are_refused_with_their_position():
    # rdflib expands \u escapes everywhere before parsing, Oxigraph only in strings and IRIs
    for escaped in ('"\\u0022 #"', '"caf\\u00e9"', "<https://example.test/\\U000a>"):
        with pytest.raises(SparqlSyntaxError) as error:
            parse_query(f"SELECT * WHERE {{\n ?x <https://example.test/p> {escaped} }}")
        assert (error.value.line, error.value.column) == (2, 30 + escaped.index("\\")), escaped
        assert "escape" in str(error.value)
    # a carriage return without a line feed ends a comment for Oxigraph only
    with pytest.raises(SparqlSyntaxError) as error:
        parse_update("INSERT DATA { <https://example.test/s> <https://example.test/p> 1 } #\r ;")
    assert "carriage return" in str(error.value)
    assert parse_query("SELECT * WHERE { ?s ?p 'café' } # Windows line ends\r\n").form == "SELECT"
