"""What the graph can contain, read from the project's own files: the vocabulary of
`ontology/` (terms with their Dutch labels, codelist concepts) and, from `mappings/*.yml`,
which classes, properties and entity IRIs each named graph holds.

The guard uses the vocabulary to refuse queries with invented terms; escalation uses the
per-graph contents to decide which graphs a query needs without running it; the LLM prompt
gets a summary limited to the graphs of the asker's role.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS
from ruamel.yaml import YAML

from graph_server.config import PROJECT_ROOT, Config

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_TYPE = RDF_NS + "type"
ONTOLOGY_GRAPH = "ontologie"
_TERM_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property}


@dataclass
class GraphContents:
    name: str
    classes: set[str] = field(default_factory=set)
    predicates: set[str] = field(default_factory=set)
    subject_prefixes: set[str] = field(default_factory=set)  # entity IRI prefixes minted in this graph


@dataclass
class Schema:
    terms: dict[str, dict[str, str]]            # vocabulary IRI -> {"nl": label, "en": label, "kind": ...}
    concepts: dict[str, dict[str, str]]         # codelist concept IRI -> {"nl", "en", "notation", "scheme"}
    graphs: dict[str, GraphContents]            # logical graph name -> contents
    value_prefixes: set[str]                    # IRI prefixes of values the mappings mint (codes, ids)
    prefixes: dict[str, str]                    # prefix -> namespace (from mappings/_prefixes.yml)
    base_iri: str

    # --- vocabulary ---------------------------------------------------------------------
    def is_term(self, iri: str) -> bool:
        return iri in self.terms or iri == RDF_TYPE

    def is_known_value(self, iri: str) -> bool:
        if iri in self.concepts or iri in self.terms or iri.startswith(XSD) or iri.startswith(RDF_NS):
            return True
        return any(iri.startswith(p) for p in self.value_prefixes)

    def label(self, iri: str, lang: str = "nl") -> str | None:
        entry = self.terms.get(iri) or self.concepts.get(iri)
        return entry.get(lang) if entry else None

    # --- which graphs hold what ---------------------------------------------------------
    def graphs_with_term(self, iri: str) -> set[str]:
        return {g.name for g in self.graphs.values() if iri in g.classes or iri in g.predicates}

    def graphs_with_entity(self, iri: str) -> set[str]:
        return {g.name for g in self.graphs.values() if any(iri.startswith(p) for p in g.subject_prefixes)}

    def graphs_needed(self, iris: set[str], visible: set[str]) -> set[str]:
        """Graphs outside `visible` that a query over these IRIs cannot do without: a term or
        entity that only such graphs hold. (A term held by a visible graph too is answerable
        there, so it needs nothing more.)"""
        needed: set[str] = set()
        for iri in iris:
            holders = self.graphs_with_term(iri) | self.graphs_with_entity(iri)
            if holders and not holders & visible:
                needed |= holders
        return needed

    def summary(self, graph_names: set[str]) -> str:
        """A compact schema description of the given graphs for an LLM prompt."""
        inverse = {ns: p for p, ns in sorted(self.prefixes.items(), key=lambda kv: -len(kv[1]))}

        def short(iri: str) -> str:
            for ns, p in inverse.items():
                if iri.startswith(ns):
                    return f"{p}:{iri[len(ns):]}"
            return f"<{iri}>"

        lines = []
        for name in sorted(graph_names):
            contents = self.graphs.get(name)
            if contents is None or name == ONTOLOGY_GRAPH:
                continue
            classes = ", ".join(f"{short(c)} ({self.label(c) or ''})" for c in sorted(contents.classes))
            props = ", ".join(f"{short(p)} ({self.label(p) or ''})" for p in sorted(contents.predicates) if p != RDF_TYPE)
            lines.append(f"- {name}: klassen {classes}; eigenschappen {props}")
        return "\n".join(lines)

    def prefix_block(self) -> str:
        return "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in sorted(self.prefixes.items()))


def _expand(value: str, prefixes: dict[str, str]) -> str | None:
    if value == "a":
        return RDF_TYPE
    if re.match(r"^https?://", value):
        return value
    prefix, sep, local = value.partition(":")
    if sep and prefix in prefixes:
        return prefixes[prefix] + local
    return None


def _template_prefix(template: str, subst: dict[str, str]) -> str:
    for name, value in subst.items():
        template = template.replace("${" + name + "}", value)
    return template.split("$(", 1)[0]


def load_schema(config: Config, root: Path | None = None) -> Schema:
    root = root or PROJECT_ROOT
    terms: dict[str, dict[str, str]] = {}
    concepts: dict[str, dict[str, str]] = {}
    graph = rdflib.Graph()
    for path in sorted((root / "ontology").rglob("*.ttl")):
        graph.parse(path, format="turtle")
    for s, _, kind in graph.triples((None, RDF.type, None)):
        if kind in _TERM_TYPES and isinstance(s, rdflib.URIRef):
            terms.setdefault(str(s), {"kind": str(kind)})
    ontology_predicates: set[str] = set()
    ontology_classes: set[str] = set()
    for s, p, o in graph:
        ontology_predicates.add(str(p))
        if p == RDF.type:
            ontology_classes.add(str(o))
        if isinstance(s, rdflib.URIRef) and p in (RDFS.label, SKOS.prefLabel) and isinstance(o, rdflib.Literal):
            target = terms.get(str(s))
            if target is None:
                target = concepts.setdefault(str(s), {})
            if o.language in ("nl", "en"):
                target.setdefault(o.language, str(o))
        if isinstance(s, rdflib.URIRef) and p == SKOS.notation:
            concepts.setdefault(str(s), {})["notation"] = str(o)
        if isinstance(s, rdflib.URIRef) and p == SKOS.inScheme:
            concepts.setdefault(str(s), {})["scheme"] = str(o)
    # the terms the ontology graph itself uses (skos:inScheme, skos:Concept, ...) are queryable too
    for iri in ontology_predicates | ontology_classes:
        terms.setdefault(iri, {"kind": "used"})

    yaml = YAML(typ="safe", pure=True)
    prefixes = dict(yaml.load((root / "mappings" / "_prefixes.yml").read_text(encoding="utf-8"))["prefixes"])
    subst = {"BASE": config.city.base_iri, "NIS": config.city.nis_code, "CITY": config.city.name}
    graphs: dict[str, GraphContents] = {name: GraphContents(name) for name in config.graphs}
    graphs.setdefault(ONTOLOGY_GRAPH, GraphContents(ONTOLOGY_GRAPH))
    graphs[ONTOLOGY_GRAPH].classes |= ontology_classes
    graphs[ONTOLOGY_GRAPH].predicates |= ontology_predicates
    value_prefixes: set[str] = {config.city.base_iri + "id/"}
    for path in sorted((root / "mappings").glob("*.yml")):
        if path.name.startswith("_"):
            continue
        text = path.read_text(encoding="utf-8")
        for name, value in {**subst, "STAGING": "staging"}.items():
            text = text.replace("${" + name + "}", value)
        doc = yaml.load(text) or {}
        for mapping in (doc.get("mappings") or {}).values():
            graph_iri = str(mapping.get("graph", ""))
            name = config.graph_name(graph_iri)
            if name is None:
                continue
            contents = graphs[name]
            contents.subject_prefixes.add(_template_prefix(str(mapping["s"]), subst))
            for po in mapping.get("po", []):
                predicate = _expand(str(po[0]), prefixes)
                if predicate is None:
                    continue
                contents.predicates.add(predicate)
                obj = str(po[1])
                if predicate == RDF_TYPE:
                    cls = _expand(obj, prefixes)
                    if cls:
                        contents.classes.add(cls)
                elif obj.endswith("~iri"):
                    value_prefixes.add(_template_prefix(obj[: -len("~iri")], subst))
    return Schema(terms, concepts, graphs, {p for p in value_prefixes if len(p) > 10}, prefixes,
                  config.city.base_iri)
