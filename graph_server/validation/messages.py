"""Plain-language messages in Dutch and English for SHACL results.

The engines' own messages ("Less than 1 values on ex:b->ex:p") are written for SHACL experts
and differ per engine. These are generated from the constraint component and its parameters
as read from the shapes graph, so a service-desk data steward can act on them:

    Verplicht veld ontbreekt: adres:huisnummer (minstens 1 waarde)
    Required value missing: adres:huisnummer (at least 1 value)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from graph_server.validation.engine import SH, ShaclResult

# Prefixes always known, whatever the files declare (OSLO-flavoured).
WELL_KNOWN_PREFIXES: dict[str, str] = {
    "rdf": str(RDF),
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": str(XSD),
    "owl": "http://www.w3.org/2002/07/owl#",
    "sh": str(SH),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "locn": "http://www.w3.org/ns/locn#",
    "adms": "http://www.w3.org/ns/adms#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "schema": "https://schema.org/",
    "person": "http://www.w3.org/ns/person#",
    "cpsv": "http://purl.org/vocab/cpsv#",
    "m8g": "http://data.europa.eu/m8g/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "sosa": "http://www.w3.org/ns/sosa/",
    "ssn": "http://www.w3.org/ns/ssn/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "adres": "https://data.vlaanderen.be/ns/adres#",
    "gebouw": "https://data.vlaanderen.be/ns/gebouw#",
    "perceel": "https://data.vlaanderen.be/ns/perceel#",
    "generiek": "https://data.vlaanderen.be/ns/generiek#",
    "persoon": "https://data.vlaanderen.be/ns/persoon#",
    "organisatie": "https://data.vlaanderen.be/ns/organisatie#",
    "dossier": "https://data.vlaanderen.be/ns/dossier#",
    "besluit": "http://data.vlaanderen.be/ns/besluit#",
    "mandaat": "http://data.vlaanderen.be/ns/mandaat#",
    "schakel": "https://data.tienen.be/ns/schakel#",
}

NODE_KINDS = {
    "IRI": ("een IRI", "an IRI"),
    "BlankNode": ("een blanco knoop", "a blank node"),
    "Literal": ("een letterlijke waarde", "a literal"),
    "BlankNodeOrIRI": ("een IRI of blanco knoop", "an IRI or blank node"),
    "BlankNodeOrLiteral": ("een blanco knoop of letterlijke waarde", "a blank node or literal"),
    "IRIOrLiteral": ("een IRI of letterlijke waarde", "an IRI or literal"),
}
LITERAL_TYPES_NS = (str(XSD),)
LITERAL_TYPES = {RDF.langString, RDF.HTML, RDF.XMLLiteral, URIRef("http://www.w3.org/2000/01/rdf-schema#Literal")}


class Prefixes:
    """Shortens IRIs to CURIEs with the longest matching namespace."""

    def __init__(self, *sources: Graph | Mapping[str, str] | None):
        mapping: dict[str, str] = {}
        for prefix, ns in WELL_KNOWN_PREFIXES.items():
            mapping.setdefault(ns, prefix)
        for source in sources:
            if source is None:
                continue
            pairs: Iterable = source.namespaces() if isinstance(source, Graph) else source.items()
            for prefix, ns in pairs:
                if prefix and not str(prefix).startswith(("ns", "default")):
                    mapping[str(ns)] = str(prefix)
        self._by_ns = sorted(mapping.items(), key=lambda kv: len(kv[0]), reverse=True)

    def items(self) -> list[tuple[str, str]]:
        return [(prefix, ns) for ns, prefix in self._by_ns]

    def curie(self, iri: str) -> str:
        for ns, prefix in self._by_ns:
            if iri.startswith(ns):
                local = iri[len(ns):]
                if local and all(c.isalnum() or c in "-_." for c in local) and not local.endswith("."):
                    return f"{prefix}:{local}"
        return f"<{iri}>"

    def short(self, iri: str) -> str:
        """CURIE, else the local name after '#' or the last '/' (for shape names)."""
        curie = self.curie(iri)
        if not curie.startswith("<"):
            return curie
        local = iri.rsplit("#", 1)[-1] if "#" in iri else iri.rstrip("/").rsplit("/", 1)[-1]
        return local or curie

    def term(self, node: Node | None, graph: Graph | None = None) -> str:
        """A short human form of any term: CURIE, quoted literal, or a rendered path."""
        if node is None:
            return ""
        if isinstance(node, URIRef):
            return self.curie(str(node))
        if isinstance(node, Literal):
            text = str(node)
            if len(text) > 80:
                text = text[:77] + "..."
            if node.language:
                return f'"{text}"@{node.language}'
            if node.datatype and node.datatype != XSD.string:
                return f'"{text}"^^{self.curie(str(node.datatype))}'
            return f'"{text}"'
        if isinstance(node, BNode) and graph is not None:
            return render_path(node, graph, self)
        return "[]"


def render_path(node: Node, graph: Graph, prefixes: Prefixes) -> str:
    """SPARQL property-path syntax for a SHACL path (URI or blank-node path expression)."""
    if isinstance(node, URIRef):
        return prefixes.curie(str(node))
    if not isinstance(node, BNode):
        return prefixes.term(node)
    if graph.value(node, RDF.first) is not None:
        return "/".join(render_path(n, graph, prefixes) for n in Collection(graph, node))
    for predicate, before, after in ((SH.inversePath, "^", ""), (SH.zeroOrMorePath, "", "*"),
                                     (SH.oneOrMorePath, "", "+"), (SH.zeroOrOnePath, "", "?")):
        inner = graph.value(node, predicate)
        if inner is not None:
            text = render_path(inner, graph, prefixes)
            if not isinstance(inner, URIRef):
                text = f"({text})"
            return f"{before}{text}{after}"
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(render_path(n, graph, prefixes) for n in Collection(graph, alternatives)) + ")"
    return "[]"


@dataclass(frozen=True)
class Message:
    nl: str
    en: str

    def both(self) -> str:
        return f"{self.nl} / {self.en}"


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _int(value: Node | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class _Context:
    """What a message template may use: shape parameters, rendered path/value/focus."""

    def __init__(self, result: ShaclResult, shapes: Graph, prefixes: Prefixes, report: Graph | None):
        self.result = result
        self.shapes = shapes
        self.prefixes = prefixes
        self.shape = result.source_shape
        path_graph = report if report is not None and result.path is not None and \
            isinstance(result.path, BNode) and (result.path, None, None) in report else shapes
        self.path = render_path(result.path, path_graph, prefixes) if result.path is not None else ""
        self.value = prefixes.term(result.value) if result.value is not None else ""
        self.focus = prefixes.term(result.focus_node)
        # "adres:huisnummer" when there is a path, else the focus node itself
        self.subject = self.path or self.focus

    def param(self, name: str) -> Node | None:
        if self.shape is None:
            return None
        return self.shapes.value(self.shape, SH[name])

    def params(self, name: str) -> list[Node]:
        if self.shape is None:
            return []
        return list(self.shapes.objects(self.shape, SH[name]))

    def listed(self, name: str, limit: int = 8) -> str:
        items: list[Node] = []
        for head in self.params(name):
            try:
                items.extend(Collection(self.shapes, head))
            except Exception:  # noqa: BLE001 - malformed list: show what we have
                pass
        text = ", ".join(self.prefixes.term(i) for i in items[:limit])
        return text + (", ..." if len(items) > limit else "")

    def p(self, name: str) -> str:
        return self.prefixes.term(self.param(name))


def _min_count(c: _Context) -> Message:
    n = _int(c.param("minCount")) or 1
    return Message(f"Verplicht veld ontbreekt: {c.subject} (minstens {n} {_plural(n, 'waarde', 'waarden')})",
                   f"Required value missing: {c.subject} (at least {n} {_plural(n, 'value', 'values')})")


def _max_count(c: _Context) -> Message:
    n = _int(c.param("maxCount"))
    if n == 0:
        return Message(f"Veld mag niet voorkomen: {c.subject}", f"Property not allowed: {c.subject}")
    return Message(f"Te veel waarden voor {c.subject} (hoogstens {n} {_plural(n or 0, 'waarde', 'waarden')})",
                   f"Too many values for {c.subject} (at most {n} {_plural(n or 0, 'value', 'values')})")


def _datatype(c: _Context) -> Message:
    dt = c.p("datatype")
    value = c.result.value
    if isinstance(value, Literal) and value.datatype is not None and str(value.datatype) == str(c.param("datatype")):
        return Message(f"Ongeldige waarde voor {c.subject}: {c.value} is geen geldige {dt}",
                       f"Invalid value for {c.subject}: {c.value} is not a well-formed {dt}")
    return Message(f"Verkeerd gegevenstype voor {c.subject}: {c.value} is geen {dt}",
                   f"Wrong datatype for {c.subject}: {c.value} is not of type {dt}")


def _class(c: _Context) -> Message:
    cls_node = c.param("class")
    cls = c.p("class")
    if cls_node in LITERAL_TYPES or (isinstance(cls_node, URIRef) and str(cls_node).startswith(LITERAL_TYPES_NS)):
        return Message(
            f"Fout in de shape, niet in de gegevens: {c.subject} gebruikt sh:class {cls} waar sh:datatype "
            f"bedoeld is; {c.value} kan nooit een instantie van {cls} zijn",
            f"Defect in the shape, not in the data: {c.subject} uses sh:class {cls} where sh:datatype is "
            f"meant; {c.value} can never be an instance of {cls}")
    if str(cls_node) == "http://www.w3.org/2004/02/skos/core#Concept":
        return Message(
            f"Onbekende codelijstwaarde voor {c.subject}: {c.value} is geen skos:Concept uit een geladen codelijst",
            f"Unknown codelist value for {c.subject}: {c.value} is not a skos:Concept of a loaded codelist")
    if isinstance(c.result.value, Literal):
        return Message(f"Verkeerd soort waarde voor {c.subject}: {c.value} is tekst, verwacht een {cls}",
                       f"Wrong kind of value for {c.subject}: {c.value} is a literal, expected a {cls}")
    return Message(f"Verkeerd type voor {c.subject}: {c.value} is geen {cls}",
                   f"Wrong type for {c.subject}: {c.value} is not a {cls}")


def _node_kind(c: _Context) -> Message:
    kind = str(c.param("nodeKind") or "").rsplit("#", 1)[-1]
    nl, en = NODE_KINDS.get(kind, (kind, kind))
    return Message(f"Verkeerd soort waarde voor {c.subject}: {c.value} moet {nl} zijn",
                   f"Wrong kind of value for {c.subject}: {c.value} must be {en}")


def _in(c: _Context) -> Message:
    allowed = c.listed("in")
    return Message(f"Waarde niet toegelaten voor {c.subject}: {c.value} (toegelaten: {allowed})",
                   f"Value not allowed for {c.subject}: {c.value} (allowed: {allowed})")


def _has_value(c: _Context) -> Message:
    v = c.p("hasValue")
    return Message(f"Vereiste waarde ontbreekt: {c.subject} moet {v} bevatten",
                   f"Required value missing: {c.subject} must contain {v}")


def _pattern(c: _Context) -> Message:
    pattern = str(c.param("pattern") or "")
    return Message(f"Ongeldig formaat voor {c.subject}: {c.value} volgt het patroon {pattern} niet",
                   f"Invalid format for {c.subject}: {c.value} does not match the pattern {pattern}")


def _length(kind: str) -> Callable[[_Context], Message]:
    def build(c: _Context) -> Message:
        n = _int(c.param(kind))
        if kind == "minLength":
            return Message(f"Te kort voor {c.subject}: {c.value} (minstens {n} tekens)",
                           f"Too short for {c.subject}: {c.value} (at least {n} characters)")
        return Message(f"Te lang voor {c.subject}: {c.value} (hoogstens {n} tekens)",
                       f"Too long for {c.subject}: {c.value} (at most {n} characters)")
    return build


def _range(kind: str) -> Callable[[_Context], Message]:
    nl_op, en_op = {"minInclusive": ("minstens", "at least"), "minExclusive": ("groter dan", "greater than"),
                    "maxInclusive": ("hoogstens", "at most"), "maxExclusive": ("kleiner dan", "less than")}[kind]

    def build(c: _Context) -> Message:
        bound = str(c.param(kind))
        return Message(f"Waarde buiten bereik voor {c.subject}: {c.value} moet {nl_op} {bound} zijn",
                       f"Value out of range for {c.subject}: {c.value} must be {en_op} {bound}")
    return build


def _language_in(c: _Context) -> Message:
    allowed = c.listed("languageIn")
    return Message(f"Taal niet toegelaten voor {c.subject}: {c.value} (toegelaten talen: {allowed})",
                   f"Language not allowed for {c.subject}: {c.value} (allowed languages: {allowed})")


def _unique_lang(c: _Context) -> Message:
    return Message(f"Meer dan één waarde in dezelfde taal voor {c.subject}",
                   f"More than one value in the same language for {c.subject}")


def _pair(kind: str) -> Callable[[_Context], Message]:
    texts = {
        "equals": ("moet dezelfde waarden hebben als", "must have the same values as"),
        "disjoint": ("mag geen waarden delen met", "must not share values with"),
        "lessThan": ("moet kleiner zijn dan", "must be less than"),
        "lessThanOrEquals": ("moet kleiner dan of gelijk zijn aan", "must be less than or equal to"),
    }
    nl, en = texts[kind]

    def build(c: _Context) -> Message:
        other = c.p(kind)
        value = f" ({c.value})" if c.value else ""
        return Message(f"{c.subject}{value} {nl} {other}", f"{c.subject}{value} {en} {other}")
    return build


def _logical(kind: str) -> Callable[[_Context], Message]:
    texts = {
        "not": ("voldoet aan een vorm die uitgesloten is", "conforms to a shape it must not conform to"),
        "and": ("voldoet niet aan alle vereiste vormen", "does not conform to all required shapes"),
        "or": ("voldoet aan geen enkele van de toegelaten vormen", "conforms to none of the allowed shapes"),
        "xone": ("voldoet niet aan precies één van de vormen", "does not conform to exactly one of the shapes"),
        "node": ("voldoet niet aan de vereiste vorm", "does not conform to the required shape"),
    }
    nl, en = texts[kind]

    def build(c: _Context) -> Message:
        target = c.value or c.focus
        where = f" ({c.path})" if c.path else ""
        shape = c.p("node") if kind == "node" else ""
        suffix = f" {shape}" if shape else ""
        return Message(f"{target}{where} {nl}{suffix}", f"{target}{where} {en}{suffix}")
    return build


def _qualified(kind: str) -> Callable[[_Context], Message]:
    def build(c: _Context) -> Message:
        n = _int(c.param("qualifiedMinCount" if kind == "min" else "qualifiedMaxCount"))
        if kind == "min":
            return Message(f"Te weinig geschikte waarden voor {c.subject} (minstens {n})",
                           f"Too few qualifying values for {c.subject} (at least {n})")
        return Message(f"Te veel geschikte waarden voor {c.subject} (hoogstens {n})",
                       f"Too many qualifying values for {c.subject} (at most {n})")
    return build


def _closed(c: _Context) -> Message:
    return Message(f"Eigenschap niet toegelaten in deze vorm: {c.subject} = {c.value}",
                   f"Property not allowed by this closed shape: {c.subject} = {c.value}")


def _sparql(c: _Context) -> Message:
    engine = f": {c.result.message}" if c.result.message else ""
    return Message(f"Regel geschonden voor {c.focus}{engine}", f"Rule violated for {c.focus}{engine}")


BUILDERS: dict[str, Callable[[_Context], Message]] = {
    "MinCountConstraintComponent": _min_count,
    "MaxCountConstraintComponent": _max_count,
    "DatatypeConstraintComponent": _datatype,
    "ClassConstraintComponent": _class,
    "NodeKindConstraintComponent": _node_kind,
    "InConstraintComponent": _in,
    "HasValueConstraintComponent": _has_value,
    "PatternConstraintComponent": _pattern,
    "MinLengthConstraintComponent": _length("minLength"),
    "MaxLengthConstraintComponent": _length("maxLength"),
    "MinInclusiveConstraintComponent": _range("minInclusive"),
    "MinExclusiveConstraintComponent": _range("minExclusive"),
    "MaxInclusiveConstraintComponent": _range("maxInclusive"),
    "MaxExclusiveConstraintComponent": _range("maxExclusive"),
    "LanguageInConstraintComponent": _language_in,
    "UniqueLangConstraintComponent": _unique_lang,
    "EqualsConstraintComponent": _pair("equals"),
    "DisjointConstraintComponent": _pair("disjoint"),
    "LessThanConstraintComponent": _pair("lessThan"),
    "LessThanOrEqualsConstraintComponent": _pair("lessThanOrEquals"),
    "NotConstraintComponent": _logical("not"),
    "AndConstraintComponent": _logical("and"),
    "OrConstraintComponent": _logical("or"),
    "XoneConstraintComponent": _logical("xone"),
    "NodeConstraintComponent": _logical("node"),
    "QualifiedMinCountConstraintComponent": _qualified("min"),
    "QualifiedMaxCountConstraintComponent": _qualified("max"),
    "ClosedConstraintComponent": _closed,
    "SPARQLConstraintComponent": _sparql,
}


def describe(result: ShaclResult, shapes: Graph, prefixes: Prefixes | None = None,
             report: Graph | None = None) -> Message:
    """The Dutch and English sentence for one result."""
    prefixes = prefixes or Prefixes(shapes)
    context = _Context(result, shapes, prefixes, report)
    builder = BUILDERS.get(result.constraint)
    if builder is not None:
        try:
            return builder(context)
        except Exception:  # noqa: BLE001 - a message must never break a report
            pass
    detail = f": {result.message}" if result.message else ""
    where = f" ({context.path})" if context.path else ""
    name = result.constraint.removesuffix("ConstraintComponent") or "?"
    return Message(f"Voorwaarde {name} geschonden voor {context.focus}{where}{detail}",
                   f"Constraint {name} violated for {context.focus}{where}{detail}")
