"""SPARQL Service Description and VoID, generated per principal: only the graphs the
principal may see, each with its triple count."""

from __future__ import annotations

import pyoxigraph as ox

from graph_server.config import Config
from graph_server.scopes import Principal
from graph_server.sparql.render import BOOLEAN_FORMATS, RDF_FORMATS, RESULT_FORMATS

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
FORMATS = "http://www.w3.org/ns/formats/"
_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples", "rdfxml": "RDF_XML",
    "jsonld": "JSON-LD", "nquads": "N-Quads", "trig": "TriG",
}


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _count(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=_n("http://www.w3.org/2001/XMLSchema#integer"))


def service_description(config: Config, principal: Principal, endpoint: str,
                        graph_sizes: dict[str, int]) -> list[ox.Triple]:
    service = _n(endpoint)
    dataset = ox.BlankNode()
    default_graph = ox.BlankNode()
    out = [
        ox.Triple(service, _n(RDF + "type"), _n(SD + "Service")),
        ox.Triple(service, _n(SD + "endpoint"), service),
        ox.Triple(service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Query")),
        ox.Triple(service, _n(SD + "feature"), _n(SD + "UnionDefaultGraph")),
        ox.Triple(service, _n(DCT + "title"), ox.Literal(f"Schakel SPARQL endpoint of {config.city.name}", language="en")),
        ox.Triple(service, _n(SD + "defaultDataset"), dataset),
        ox.Triple(dataset, _n(RDF + "type"), _n(SD + "Dataset")),
        ox.Triple(dataset, _n(SD + "defaultGraph"), default_graph),
        ox.Triple(default_graph, _n(RDF + "type"), _n(SD + "Graph")),
        ox.Triple(default_graph, _n(VOID + "triples"), _count(sum(graph_sizes.values()))),
    ]
    if principal.can_write:
        out.append(ox.Triple(service, _n(SD + "supportedLanguage"), _n(SD + "SPARQL11Update")))
    seen = set()
    for fmt in (*RESULT_FORMATS, *BOOLEAN_FORMATS, *RDF_FORMATS):
        if fmt.name not in seen:
            seen.add(fmt.name)
            out.append(ox.Triple(service, _n(SD + "resultFormat"), _n(FORMATS + _FORMAT_IRIS[fmt.name])))
    for iri, size in sorted(graph_sizes.items()):
        named = ox.BlankNode()
        graph = ox.BlankNode()
        out += [
            ox.Triple(dataset, _n(SD + "namedGraph"), named),
            ox.Triple(named, _n(RDF + "type"), _n(SD + "NamedGraph")),
            ox.Triple(named, _n(SD + "name"), _n(iri)),
            ox.Triple(named, _n(SD + "graph"), graph),
            ox.Triple(graph, _n(RDF + "type"), _n(SD + "Graph")),
            ox.Triple(graph, _n(VOID + "triples"), _count(size)),
        ]
    return out


def void_description(config: Config, principal: Principal, base_url: str, endpoint: str,
                     graph_sizes: dict[str, int]) -> list[ox.Triple]:
    dataset = _n(f"{base_url}/.well-known/void#dataset")
    out = [
        ox.Triple(dataset, _n(RDF + "type"), _n(VOID + "Dataset")),
        ox.Triple(dataset, _n(DCT + "title"), ox.Literal(f"{config.city.name} linked data ({principal.role})", language="en")),
        ox.Triple(dataset, _n(VOID + "sparqlEndpoint"), _n(endpoint)),
        ox.Triple(dataset, _n(VOID + "uriSpace"), ox.Literal(f"{config.city.base_iri}id/")),
        ox.Triple(dataset, _n(VOID + "triples"), _count(sum(graph_sizes.values()))),
    ]
    for iri, size in sorted(graph_sizes.items()):
        subset = _n(iri)
        out += [
            ox.Triple(dataset, _n(VOID + "subset"), subset),
            ox.Triple(subset, _n(RDF + "type"), _n(VOID + "Dataset")),
            ox.Triple(subset, _n(SD + "name"), subset),
            ox.Triple(subset, _n(VOID + "triples"), _count(size)),
        ]
        name = config.graph_name(iri)
        if name is not None:
            out.append(ox.Triple(subset, _n(DCT + "title"), ox.Literal(name)))
    return out
