"""Leaving graphs in which no triple pattern can match out of a query's default graph, and
confining a pattern to the one graph that holds its key: the result must equal the result over
the principal's whole dataset, the pruned set must be a subset of it, and writes must never
make a graph with fresh data disappear from queries."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from graph_server.config import load_config
from graph_server.scopes import ScopeGate, principal_for_role
from graph_server.sparql_syntax import RDF_TYPE, parse_query
from graph_server.store import GraphStore
from server_fixtures import config_text, graph_iri

EX = "https://example.test/"
ENDPOINT = "http://127.0.0.1:8000/sparql"  # the base IRI the endpoint passes with every query
PREFIX = f"PREFIX ex: <{EX}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"

# Each graph holds its own predicates and classes; labels and one triple are in several graphs.
DATA = {
    "catalogus": ["ex:p1 a ex:Product ; rdfs:label 'Rijbewijs' ; ex:cost 25 .",
                  "ex:p2 a ex:Product ; rdfs:label 'Paspoort' ; ex:cost 70 ; ex:unit ex:u1 .",
                  "ex:shared ex:both 1 ."],
    "organisatie": ["ex:u1 a ex:Unit ; rdfs:label 'Burgerzaken' ; ex:opens '09:00' .",
                    "ex:shared ex:both 1 ."],
    "meldingen": ["ex:m1 a ex:Report ; ex:status ex:open ; ex:street ex:s1 .",
                  "ex:m2 a ex:Report ; ex:status ex:closed ; ex:street ex:s1 ."],
    "adressen": ["ex:s1 a ex:Street ; rdfs:label 'Grote Markt' .",
                 "ex:a1 ex:next ex:a2 . ex:a2 ex:next ex:a3 ."],
    "sociaal": ["ex:f1 a ex:Report ; ex:status ex:open ; ex:street ex:s1 ; ex:secret 'x' ."],
}

QUERIES = [
    "SELECT ?p ?l ?c WHERE { ?p a ex:Product ; rdfs:label ?l ; ex:cost ?c } ORDER BY ?p",
    "SELECT ?p ?u WHERE { ?p ex:unit ?x . ?x rdfs:label ?u }",
    "SELECT ?s (COUNT(?m) AS ?n) WHERE { ?m a ex:Report ; ex:street ?st . ?st rdfs:label ?s } GROUP BY ?s",
    "SELECT ?m WHERE { ?m a ex:Report FILTER NOT EXISTS { ?m ex:status ex:closed } }",
    "SELECT ?st WHERE { ?st a ex:Street FILTER EXISTS { ?m ex:street ?st } }",
    "SELECT ?m WHERE { ?m a ex:Report FILTER NOT EXISTS { ?m ex:status ex:closed ; ex:street ?st . ?st a ex:Street } }",
    "SELECT ?m ?l WHERE { ?m ex:status ?x OPTIONAL { ?m rdfs:label ?l } } ORDER BY ?m",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ex:both ?o }",
    "SELECT ?x ?y WHERE { ?x ex:next+ ?y } ORDER BY ?x ?y",
    "SELECT ?x ?y WHERE { ex:a1 ex:next* ?y BIND(ex:a1 AS ?x) } ORDER BY ?y",
    "SELECT ?s ?p WHERE { ?s ?p ex:s1 } ORDER BY ?s ?p",
    "SELECT ?s WHERE { ?s !ex:status ex:open } ORDER BY ?s",
    "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c",
    "SELECT ?g ?s WHERE { GRAPH ?g { ?s a ex:Unit } }",
    "ASK { ?s ex:opens ?o }",
    "CONSTRUCT { ?p ex:label ?l } WHERE { ?p a ex:Product ; rdfs:label ?l }",
    "DESCRIBE ex:p1",
    "SELECT (1 AS ?one) WHERE { }",
    "SELECT ?s WHERE { ?s ex:nothing ?o }",
    # patterns confined to one graph next to patterns over several
    "SELECT ?m ?l WHERE { ?m a ex:Report ; ex:street ?s . ?s rdfs:label ?l MINUS { ?m ex:status ex:closed } }",
    "SELECT ?x ?l WHERE { { ?x a ex:Product ; rdfs:label ?l } UNION { ?x a ex:Street ; rdfs:label ?l } }",
    "SELECT ?p ?n WHERE { ?p ex:unit ?u . { SELECT ?u (COUNT(?o) AS ?n) WHERE { ?u ex:opens ?o } GROUP BY ?u } }",
    "SELECT ?p WHERE { ?p ex:cost ?c FILTER(?c > 30) ?p rdfs:label 'Paspoort' }",
    "ASK { ?m ex:status ex:open ; ex:street ?s . ?s a ex:Street }",
    "SELECT ?m WHERE { ?m ex:street [ a ex:Street ] ; ex:status ?x }",
    "SELECT ?m WHERE { ?m ex:status ?x . ?x ^ex:status ?n . ?n ex:street ?s }",
    # comments holding braces, quotes and GRAPH inside a triples block; repeated and trailing ';'
    "SELECT ?p ?c WHERE { ?p # { } GRAPH ' \" (\n ex:cost\t?c ;; # ;\n rdfs:label ?l ; }",
    # lowercase keywords, an object list of classes, a long string with braces and '#' in a filter
    "select ?x ?l where { { ?x a ex:Street , ex:Street } union { ?x a ex:Unit } ?x rdfs:label ?l "
    "optional { ?x ex:opens ?o filter(?o != '''} { # GRAPH ''') } }",
    # VALUES inside a sub-select with GROUP BY / HAVING / LIMIT, next to confined patterns outside it
    "SELECT ?u ?n WHERE { { SELECT ?u (COUNT(?p) AS ?n) WHERE { ?p ex:unit ?u ; ex:cost ?c VALUES ?c { 25 70 } } "
    "GROUP BY ?u HAVING(COUNT(?p) > 0) LIMIT 5 } ?u rdfs:label ?l ; a ex:Unit }",
    # FROM and FROM NAMED without GRAPH
    f"SELECT ?p ?o FROM <{graph_iri('catalogus')}> FROM <{graph_iri('organisatie')}> FROM NAMED <{graph_iri('adressen')}> "
    "WHERE { ?p ex:unit ?u . ?u ex:opens ?o ; rdfs:label ?l }",
    # signed numbers, typed literals, an object list mixing literals and variables, lowercase bind
    "select ?p ?l where { ?p ex:cost 25 , +25 ; rdfs:label 'Rijbewijs'^^<http://www.w3.org/2001/XMLSchema#string> , ?l . "
    "?x ex:unit ?u optional { ?p ex:cost -2.5 } bind(?p as ?q) }",
    # an integer right before '.' (`25.` is not a decimal)
    "SELECT ?p ?l WHERE { ?p rdfs:label ?l ; ex:cost 25.}",
    # less-than right after an operand, then a comment: `<99)#>` is no IRI
    "SELECT ?p ?o WHERE { ?p ex:unit ?u ; ex:cost ?c FILTER(?c<99)#> ) ?x ex:both 1 .\n?u ex:opens ?o\n}",
]


@pytest.fixture()
def gate(tmp_path):
    (tmp_path / "schakel.toml").write_text(config_text(tmp_path), encoding="utf-8")
    config = load_config(tmp_path / "schakel.toml")
    store = GraphStore(tmp_path / "store")
    body = "\n".join(f"GRAPH <{graph_iri(g)}> {{ {' '.join(lines)} }}" for g, lines in DATA.items())
    store.update(PREFIX + f"INSERT DATA {{ {body} }}")
    yield ScopeGate(config, store)
    store.close()


def _rows(result, ordered: bool) -> list:
    """The result as comparable rows; solutions keep their order only under ORDER BY."""
    if isinstance(result, ox.QueryBoolean):
        return [bool(result)]
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        rows = [tuple(str(row[n]) for n in names) for row in result]
        return rows if ordered else sorted(rows)
    return sorted(str(t) for t in result)


@pytest.mark.parametrize("role", ["balie", "sociaal", "beheerder"])
@pytest.mark.parametrize("query", QUERIES)
def test_pruned_result_equals_result_over_the_whole_dataset(gate, role, query):
    principal = principal_for_role(gate.config, role)
    prepared = gate.prepare_query(principal, PREFIX + query, base_iri=ENDPOINT)
    dataset = prepared.dataset
    whole = gate.store.query(PREFIX + query, default_graph=list(dataset.default_graph),
                             named_graphs=list(dataset.named_graphs), base_iri=ENDPOINT,
                             include_store_default_graph=dataset.include_store_default_graph)
    ordered = "ORDER BY" in query
    assert _rows(gate.run_prepared(prepared), ordered) == _rows(whole, ordered)


def test_only_graphs_that_can_match_stay_in_the_default_graph(gate):
    graphs = [graph_iri(g) for g in DATA]
    keys = parse_query(PREFIX + QUERIES[0]).pattern_keys
    assert keys == {("c", f"{EX}Product"), ("p", "http://www.w3.org/2000/01/rdf-schema#label"),
                    ("p", f"{EX}cost")}
    # labels occur in three graphs; Product and cost only in catalogus
    assert gate.partitions.prune(graphs, keys) == [graph_iri(g) for g in ("catalogus", "organisatie", "adressen")]
    costs = parse_query(PREFIX + "SELECT * WHERE { ?p ex:cost ?c }").pattern_keys
    assert gate.partitions.prune(graphs, costs) == [graph_iri("catalogus")]
    reports = parse_query(PREFIX + "SELECT * WHERE { ?r a ex:Report }").pattern_keys
    assert gate.partitions.prune(graphs, reports) == [graph_iri("meldingen"), graph_iri("sociaal")]
    # pruning never adds a graph the caller did not pass
    assert gate.partitions.prune([graph_iri("meldingen")], reports) == [graph_iri("meldingen")]
    assert gate.partitions.prune(graphs, None) == graphs


@pytest.mark.parametrize("query, expected", [
    ("SELECT * WHERE { ?s a ex:C ; ex:p/ex:q ?o . ?o ^ex:r ?x }",
     {("c", f"{EX}C"), ("p", f"{EX}p"), ("p", f"{EX}q"), ("p", f"{EX}r")}),
    ("SELECT * WHERE { ?s ex:p|ex:q ?o FILTER EXISTS { ?s ex:e+ ?z } }",
     {("p", f"{EX}p"), ("p", f"{EX}q"), ("p", f"{EX}e")}),
    ("SELECT * WHERE { ?s a ?c }", {("p", RDF_TYPE)}),
    ("SELECT * WHERE { ?s ex:z ?o FILTER NOT EXISTS { ?s ex:a ?o ; ex:b ?c , ?d ; a ex:K . [ ex:q ?r ] ex:w ?v } }",
     {("p", f"{EX}z"), ("p", f"{EX}a"), ("p", f"{EX}b"), ("c", f"{EX}K"), ("p", f"{EX}q"), ("p", f"{EX}w")}),
    ("SELECT * WHERE { ?s ex:z ?o FILTER EXISTS { ?s ex:a ?o ; ex:b* ?c } }", None),
    ("SELECT * WHERE { { SELECT ?s WHERE { ?s ex:inner ?o } } }", {("p", f"{EX}inner")}),
    ("SELECT * WHERE { ?s ?p ?o }", None),
    ("SELECT * WHERE { ?s ex:p* ?o }", None),
    ("SELECT * WHERE { ?s ex:p? ?o }", None),
    ("SELECT * WHERE { ?s ex:k ?o MINUS { ?s !ex:p ?o } }", None),
    ("SELECT * WHERE { ?s ex:k ?o BIND(EXISTS { ?s ?any ?o } AS ?e) }", None),
    ("DESCRIBE ex:x", None),
])
def test_pattern_keys_describe_what_a_query_can_match(query, expected):
    keys = parse_query(PREFIX + query).pattern_keys
    assert keys == (None if expected is None else frozenset(expected))


def test_a_graph_written_by_an_update_is_queried_with_its_new_predicates(gate):
    writer = principal_for_role(gate.config, "beheerder")
    query = PREFIX + "SELECT ?s WHERE { ?s ex:fresh ?o }"
    assert gate.evaluate(writer, query).rows() == []
    gate.update(writer, PREFIX + f"INSERT DATA {{ GRAPH <{graph_iri('adressen')}> {{ ex:a9 ex:fresh 1 }} }}")
    assert [row["s"].value for row in gate.evaluate(writer, query).rows()] == [f"{EX}a9"]


def test_a_graph_written_over_the_graph_store_protocol_is_queried_with_its_new_classes(gate):
    writer = principal_for_role(gate.config, "beheerder")
    query = PREFIX + "SELECT ?s WHERE { ?s a ex:NewClass }"
    assert gate.evaluate(writer, query).rows() == []
    triple = ox.Triple(ox.NamedNode(f"{EX}n1"), ox.NamedNode(RDF_TYPE), ox.NamedNode(f"{EX}NewClass"))
    gate.write_graph(writer, graph_iri("organisatie"), [triple], replace=False)
    assert [row["s"].value for row in gate.evaluate(writer, query).rows()] == [f"{EX}n1"]
    gate.delete_graph(writer, graph_iri("organisatie"))
    assert gate.evaluate(writer, query).rows() == []
    gate.write_graph(writer, None, [triple], replace=False)  # the store's own default graph
    assert [row["s"].value for row in gate.evaluate(writer, query).rows()] == [f"{EX}n1"]


def test_drop_all_makes_every_graph_read_again(gate):
    writer = principal_for_role(gate.config, "beheerder")
    gate.evaluate(writer, PREFIX + "SELECT * WHERE { ?s ex:cost ?c }")  # partitions read
    gate.update(writer, "DROP ALL")
    gate.update(writer, PREFIX + f"INSERT DATA {{ GRAPH <{graph_iri('sociaal')}> {{ ex:x ex:cost 1 }} }}")
    rows = gate.evaluate(writer, PREFIX + "SELECT ?s WHERE { ?s ex:cost ?c }").rows()
    assert [row["s"].value for row in rows] == [f"{EX}x"]


def test_a_key_held_by_one_graph_of_the_dataset_is_confined_to_it(gate):
    graphs = [graph_iri(g) for g in ("catalogus", "organisatie", "adressen", "meldingen")]
    keys = parse_query(PREFIX + QUERIES[2]).pattern_keys  # reports per street label
    meldingen = graph_iri("meldingen")
    assert gate.partitions.sole_holders(graphs, keys) == {("c", f"{EX}Report"): meldingen,
                                                          ("p", f"{EX}street"): meldingen}
    # sociaal holds reports too: where it is in the dataset, reports are not confined
    assert gate.partitions.sole_holders(graphs + [graph_iri("sociaal")], keys) == {}
    # while a graph of the dataset is written its keys are unknown, so nothing is confined
    with gate.partitions.writing([graph_iri("adressen")]):
        assert gate.partitions.sole_holders(graphs, keys) == {}
    assert gate.partitions.sole_holders(graphs, keys)


def test_the_gate_sends_the_confined_text_to_the_store(gate, monkeypatch):
    sent = []
    query_store = gate.store.query
    monkeypatch.setattr(gate.store, "query", lambda text, **kw: sent.append(text) or query_store(text, **kw))
    balie = principal_for_role(gate.config, "balie")
    rows = gate.evaluate(balie, PREFIX + QUERIES[2], base_iri=ENDPOINT).rows()
    assert [row["n"].value for row in rows] == ["2"]
    assert f"GRAPH <{graph_iri('meldingen')}> {{ ?m a ex:Report . ?m ex:street ?st . }}" in sent[-1]


def test_a_write_between_planning_and_starting_a_query_makes_it_plan_again(gate, monkeypatch):
    writer, balie = principal_for_role(gate.config, "beheerder"), principal_for_role(gate.config, "balie")
    catalogus, organisatie = graph_iri("catalogus"), graph_iri("organisatie")
    move = (PREFIX + f"DELETE {{ GRAPH <{catalogus}> {{ ?p ex:cost ?c }} }} INSERT {{ GRAPH <{organisatie}> "
            f"{{ ?p ex:cost ?c }} }} WHERE {{ GRAPH <{catalogus}> {{ ?p ex:cost ?c }} }}")
    plan = gate.partitions.sole_holders
    moved = []

    def plan_then_write(graphs, needed):
        holders = plan(graphs, needed)  # ex:cost in catalogus only
        if not moved:  # the write lands after the plan, before the query takes its snapshot
            gate.update(writer, move)
            moved.append(True)
        return holders

    monkeypatch.setattr(gate.partitions, "sole_holders", plan_then_write)
    rows = gate.evaluate(balie, PREFIX + "SELECT ?p ?c WHERE { ?p ex:cost ?c ; rdfs:label ?l }").rows()
    assert moved and sorted(row["c"].value for row in rows) == ["25", "70"]
