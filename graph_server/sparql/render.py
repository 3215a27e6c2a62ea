"""Result formats and content negotiation, apart from protocol handling.

SELECT/ASK: SPARQL JSON (default), XML, CSV, TSV. CONSTRUCT/DESCRIBE and graphs: Turtle
(default), N-Triples, RDF/XML, JSON-LD, N-Quads, TriG. Serialisation is pyoxigraph's; SELECT
results are first written as SPARQL JSON (materialised, so the row limit applies) and
converted by pyoxigraph for the other formats.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from graph_server.scopes import QueryOutcome

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8"


RESULT_FORMATS = (
    Format("json", "application/sparql-results+json", ("application/json",)),
    Format("xml", "application/sparql-results+xml", ("application/xml", "text/xml")),
    Format("csv", "text/csv"),
    Format("tsv", "text/tab-separated-values"),
)
BOOLEAN_FORMATS = RESULT_FORMATS[:2]
RDF_FORMATS = (
    Format("turtle", "text/turtle", ("application/x-turtle",)),
    Format("ntriples", "application/n-triples", ("text/plain",)),
    Format("rdfxml", "application/rdf+xml"),
    Format("jsonld", "application/ld+json"),
    Format("nquads", "application/n-quads"),
    Format("trig", "application/trig"),
)
_RESULT_OX = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
              "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
_RDF_OX = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "rdfxml": ox.RdfFormat.RDF_XML,
           "jsonld": ox.RdfFormat.JSON_LD, "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG}
# Media types accepted for request bodies of the Graph Store Protocol.
RDF_INPUT = {
    "text/turtle": ox.RdfFormat.TURTLE, "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES, "text/plain": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-quads": ox.RdfFormat.N_QUADS, "application/trig": ox.RdfFormat.TRIG,
    "text/n3": ox.RdfFormat.N3,
}
PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "void": "http://rdfs.org/ns/void#",
    "dcterms": "http://purl.org/dc/terms/",
}


class NotAcceptable(Exception):
    def __init__(self, offered: Sequence[Format]):
        self.offered = offered
        super().__init__("none of the accepted media types can be produced; available: "
                         + ", ".join(f.media_type for f in offered))


def _media_ranges(accept: str | None) -> list[tuple[str, float, int]]:
    ranges = []
    for index, part in enumerate((accept or "").split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if not media:
            continue
        q = 1.0
        for param in fields[1:]:
            if param.lower().startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        ranges.append((media, q, index))
    return ranges


def negotiate(accept: str | None, offered: Sequence[Format]) -> Format:
    """The best offered format for an Accept header; the first offered is the default."""
    ranges = _media_ranges(accept)
    if not ranges:
        return offered[0]
    best: tuple[float, int, int, int] | None = None
    choice: Format | None = None
    for position, fmt in enumerate(offered):
        names = (fmt.media_type, *fmt.aliases)
        for media, q, index in ranges:
            if q <= 0:
                continue
            if media in names:
                specificity = 2
            elif media == "*/*" or (media.endswith("/*") and fmt.media_type.startswith(media[:-1])):
                specificity = 0 if media == "*/*" else 1
            else:
                continue
            # Higher q wins, then the more specific range, then the client's order, then ours.
            key = (q, specificity, -index if specificity else 0, -position)
            if best is None or key > best:
                best, choice = key, fmt
    if choice is None:
        raise NotAcceptable(offered)
    return choice


def formats_for(form: str) -> Sequence[Format]:
    if form == "ASK":
        return BOOLEAN_FORMATS
    if form == "SELECT":
        return RESULT_FORMATS
    return RDF_FORMATS


def term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate),
                                            "object": term_json(term.object)}}
    raise TypeError(f"unexpected term {term!r}")


def results_json(outcome: QueryOutcome) -> bytes:
    if outcome.boolean is not None:
        return json.dumps({"head": {}, "boolean": outcome.boolean}).encode()
    bindings = []
    for solution in outcome.solutions:
        row = {}
        for name in outcome.variables:
            value = solution[name]
            if value is not None:
                row[name] = term_json(value)
        bindings.append(row)
    return json.dumps({"head": {"vars": outcome.variables}, "results": {"bindings": bindings}},
                      ensure_ascii=False).encode()


def render_outcome(outcome: QueryOutcome, fmt: Format) -> bytes:
    if outcome.form in ("SELECT", "ASK"):
        data = results_json(outcome)
        if fmt.name == "json":
            return data
        parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        return parsed.serialize(format=_RESULT_OX[fmt.name])
    return render_triples(outcome.triples, fmt)


def render_triples(triples: Iterable[ox.Triple], fmt: Format, prefixes: dict[str, str] | None = None) -> bytes:
    if fmt.name in ("turtle", "trig"):
        return ox.serialize(list(triples), format=_RDF_OX[fmt.name], prefixes=prefixes or {})
    return ox.serialize(list(triples), format=_RDF_OX[fmt.name])
