"""The oxigraph SHACL engine (graph_server/validation/sparql_engine.py) against pySHACL, the
reference: same results for our shapes and data, component by component.

A result is compared as (focus node, path, constraint component, severity, source shape) -
plus sh:value where both engines see the same terms - counted with multiplicity (pySHACL
reports a node reached twice twice). Every case runs three ways: pySHACL on an rdflib Graph,
the oxigraph engine on the same Graph (`validate(..., engine="oxigraph")`), and the oxigraph
engine on a pyoxigraph Store that parsed the same Turtle itself (`validate_store`, what the
ingest gate uses; its blank nodes have other labels, so they are compared as "a blank node").
"""

from __future__ import annotations

import logging
import re
import tempfile
import warnings
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Namespace

from graph_server.validation import sparql_engine
from graph_server.validation.engine import SH, ENGINES, ShaclEngineError, compile_shapes, validate, validate_store
from graph_server.validation.sparql_engine import UnsupportedShaclFeature

ROOT = Path(__file__).resolve().parents[2]
SHAPES_DIR = ROOT / "shapes"
FIXTURES = ROOT / "tests" / "shapes" / "fixtures"
EX = Namespace("http://example.org/")
PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
"""


@pytest.fixture(autouse=True)
def _quiet_rdflib():
    """Ill-typed literals make rdflib log a traceback each; they are the point here."""
    logging.disable(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
    logging.disable(logging.NOTSET)


def _key(r, *, value: bool = True, opaque_bnodes: bool = False):
    def term(t):
        return "_:b" if opaque_bnodes and isinstance(t, BNode) else t
    return (term(r.focus_node), r.path, term(r.value) if value else None, r.constraint_iri, r.severity_iri,
            r.source_shape)


def _keys(results, **kw) -> Counter:
    return Counter(_key(r, **kw) for r in results)


def _describe(counter: Counter) -> str:
    return "\n".join(f"    {n}x {k}" for k, n in sorted(counter.items(), key=str)) or "    (none)"


def check(data_ttl: str, shapes_ttl: str, *, values: bool = True, store_values: bool = True):
    """Run pySHACL and both oxigraph entry points; assert equal results; return the oxigraph
    results (rdflib path) for further assertions."""
    data_text = PREFIXES + data_ttl
    data = Graph().parse(data=data_text, format="turtle")
    shapes = Graph().parse(data=PREFIXES + shapes_ttl, format="turtle")
    reference = validate(data, shapes, engine="pyshacl").results
    fast = validate(data, shapes, engine="oxigraph").results
    expected, got = _keys(reference, value=values), _keys(fast, value=values)
    assert got == expected, f"pySHACL:\n{_describe(expected)}\noxigraph:\n{_describe(got)}"
    store = ox.Store()
    store.load(data_text.encode(), format=ox.RdfFormat.TURTLE)
    direct = validate_store(store, compile_shapes(shapes))
    kw = dict(value=values and store_values, opaque_bnodes=True)
    expected, got = _keys(reference, **kw), _keys(direct, **kw)
    assert got == expected, f"pySHACL:\n{_describe(expected)}\nvalidate_store:\n{_describe(got)}"
    return fast


def components(results) -> Counter:
    return Counter(r.constraint for r in results)


# --- (a) the project's shapes on every fixture --------------------------------------------
@lru_cache(maxsize=1)
def _project_shapes() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("*.ttl")))
def test_fixture_same_results_as_pyshacl(fixture):
    shapes = _project_shapes()
    data = Graph().parse(FIXTURES / fixture, format="turtle")
    reference = validate(data, shapes, engine="pyshacl")
    fast = validate(data, shapes, engine="oxigraph")
    key = dict(value=True)
    assert _keys(fast.results, **key) == _keys(reference.results, **key), \
        f"pySHACL:\n{_describe(_keys(reference.results))}\noxigraph:\n{_describe(_keys(fast.results))}"
    assert fast.conforms == reference.conforms and fast.engine_conforms == reference.engine_conforms
    if fixture.endswith(".invalid.ttl"):
        assert fast.by_severity("Violation"), "an invalid fixture must fail"
    # Messages: pySHACL's own sh:message or its generated text (sh:in lists its values in set
    # order, so those are compared as sets of words).
    def words(message):
        return sorted(re.findall(r"[^\s,\[\]']+", message))
    assert sorted(words(r.message) for r in fast.results) == sorted(words(r.message) for r in reference.results)


# --- (b) generated and mapped city data, per source ------------------------------------------
@pytest.fixture(scope="module")
def mapped_sources():
    """N-Triples per source of a small generated city, through the ingest's own extract and
    mapping steps."""
    from graph_server.config import load_config
    from graph_server.ingest.mapping import run_mapping
    from graph_server.ingest.pipeline import _build_context, _extract, load_source_specs
    from source_generator.generate import generate

    config = load_config()
    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="schakel-shacl-") as tmp:
        sources = Path(tmp) / "sources"
        generate(sources, scale=0.01, seed=3)
        specs = load_source_specs(config)
        gis = _extract("gis", specs["gis"], sources, None)
        context = _build_context(config, gis)
        for name, spec in specs.items():
            extract = gis if name == "gis" else _extract(name, spec, sources, context)
            staging = Path(tmp) / name
            lines = run_mapping(extract, spec.mapping, config, staging, {config.graph_iri(g) for g in spec.graphs})
            quads = ox.parse("".join(f"{line} .\n" for line in lines).encode(), format=ox.RdfFormat.N_QUADS)
            out[name] = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                                     format=ox.RdfFormat.N_TRIPLES)
    return out


@pytest.mark.slow
def test_generated_city_same_results_per_source(mapped_sources):
    shapes = _project_shapes()
    compiled = compile_shapes(shapes)
    total = Counter()
    assert set(mapped_sources) >= {"gis", "crm", "meldingen", "sensoren"}
    for name, ntriples in mapped_sources.items():
        data = Graph().parse(data=ntriples.decode("utf-8"), format="nt")
        reference = validate(data, shapes, engine="pyshacl").results
        fast = validate(data, shapes, engine="oxigraph").results
        store = ox.Store()
        store.load(ntriples, format=ox.RdfFormat.N_TRIPLES)
        direct = validate_store(store, compiled)
        expected = _keys(reference, value=False)
        assert _keys(fast, value=False) == expected, f"{name}: oxigraph differs from pySHACL"
        assert _keys(direct, value=False) == expected, f"{name}: validate_store differs from pySHACL"
        # The values too (no lexical forms Oxigraph would canonicalise among the failing ones here)
        assert _keys(fast) == _keys(reference), f"{name}: sh:value differs"
        total[name] = len(reference)
    # the generator's dirt must actually produce results, or this proves little
    assert sum(total.values()) > 0 and total["sensoren"] > 0 and total["crm"] > 0, total


# --- (c) per component ---------------------------------------------------------------------------
def test_engine_is_registered():
    assert "oxigraph" in ENGINES


def test_datatype_ill_typed_and_valid_literals():
    data = """
    ex:a a ex:T ; ex:d "2025-02-03"^^xsd:date, "2025-02-30"^^xsd:date, "2025-2-3"^^xsd:date,
           "2025-02-03Z"^^xsd:date, "2025-02-03+01:00"^^xsd:date, "0000-01-01"^^xsd:date,
           "10000-01-01"^^xsd:date, "2025-02-03T10:00:00"^^xsd:dateTime, "2025-02-03" .
    """
    shapes = "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:d ; sh:datatype xsd:date ] ."
    results = check(data, shapes)
    bad = {str(r.value) for r in results}
    # ill-typed (Feb 30th, no zero padding), years Python cannot hold, other datatype, string
    assert bad == {"2025-02-30", "2025-2-3", "0000-01-01", "10000-01-01", "2025-02-03T10:00:00", "2025-02-03"}


@pytest.mark.parametrize("datatype,lexicals", [
    ("boolean", ["true", "false", "1", "0", "TRUE", "yes", " true"]),
    ("decimal", ["1", "1.0", "-1.5", ".5", "+1", "1e3", "NaN", "abc", "1_0"]),
    ("integer", ["1", "+1", "007", "1.0", "1e3", "-0", "99999999999999999999999"]),
    ("double", ["1", "1.5", "1e3", "INF", "-INF", "NaN", "abc", "1_0"]),
    ("float", ["1.5", "1e40", "abc"]),
    ("dateTime", ["2025-02-03T10:00:00", "2025-02-03T10:00:00Z", "2025-02-03T10:00:00.5+01:00",
                  "2025-02-03T10:00", "2025-12-31T23:59:60", "2025-02-03T10:00:00+15:00", "2025-02-03"]),
    ("time", ["10:00:00", "10:00:00Z", "10:00", "25:00:00", "10:00:00.1234567"]),
    ("duration", ["P1D", "-P1D", "PT1.5S", "P1Y2M", "P", "1D", "P1.5D"]),
    ("string", ["abc", ""]),
])
def test_datatype_lexical_forms_follow_rdflib(datatype, lexicals):
    """pySHACL calls a literal ill-typed when rdflib cannot parse it; Oxigraph decides most
    values in the query, the rest go through rdflib's own parser."""
    # one subject per form: rdflib normalises "1" and "TRUE" to "true" and would merge the triples
    data = "\n".join(f'ex:a{i} a ex:T ; ex:v "{lex}"^^xsd:{datatype} .' for i, lex in enumerate(lexicals))
    shapes = f"ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:v ; sh:datatype xsd:{datatype} ] ."
    # values: rdflib and Oxigraph write valid numbers and dates differently ("1.0" vs "1")
    check(data, shapes, store_values=False)


def test_datatype_language_tags_versus_strings():
    data = """
    ex:a a ex:T ; ex:s "plain", "typed"^^xsd:string, "tagged"@nl ;
                  ex:l "plain", "typed"^^xsd:string, "tagged"@nl, "Tagged"@en-GB ;
                  ex:any "plain", "tagged"@nl, 3, ex:iri, [ ex:p 1 ] ;
                  ex:w "POINT(4 50)"^^<http://www.opengis.net/ont/geosparql#wktLiteral>, "POINT"^^xsd:string .
    """
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
      sh:property [ sh:path ex:s ; sh:datatype xsd:string ] ,
                  [ sh:path ex:l ; sh:datatype rdf:langString ] ,
                  [ sh:path ex:any ; sh:datatype rdfs:Literal ] ,
                  [ sh:path ex:w ; sh:datatype <http://www.opengis.net/ont/geosparql#wktLiteral> ] .
    """
    results = check(data, shapes, values=False)
    failing = Counter((r.path.split("/")[-1], str(r.value)) for r in results)
    assert failing == Counter({("s", "tagged"): 1, ("l", "plain"): 1, ("l", "typed"): 1,
                               ("any", "http://example.org/iri"): 1, ("w", "POINT"): 1,
                               ("any", str(next(r.value for r in results if isinstance(r.value, BNode)))): 1})


def test_cardinality_with_blank_node_focus_nodes_and_multiple_values():
    data = """
    ex:a a ex:T ; ex:p 1, 2, 3 .
    [] a ex:T ; ex:p 1 .
    [] a ex:T .
    ex:b a ex:Sub ; ex:p "x", "x"@nl .
    ex:Sub rdfs:subClassOf ex:T .
    """
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
      sh:property [ sh:path ex:p ; sh:minCount 2 ; sh:maxCount 2 ] .
    """
    results = check(data, shapes)
    assert components(results) == Counter({"MinCountConstraintComponent": 2, "MaxCountConstraintComponent": 1})
    assert sum(isinstance(r.focus_node, BNode) for r in results) == 2
    assert all(r.value is None for r in results)


def test_target_class_uses_the_data_graphs_hierarchy_only():
    """pySHACL (the reference) reads rdfs:subClassOf from the data graph, not the shapes graph."""
    data = "ex:a a ex:Sub . ex:b a ex:Sub2 . ex:Sub2 rdfs:subClassOf ex:Sub . ex:Sub rdfs:subClassOf ex:T ."
    shapes = """
    ex:Other rdfs:subClassOf ex:T .
    ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
    ex:S2 a sh:NodeShape ; sh:targetClass ex:T ; sh:targetNode ex:a, ex:nowhere ; sh:nodeKind sh:BlankNode .
    """
    results = check(data, shapes)
    assert {r.focus_node for r in results if r.source_shape != EX.S2} == {EX.a, EX.b}
    assert {r.focus_node for r in results if r.source_shape == EX.S2} == {EX.a, EX.b, EX.nowhere}


def test_other_targets_and_implicit_class_target():
    data = """
    ex:a ex:knows ex:b , "lit" . ex:c a ex:Person . ex:b ex:age "x" .
    """
    shapes = """
    ex:Person a rdfs:Class, sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
    ex:S1 a sh:NodeShape ; sh:targetSubjectsOf ex:knows ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .
    ex:S2 a sh:NodeShape ; sh:targetObjectsOf ex:knows ; sh:nodeKind sh:IRI .
    ex:S3 a sh:NodeShape ; sh:targetNode "lit", 42 ; sh:datatype xsd:string .
    ex:S4 a sh:NodeShape ; sh:target [ a sh:SPARQLTarget ;
        sh:select "SELECT ?this WHERE { ?this <http://example.org/age> ?x }" ] ; sh:class ex:Person .
    """
    results = check(data, shapes)
    assert Counter(r.source_shape for r in results if not isinstance(r.source_shape, BNode)) == \
        Counter({EX.S2: 1, EX.S3: 1, EX.S4: 1})
    assert sum(isinstance(r.source_shape, BNode) for r in results) == 2  # ex:c (implicit) and ex:a


def test_node_kind_all_kinds():
    data = 'ex:a a ex:T ; ex:v ex:iri, [ ex:q 1 ], "lit" .'
    kinds = ["IRI", "BlankNode", "Literal", "BlankNodeOrIRI", "BlankNodeOrLiteral", "IRIOrLiteral"]
    props = " , ".join(f"[ sh:path ex:v ; sh:nodeKind sh:{k} ; sh:name \"{k}\" ]" for k in kinds)
    results = check(data, f"ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property {props} .")
    assert len(results) == 9  # each kind excludes one or two of the three values


def test_class_with_subclasses_literals_and_multiple_classes():
    data = """
    ex:a a ex:T ; ex:v ex:x, ex:y, ex:z, "lit" .
    ex:x a ex:A . ex:y a ex:SubA . ex:SubA rdfs:subClassOf ex:A . ex:z a ex:B .
    """
    shapes = "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:v ; sh:class ex:A, ex:B ] ."
    results = check(data, shapes)
    assert len(results) == 5  # A: z, lit; B: x, y, lit


def test_in_and_has_value():
    data = """
    ex:a a ex:T ; ex:v ex:one, "3300", "3300"@nl, 3300 ; ex:h ex:one .
    ex:b a ex:T ; ex:v ex:two ; ex:h ex:two .
    """
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
      sh:property [ sh:path ex:v ; sh:in ( ex:one "3300" ) ] , [ sh:path ex:h ; sh:hasValue ex:one ] .
    ex:N a sh:NodeShape ; sh:targetNode ex:a, ex:b ; sh:hasValue ex:a .
    """
    results = check(data, shapes)
    assert components(results) == Counter({"InConstraintComponent": 3, "HasValueConstraintComponent": 2})


def test_pattern_flags_and_python_semantics():
    data = """
    ex:a a ex:T ; ex:v "3300", "ABC", "abc", "12\\n", ex:iri33, [ ex:q 1 ], 3300 .
    """
    shapes = r"""
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
      sh:property [ sh:path ex:v ; sh:pattern "^[0-9]+$" ] ,
                  [ sh:path ex:v ; sh:pattern "^abc" ; sh:flags "i" ] ,
                  [ sh:path ex:v ; sh:pattern "33" ] .
    ex:P a sh:NodeShape ; sh:targetNode ex:a ; sh:pattern "/a$" .
    """
    results = check(data, shapes)
    assert len(results) == 3 + 5 + 4 + 1


def test_pattern_the_regex_engine_cannot_compile_is_refused():
    shapes = Graph().parse(data=PREFIXES + 'ex:S sh:targetClass ex:T ; sh:pattern "^(?=a)b" .', format="turtle")
    with pytest.raises(UnsupportedShaclFeature, match="S.*sh:pattern"):
        compile_shapes(shapes)


def test_lengths_on_literals_iris_and_blank_nodes():
    data = 'ex:a a ex:T ; ex:v "ab", "abcdef", ex:i, [ ex:q 1 ], 12345 .'
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
      sh:property [ sh:path ex:v ; sh:minLength 3 ] , [ sh:path ex:v ; sh:maxLength 5 ] .
    """
    results = check(data, shapes)
    assert components(results) == Counter({"MinLengthConstraintComponent": 2, "MaxLengthConstraintComponent": 3})


def test_value_ranges():
    data = """
    ex:a a ex:T ; ex:n -1, 0, 0.5, 1, 1.5e0, "1", "abc", ex:i ;
       ex:d "2025-01-01T00:00:00"^^xsd:dateTime, "2024-12-31T23:59:59"^^xsd:dateTime, "2025-13-01T00:00:00"^^xsd:dateTime .
    """
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
      sh:property [ sh:path ex:n ; sh:minInclusive 0 ; sh:maxExclusive 1.5 ] ,
                  [ sh:path ex:n ; sh:minExclusive 0 ; sh:maxInclusive 1 ] ,
                  [ sh:path ex:d ; sh:minInclusive "2025-01-01T00:00:00"^^xsd:dateTime ] .
    """
    check(data, shapes, store_values=False)


def test_language_in_and_unique_lang():
    data = """
    ex:a a ex:T ; ex:t "x"@nl, "y"@en-GB, "z"@EN, "w"@fr, "plain", ex:iri ;
       ex:u "a"@nl, "b"@NL, "c"@en, "d"@en, "e"@fr, "f" .
    """
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
      sh:property [ sh:path ex:t ; sh:languageIn ( "nl" "en" ) ] , [ sh:path ex:u ; sh:uniqueLang true ] .
    """
    results = check(data, shapes)
    assert components(results) == Counter({"LanguageInConstraintComponent": 3, "UniqueLangConstraintComponent": 2})


def test_property_pairs():
    data = """
    ex:a a ex:T ; ex:p 1, 2 ; ex:q 2, 3 ; ex:start 5 ; ex:end 4, 5, 6, "x" .
    """
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
      sh:property [ sh:path ex:p ; sh:equals ex:q ] , [ sh:path ex:p ; sh:disjoint ex:q ] ,
                  [ sh:path ex:start ; sh:lessThan ex:end ] , [ sh:path ex:start ; sh:lessThanOrEquals ex:end ] .
    """
    check(data, shapes)


def test_closed_shape():
    data = "ex:a a ex:T ; ex:p 1 ; ex:q 2 ; ex:r 3 ."
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:closed true ; sh:ignoredProperties ( rdf:type ) ;
      sh:property [ sh:path ex:p ] .
    """
    results = check(data, shapes)
    assert {r.path for r in results} == {EX.q, EX.r}


def test_shape_based_constraints():
    data = """
    ex:a a ex:T ; ex:addr ex:ad1, ex:ad2, [ ex:street "Blank" ] ; ex:v 1, "one", ex:iri .
    ex:ad1 ex:street "Main" . ex:ad2 ex:city "X" .
    """
    shapes = """
    ex:Addr a sh:NodeShape ; sh:property [ sh:path ex:street ; sh:minCount 1 ] .
    ex:IsInt sh:datatype xsd:integer .
    ex:IsStr sh:datatype xsd:string .
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
      sh:property [ sh:path ex:addr ; sh:node ex:Addr ] ,
                  [ sh:path ex:v ; sh:not ex:IsInt ] ,
                  [ sh:path ex:v ; sh:or ( ex:IsInt ex:IsStr ) ] ,
                  [ sh:path ex:v ; sh:and ( ex:IsInt ex:IsStr ) ] ,
                  [ sh:path ex:v ; sh:xone ( ex:IsInt [ sh:nodeKind sh:Literal ] ) ] ,
                  [ sh:path ex:addr ; sh:qualifiedValueShape ex:Addr ; sh:qualifiedMinCount 3 ; sh:qualifiedMaxCount 1 ] .
    """
    results = check(data, shapes, store_values=True)
    assert components(results) == Counter({
        "NodeConstraintComponent": 1, "NotConstraintComponent": 1, "OrConstraintComponent": 1,
        "AndConstraintComponent": 3, "XoneConstraintComponent": 2,
        "QualifiedMinCountConstraintComponent": 1, "QualifiedMaxCountConstraintComponent": 1})


def test_nested_property_shapes_count_per_parent():
    data = """
    ex:p1 a ex:Person ; ex:address ex:bad . ex:p2 a ex:Person ; ex:address ex:bad, ex:good .
    ex:bad ex:city ex:Nowhere . ex:good ex:city ex:Tienen . ex:Tienen a ex:City .
    """
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:Person ;
      sh:property [ sh:path ex:address ; sh:property [ sh:path ex:city ; sh:class ex:City ] ] .
    """
    results = check(data, shapes)
    assert len(results) == 2 and {r.focus_node for r in results} == {EX.bad}


def test_paths_inverse_sequence_alternative_and_repetition():
    data = """
    ex:a a ex:T ; ex:p ex:b . ex:b ex:q ex:c . ex:c ex:q ex:d . ex:x ex:r ex:a .
    """
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
      sh:property [ sh:path [ sh:inversePath ex:r ] ; sh:maxCount 0 ] ,
                  [ sh:path ( ex:p ex:q ) ; sh:nodeKind sh:Literal ] ,
                  [ sh:path [ sh:alternativePath ( ex:p ex:r ) ] ; sh:minCount 2 ] ,
                  [ sh:path ( ex:p [ sh:zeroOrMorePath ex:q ] ) ; sh:maxCount 2 ] ,
                  [ sh:path ( ex:p [ sh:oneOrMorePath ex:q ] ) ; sh:minCount 3 ] ,
                  [ sh:path [ sh:zeroOrOnePath ex:p ] ; sh:maxCount 1 ] .
    """
    results = check(data, shapes)
    assert len(results) == 6


def test_sparql_constraint_with_this_path_and_message():
    data = """
    ex:a a ex:T ; ex:opens "10:00:00" ; ex:closes "09:00:00" ; ex:p "x", "y" .
    ex:b a ex:T ; ex:opens "10:00:00" ; ex:closes "18:00:00" ; ex:p "x" .
    """
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
      sh:sparql [ a sh:SPARQLConstraint ; sh:message "closes {?c} before {$o}" ;
        sh:select "SELECT $this ?o ?c WHERE { $this ex:opens ?o ; ex:closes ?c . FILTER (STR(?c) <= STR(?o)) }" ;
        sh:prefixes ex:decl ] ;
      sh:property [ sh:path ex:p ; sh:severity sh:Warning ; sh:sparql [ sh:message "value {?value}" ;
        sh:select "SELECT $this ?value WHERE { $this $PATH ?value . FILTER (?value = \\"y\\") }" ] ] .
    ex:decl sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^xsd:anyURI ] .
    """
    results = check(data, shapes)
    assert sorted((r.severity, r.message) for r in results) == [
        ("Violation", "closes 09:00:00 before 10:00:00"), ("Warning", "value y")]


def test_severity_message_and_deactivated():
    data = "ex:a a ex:T ."
    shapes = """
    ex:S a sh:NodeShape ; sh:targetClass ex:T ;
      sh:property [ sh:path ex:w ; sh:minCount 1 ; sh:severity sh:Warning ; sh:message "w missing"@en ] ,
                  [ sh:path ex:i ; sh:minCount 1 ; sh:severity sh:Info ] ,
                  [ sh:path ex:v ; sh:minCount 1 ] ,
                  [ sh:path ex:off ; sh:minCount 1 ; sh:deactivated true ] .
    ex:Off a sh:NodeShape ; sh:targetClass ex:T ; sh:deactivated true ; sh:nodeKind sh:Literal .
    """
    results = check(data, shapes)
    assert sorted(r.severity for r in results) == ["Info", "Violation", "Warning"]
    assert next(r.message for r in results if r.severity == "Warning") == "w missing"
    assert next(r.message for r in results if r.severity == "Violation").startswith("Less than 1 values on ")


def test_validation_report_fields_match_pyshacl():
    data = "ex:a a ex:T ; ex:v ex:x ."
    shapes = "ex:S a sh:NodeShape ; sh:targetClass ex:T ; sh:property [ sh:path ex:v ; sh:nodeKind sh:Literal ] ."
    d = Graph().parse(data=PREFIXES + data, format="turtle")
    s = Graph().parse(data=PREFIXES + shapes, format="turtle")
    (ref,), (fast,) = validate(d, s, engine="pyshacl").results, validate(d, s, engine="oxigraph").results
    assert fast == ref  # all fields: terms, message, local names and full IRIs
    report = validate(d, s, engine="oxigraph")
    assert (None, SH.resultSeverity, SH.Violation) in report.report_graph
    assert report.engine_conforms is False and report.conforms is False


@pytest.mark.parametrize("shapes,feature", [
    ("ex:S sh:targetClass ex:T ; sh:rule [ a sh:TripleRule ] .", "sh:rule"),
    ("ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:datatype xsd:int ] .", "XMLSchema#int"),
    ("ex:S sh:targetClass ex:T ; sh:in ( [ ex:p 1 ] ) .", "blank node"),
    ("ex:S sh:targetClass ex:T ; sh:sparql [ sh:select \"SELECT $this WHERE { $this ?p $shapesGraph }\" ] .",
     "shapesGraph"),
    ("ex:C sh:parameter [ sh:path ex:myParam ] ; sh:validator [ sh:ask \"ASK {}\" ] . "
     "ex:S sh:targetClass ex:T ; ex:myParam 1 .", "SPARQL-based constraint component"),
    ("ex:S sh:targetClass ex:T ; sh:target [ a ex:CustomTarget ] .", "sh:target"),
])
def test_unsupported_features_are_refused_with_shape_and_feature(shapes, feature):
    graph = Graph().parse(data=PREFIXES + shapes, format="turtle")
    with pytest.raises(UnsupportedShaclFeature) as info:
        compile_shapes(graph)
    assert feature in str(info.value) and "http://example.org/S" in str(info.value)  # blank nodes: by parent
    with pytest.raises(ShaclEngineError):  # through validate() too
        validate(Graph(), graph, engine="oxigraph")


def test_compiled_once_and_reused_for_many_batches():
    shapes = _project_shapes()
    assert sparql_engine.compiled_for(shapes) is sparql_engine.compiled_for(shapes)
    compiled = compile_shapes(shapes)
    data = (FIXTURES / "AdresShape.invalid.ttl").read_bytes()
    first = None
    for _ in range(3):
        store = ox.Store()
        store.load(data, format=ox.RdfFormat.TURTLE)
        results = validate_store(store, compiled)
        first = first or results
        assert [(r.constraint, r.path) for r in results] == [(r.constraint, r.path) for r in first]
    assert first


# --- W3C SHACL test suite ------------------------------------------------------------------
@pytest.mark.shared
def test_w3c_suite_supported_tests_pass():
    """Every W3C test passes or is refused as unsupported, except the one pySHACL fails the
    same way (uniqueLang-002: rdflib reads "1"^^xsd:boolean as true, so both engines see two
    literals with the same language where the suite expects them to differ)."""
    from graph_server.validation import w3c
    if not w3c.DEFAULT_SUITE.is_dir():
        pytest.skip(f"{w3c.DEFAULT_SUITE} is absent")
    run = w3c.run_suite("oxigraph", tests=w3c.discover())
    unsupported = {o.test.name for o in run.failures() if "does not support" in o.reason}
    failed = {o.test.name for o in run.failures()} - unsupported
    assert run.total() == 121
    assert failed <= {"core/property/uniqueLang-002"}, failed
    assert unsupported == {
        "core/property/datatype-ill-formed",         # sh:datatype xsd:byte (Oxigraph stores it as xsd:integer)
        "sparql/component/nodeValidator-001",        # SPARQL-based constraint components
        "sparql/component/optional-001",
        "sparql/component/propertyValidator-select-001",
        "sparql/component/validator-001",
        "sparql/pre-binding/shapesGraph-001",        # $shapesGraph (pySHACL refuses it too)
    }
    assert run.passed() == 114
