"""The gate's tokenizer must split a text where SPARQL parsers do: where a comment starts, where
an IRI ends. The scope gate places USING clauses and the confinement places GRAPH clauses by
token position, so a misread would put them where the store does not see them."""

from __future__ import annotations

import pytest

from graph_server.sparql_syntax import ForbiddenFeature, refuse_remote_calls, tokenize


def texts(query: str) -> list[str]:
    return [token.text for token in tokenize(query)]


def test_less_than_after_an_operand_in_an_expression_is_no_iri():
    # `<99)#>` would be a valid IRI; after ?c in a FILTER it is less-than, and # starts a comment
    assert texts("{ ?p ?q ?c FILTER(?c<99)#> ) WHERE\n?u ?v ?o }") == [
        "{", "?p", "?q", "?c", "FILTER", "(", "?c", "<", "99", ")", "?u", "?v", "?o", "}"]
    assert texts("{ FILTER(?a<=?b && STR(?x)<'z') } ORDER BY DESC(?x<3)") == [
        "{", "FILTER", "(", "?a", "<", "=", "?b", "&", "&", "STR", "(", "?x", ")", "<", "'z'", ")", "}",
        "ORDER", "BY", "DESC", "(", "?x", "<", "3", ")"]
    assert texts("SELECT (?a<?b AS ?lt) {}")[:5] == ["SELECT", "(", "?a", "<", "?b"]
    # the group of an EXISTS ends an operand too
    assert texts('{ FILTER(EXISTS { } <#>"""\n?o) }') == [
        "{", "FILTER", "(", "EXISTS", "{", "}", "<", "?o", ")", "}"]


@pytest.mark.parametrize("query, iris", [
    ("{ ?s <p> ( <a> <b> ) }", ["<p>", "<a>", "<b>"]),  # a collection
    ("{ ?s <p> ( true ( ?b <a> ) UNDEF ( <b> ) ) }", ["<p>", "<a>", "<b>"]),  # collections after values
    ("{ VALUES (?x ?y) { (<a> <b>) (UNDEF <c>) } }", ["<a>", "<b>", "<c>"]),
    ("VALUES ?x { <a> <b> }", ["<a>", "<b>"]),
    ("{ FILTER(?x IN (<a>, <b>)) FILTER(?x = <c>) BIND(<d> AS ?e) }", ["<a>", "<b>", "<c>", "<d>"]),
    ("{ FILTER <fn>(?x, <a>) FILTER(EXISTS { ?s <p> <o> }) }", ["<fn>", "<a>", "<p>", "<o>"]),
    ("PREFIX ex: <http://e/> SELECT * FROM <g> { ?s a <C> } ORDER BY <fn>(?s)", ["<http://e/>", "<g>", "<C>", "<fn>"]),
    ("{ ?s <http://x/caf\\u00e9#a> ?o }", ["<http://x/caf\\u00e9#a>"]),
])
def test_iris_are_read_whole_wherever_an_iri_may_stand(query, iris):
    assert [token.text for token in tokenize(query) if token.kind == "iri"] == iris


def test_numbers_and_prefixed_names_end_where_the_grammar_ends_them():
    assert texts("?s ex:p 25.}") == ["?s", "ex:p", "25", ".", "}"]
    assert texts("?s ex:C. ?t ex:p .5, 1.5e3, 2.E1") == [
        "?s", "ex:C", ".", "?t", "ex:p", ".5", ",", "1.5e3", ",", "2.E1"]
    assert texts(r"?s ex:a\.b.c ?o") == ["?s", r"ex:a\.b.c", "?o"]


@pytest.mark.parametrize("text", ["SELECT * { SERVICE:x { ?s ?p ?o } }", "SELECT * { service silent:x { } }",
                                  "LOAD:x", "SELECT * { SERVICE <http://x/> { } }"])
def test_the_tokenizer_alone_refuses_service_and_load(text):
    # the second reader behind rdflib's algebra check: `SERVICE:x` is the keyword and `:x`
    with pytest.raises(ForbiddenFeature):
        refuse_remote_calls(tokenize(text))
