"""`schakel shapes doc`: HTML and Markdown documentation of the application profile.

Per class (every sh:targetClass of the shapes): nl/en label and definition from the ontology
(rdfs:label / skos:prefLabel, skos:definition / rdfs:comment, language-tagged), then one row
per property shape: path, nl/en label and definition (ontology, else sh:name / sh:description),
cardinality, datatype or class, codelist (sh:in values with their skos:prefLabel, qb:codeList,
or skos:Concept), other constraints, severity, and the profile file; finally a generated
Turtle example of an instance. Templates: graph_server/validation/templates/profile_doc.*.j2.

Output folder:
    index.html, index.md         the whole profile, one section per class
    examples/<Class>.ttl         the example snippets as files (they parse as Turtle)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from graph_server.validation.engine import SH
from graph_server.validation.messages import Prefixes, render_path
from graph_server.validation.policy import LEVEL_PREDICATES, apply_levels, load_shape_set
from graph_server.validation.rdfio import iter_rdf_files, load_graph

QB = Namespace("http://purl.org/linked-data/cube#")
EXAMPLE_BASE = "https://data.tienen.be/id/"
EXTRA_CONSTRAINTS = ("pattern", "minLength", "maxLength", "minInclusive", "maxInclusive", "minExclusive",
                     "maxExclusive", "nodeKind", "languageIn", "uniqueLang", "hasValue", "node")
EXAMPLE_VALUES = {
    XSD.string: '"voorbeeld"',
    RDF.langString: '"voorbeeld"@nl',
    XSD.boolean: "true",
    XSD.integer: "1",
    XSD.int: '"1"^^xsd:int',
    XSD.nonNegativeInteger: '"1"^^xsd:nonNegativeInteger',
    XSD.positiveInteger: '"1"^^xsd:positiveInteger',
    XSD.decimal: "1.5",
    XSD.double: "1.5e0",
    XSD.float: '"1.5"^^xsd:float',
    XSD.date: '"2024-05-01"^^xsd:date',
    XSD.dateTime: '"2024-05-01T09:30:00+02:00"^^xsd:dateTime',
    XSD.time: '"09:30:00"^^xsd:time',
    XSD.gYear: '"2024"^^xsd:gYear',
    XSD.duration: '"P14D"^^xsd:duration',
    XSD.anyURI: '"https://www.tienen.be/"^^xsd:anyURI',
    URIRef("http://www.opengis.net/ont/geosparql#wktLiteral"):
        '"POINT(4.9384 50.8075)"^^<http://www.opengis.net/ont/geosparql#wktLiteral>',
}


@dataclass
class Text:
    nl: str = ""
    en: str = ""

    def __bool__(self) -> bool:
        return bool(self.nl or self.en)


@dataclass
class PropertyDoc:
    path: str            # CURIE or rendered path
    path_iri: str
    label: Text
    definition: Text
    min_count: int
    max_count: int | None
    datatype: str = ""
    class_: str = ""
    class_anchor: str = ""
    codelist: list[tuple[str, str]] = field(default_factory=list)  # (CURIE, label)
    codelist_name: str = ""
    constraints: list[str] = field(default_factory=list)
    severity: str = "Violation"
    profile: str = ""
    example: str = ""

    @property
    def cardinality(self) -> str:
        return f"{self.min_count}..{'*' if self.max_count is None else self.max_count}"

    @property
    def required(self) -> bool:
        return self.min_count > 0

    @property
    def type_text(self) -> str:
        return self.datatype or self.class_ or ""


@dataclass
class ClassDoc:
    iri: str
    curie: str
    anchor: str
    label: Text
    definition: Text
    shapes: list[str]
    profiles: list[str]
    properties: list[PropertyDoc]
    example: str


def _texts(graph: Graph, subject: Node, predicates: Sequence[URIRef]) -> Text:
    text = Text()
    for predicate in predicates:
        for value in graph.objects(subject, predicate):
            if not isinstance(value, Literal):
                continue
            lang = (value.language or "").lower()
            if lang.startswith("nl") and not text.nl:
                text.nl = str(value)
            elif lang.startswith("en") and not text.en:
                text.en = str(value)
            elif not lang and not text.nl:
                text.nl = str(value)
    return text


LABELS = (SKOS.prefLabel, RDFS.label, SH.name)
DEFINITIONS = (SKOS.definition, RDFS.comment, SH.description)


def _anchor(iri: str) -> str:
    local = iri.rsplit("#", 1)[-1].rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^A-Za-z0-9_-]+", "-", local).strip("-") or "klasse"


def _int(value: Node | None, default: int | None) -> int | None:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


class _Builder:
    def __init__(self, ontology: Graph, codelists: Graph, shapes_graphs: list[tuple[str, Graph]]):
        self.ontology = ontology
        self.codelists = codelists
        self.shapes_graphs = shapes_graphs
        self.prefixes = Prefixes(*(g for _, g in shapes_graphs), ontology)
        self.targets: dict[str, str] = {}
        for _, graph in shapes_graphs:
            for cls in graph.objects(None, SH.targetClass):
                if isinstance(cls, URIRef):
                    self.targets[str(cls)] = _anchor(str(cls))

    def label_of(self, node: Node) -> Text:
        text = _texts(self.ontology, node, LABELS)
        if not text:
            text = _texts(self.codelists, node, LABELS)
        return text

    def property_doc(self, graph: Graph, prop: Node, profile: str) -> PropertyDoc:
        path = graph.value(prop, SH.path)
        path_text = render_path(path, graph, self.prefixes) if path is not None else "?"
        label = self.label_of(path) if isinstance(path, URIRef) else Text()
        shape_label = _texts(graph, prop, (SH.name,))
        if not label:
            label = shape_label
        definition = _texts(self.ontology, path, DEFINITIONS) if isinstance(path, URIRef) else Text()
        if not definition:
            definition = _texts(graph, prop, (SH.description,))
        doc = PropertyDoc(
            path=path_text, path_iri=str(path) if isinstance(path, URIRef) else "",
            label=label, definition=definition,
            min_count=_int(graph.value(prop, SH.minCount), 0) or 0,
            max_count=_int(graph.value(prop, SH.maxCount), None),
            profile=profile,
        )
        datatype = graph.value(prop, SH.datatype)
        cls = graph.value(prop, SH["class"])
        if datatype is not None:
            doc.datatype = self.prefixes.term(datatype)
        if cls is not None:
            doc.class_ = self.prefixes.term(cls)
            doc.class_anchor = self.targets.get(str(cls), "")
        in_list = graph.value(prop, SH["in"])
        if in_list is not None:
            try:
                values = list(Collection(graph, in_list))
            except Exception:  # noqa: BLE001 - malformed list: document what parses
                values = []
            for value in values:
                text = self.label_of(value)
                doc.codelist.append((self.prefixes.term(value), text.nl or text.en))
            scheme = next((self.codelists.value(v, SKOS.inScheme) for v in values
                           if self.codelists.value(v, SKOS.inScheme) is not None), None)
            if scheme is not None:
                doc.codelist_name = (self.label_of(scheme).nl or self.prefixes.term(scheme))
        for scheme in graph.objects(prop, QB.codeList):
            doc.codelist_name = self.label_of(scheme).nl or self.prefixes.term(scheme)
        for name in EXTRA_CONSTRAINTS:
            for value in graph.objects(prop, SH[name]):
                if name in ("languageIn",):
                    try:
                        rendered = ", ".join(str(v) for v in Collection(graph, value))
                    except Exception:  # noqa: BLE001
                        rendered = "?"
                elif isinstance(value, Literal):
                    rendered = str(value)
                else:
                    rendered = self.prefixes.term(value)
                doc.constraints.append(f"{name} {rendered}")
        severity = graph.value(prop, SH.severity)
        for predicate in LEVEL_PREDICATES:
            level = graph.value(prop, predicate)
            if level is not None:
                doc.constraints.append(f"niveau/level {str(level).rsplit('#', 1)[-1]}")
        if isinstance(severity, URIRef):
            doc.severity = str(severity).rsplit("#", 1)[-1]
        doc.example = self.example_value(graph, prop, doc)
        return doc

    def example_value(self, graph: Graph, prop: Node, doc: PropertyDoc) -> str:
        in_list = graph.value(prop, SH["in"])
        if in_list is not None:
            try:
                first = next(iter(Collection(graph, in_list)))
                return first.n3() if isinstance(first, (URIRef, Literal)) else '"?"'
            except StopIteration:
                return '"?"'
        has_value = graph.value(prop, SH.hasValue)
        if isinstance(has_value, (URIRef, Literal)):
            return has_value.n3()
        datatype = graph.value(prop, SH.datatype)
        if datatype is not None:
            if datatype in EXAMPLE_VALUES:
                value = EXAMPLE_VALUES[datatype]
            else:
                value = f'"voorbeeld"^^{URIRef(datatype).n3()}'
            pattern = graph.value(prop, SH.pattern)
            if pattern is not None and datatype == XSD.string:
                value = f'"{_pattern_example(str(pattern))}"'
            return value
        cls = graph.value(prop, SH["class"])
        known = next((s for s in self.codelists.subjects(RDF.type, cls) if isinstance(s, URIRef)), None) \
            if cls is not None else None
        if known is not None:  # a real codelist value / instance from the loaded graphs
            return known.n3()
        local = "ding"
        if isinstance(cls, URIRef):
            local = _anchor(str(cls)).lower()
        elif isinstance(doc.path_iri, str) and doc.path_iri:
            local = _anchor(doc.path_iri).lower()
        kind = graph.value(prop, SH.nodeKind)
        if kind == SH.Literal:
            return '"voorbeeld"'
        return f"<{EXAMPLE_BASE}{local}/1>"

    def class_doc(self, cls: URIRef) -> ClassDoc:
        properties: list[PropertyDoc] = []
        shapes: list[str] = []
        profiles: list[str] = []
        for profile, graph in self.shapes_graphs:
            for shape in graph.subjects(SH.targetClass, cls):
                shapes.append(self.prefixes.short(str(shape)) if isinstance(shape, URIRef) else "[]")
                if profile not in profiles:
                    profiles.append(profile)
                for prop in graph.objects(shape, SH.property):
                    properties.append(self.property_doc(graph, prop, profile))
        properties.sort(key=lambda p: (not p.required, p.path))
        label = self.label_of(cls)
        definition = _texts(self.ontology, cls, DEFINITIONS)
        if not label:
            for _, graph in self.shapes_graphs:
                for shape in graph.subjects(SH.targetClass, cls):
                    label = _texts(graph, shape, (RDFS.label, SH.name))
                    if label:
                        break
        curie = self.prefixes.term(cls)
        return ClassDoc(iri=str(cls), curie=curie, anchor=_anchor(str(cls)), label=label, definition=definition,
                        shapes=shapes, profiles=profiles, properties=properties,
                        example=self.example(cls, curie, properties))

    def example(self, cls: URIRef, curie: str, properties: list[PropertyDoc]) -> str:
        """A small Turtle snippet: one instance with a value for every simple-path property."""
        used: dict[str, str] = {"xsd": str(XSD)}
        for prefix, ns in self.prefixes.items():
            used.setdefault(prefix, ns)
        subject = f"<{EXAMPLE_BASE}{_anchor(str(cls)).lower()}/1>"
        entries = [(f"{subject} a {_n3(cls, self.prefixes)}", "")]
        seen: set[str] = set()
        for prop in properties:
            if not prop.path_iri or prop.path_iri in seen or prop.max_count == 0:
                continue
            seen.add(prop.path_iri)
            entries.append((f"    {_n3(URIRef(prop.path_iri), self.prefixes)} {prop.example}",
                            "" if prop.required else "optioneel / optional"))
        lines = []
        for i, (statement, comment) in enumerate(entries):
            separator = " ;" if i < len(entries) - 1 else " ."
            lines.append(statement + separator + (f"  # {comment}" if comment else ""))
        text = "\n".join(lines) + "\n"
        needed = sorted({m.group(1) for m in re.finditer(r"(?<![\w<\"/#.-])([A-Za-z][\w-]*):[A-Za-z_]", text)
                         if m.group(1) in used})
        header = "".join(f"@prefix {p}: <{used[p]}> .\n" for p in needed)
        return header + "\n" + text


def _n3(iri: URIRef, prefixes: Prefixes) -> str:
    curie = prefixes.curie(str(iri))
    if curie.startswith("<"):
        return curie
    local = curie.split(":", 1)[1]
    # Turtle local names may not start with a digit after some prefixes or contain '/'
    if re.fullmatch(r"[A-Za-z_][\w.-]*", local) and not local.endswith("."):
        return curie
    return f"<{iri}>"


def _pattern_example(pattern: str) -> str:
    """A string matching simple patterns used for codes (postcode, house number)."""
    known = {r"^[1-9][0-9]{3}$": "3300", r"^[0-9]+[A-Za-z]?$": "27"}
    if pattern in known:
        return known[pattern]
    digits = re.fullmatch(r"\^?\[0-9\]\{(\d+)\}\$?", pattern)
    if digits:
        return "1" * int(digits.group(1))
    return "voorbeeld"


def build_model(shapes: Sequence[Path | str], ontology: Sequence[Path | str] = (),
                codelists: Sequence[Path | str] = ()) -> list[ClassDoc]:
    shape_set = load_shape_set(shapes)
    onto = Graph(bind_namespaces="core")
    for path in iter_rdf_files(ontology):
        load_graph(path, into=onto)
    lists = Graph(bind_namespaces="core")
    lists += onto  # codelists often live beside the ontology (ontology/codelists/)
    lists += shape_set.support
    for path in iter_rdf_files(codelists):
        load_graph(path, into=lists)
    builder = _Builder(onto, lists, [(p.name, apply_levels(p.graph)) for p in shape_set.profiles])
    classes: list[URIRef] = []
    for _, graph in builder.shapes_graphs:
        for cls in graph.objects(None, SH.targetClass):
            if isinstance(cls, URIRef) and cls not in classes:
                classes.append(cls)
    docs = [builder.class_doc(cls) for cls in classes]
    docs.sort(key=lambda d: ((d.label.nl or d.curie).lower()))
    anchors: dict[str, int] = {}
    for doc in docs:  # unique anchors (two namespaces may share a local name)
        n = anchors.get(doc.anchor, 0)
        anchors[doc.anchor] = n + 1
        if n:
            doc.anchor = f"{doc.anchor}-{n + 1}"
    return docs


def build_documentation(shapes: Sequence[Path | str], ontology: Sequence[Path | str], out: Path, *,
                        codelists: Sequence[Path | str] = (), title: str | None = None) -> list[Path]:
    from graph_server.validation.report import _environment

    docs = build_model(shapes, ontology, codelists)
    out = Path(out)
    (out / "examples").mkdir(parents=True, exist_ok=True)
    context = {
        "title": title or "Applicatieprofiel / application profile",
        "classes": docs,
        "shapes": [str(s) for s in shapes],
        "ontology": [str(o) for o in ontology],
    }
    env = _environment()
    written = []
    for template, name in (("profile_doc.html.j2", "index.html"), ("profile_doc.md.j2", "index.md")):
        target = out / name
        target.write_text(env.get_template(template).render(**context), encoding="utf-8")
        written.append(target)
    for doc in docs:
        target = out / "examples" / f"{doc.anchor}.ttl"
        target.write_text(doc.example, encoding="utf-8")
        written.append(target)
    return written


__all__ = ["ClassDoc", "PropertyDoc", "build_documentation", "build_model"]
