"""Validation policy on top of `engine.validate()`: profiles, severity levels, plain messages.

Profiles
    A shapes folder holds one Turtle file per application profile (or per class). OSLO profiles
    disagree on shared classes (gebouwenregister requires `locn:fullAddress` 1..1 on every
    `locn:Address`, the address profile makes it optional), so merging all files into one
    shapes graph turns valid data invalid. Each file is therefore run on its own and the
    results are the union of the per-file runs (identical results from two files are kept
    once, with both files named).

    A file in the folder that holds no shapes (no sh:NodeShape / sh:PropertyShape / sh:target*)
    is a *support graph*: codelists (skos:ConceptScheme), ontology snippets. Support graphs are
    added to the data graph of every run, so `sh:class skos:Concept` can see the codelist
    values (`--codelists` adds more).

Severity levels (MUST / SHOULD / MAY)
    A shape may carry `schakel:level` (`schakel:` = https://data.tienen.be/ns/schakel#, or the
    ontology's `sk:` = https://w3id.org/schakel/ns#) with the
    value "MUST", "SHOULD" or "MAY" (string, case-insensitive; Dutch "MOET", "BEHOORT", "MAG"
    and the IRIs schakel:MUST / schakel:SHOULD / schakel:MAY work too). It maps to
    sh:Violation / sh:Warning / sh:Info. Precedence for a shape:
      1. its own schakel:level,
      2. its own sh:severity,
      3. the schakel:level of the node shape it belongs to (via sh:property),
      4. sh:Violation (SHACL's default).
    The levels are written into a copy of the shapes graph as sh:severity before the engine
    runs, so both engines report them natively.

Exit policy (`schakel shapes validate`): Violations fail; Warnings fail unless
`--allow-warnings`; Infos never fail.
"""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from graph_server.validation.engine import SH, ShaclEngineError, ShaclResult, validate
from graph_server.validation.messages import Prefixes, describe
from graph_server.validation.rdfio import RdfLoadError, iter_rdf_files, load_graph

SCHAKEL = Namespace("https://data.tienen.be/ns/schakel#")
# The project's ontology (ontology/schakel.ttl) uses sk: = https://w3id.org/schakel/ns#;
# a level annotation is accepted in either namespace.
SK = Namespace("https://w3id.org/schakel/ns#")
LEVEL_PREDICATES = (SCHAKEL.level, SK.level)
SEVERITIES = ("Violation", "Warning", "Info")
LEVEL_TO_SEVERITY = {
    "MUST": SH.Violation, "MOET": SH.Violation, "MOETEN": SH.Violation, "VERPLICHT": SH.Violation,
    "SHOULD": SH.Warning, "BEHOORT": SH.Warning, "AANBEVOLEN": SH.Warning,
    "MAY": SH.Info, "MAG": SH.Info, "OPTIONEEL": SH.Info,
}
SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape)
TARGET_PREDICATES = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
SHAPE_EXTENSIONS = (".ttl", ".turtle", ".nt", ".n3", ".trig", ".jsonld", ".rdf", ".owl")


class PolicyError(ValueError):
    """Validation could not run (no shapes, unknown level value, engine failure)."""


@dataclass
class Profile:
    """One shapes file, validated on its own."""
    name: str
    path: Path | None
    graph: Graph

    @classmethod
    def from_graph(cls, name: str, graph: Graph) -> "Profile":
        return cls(name=name, path=None, graph=graph)


@dataclass
class ShapeSet:
    profiles: list[Profile]
    support: Graph  # codelists / ontology files found beside the shapes
    support_files: list[str] = field(default_factory=list)


def is_shapes_graph(graph: Graph) -> bool:
    if any(True for t in SHAPE_TYPES for _ in graph.subjects(RDF.type, t)):
        return True
    return any(True for p in (*TARGET_PREDICATES, SH.property, SH.path) for _ in graph.triples((None, p, None)))


def load_shape_set(paths: Sequence[Path | str], extra_support: Sequence[Path | str] = ()) -> ShapeSet:
    """Read shapes files/folders. Raises RdfLoadError (file:line) or PolicyError."""
    files = iter_rdf_files(paths, extensions=SHAPE_EXTENSIONS)
    profiles: list[Profile] = []
    support = Graph(bind_namespaces="core")
    support_files: list[str] = []
    for path in files:
        graph = load_graph(path)
        if is_shapes_graph(graph):
            profiles.append(Profile(name=path.name, path=path, graph=graph))
        else:
            support += graph
            support_files.append(str(path))
    for path in iter_rdf_files(extra_support):
        load_graph(path, into=support)
        support_files.append(str(path))
    if not profiles:
        where = ", ".join(str(p) for p in paths) or "(nothing given)"
        raise PolicyError(f"{where}: no SHACL shapes found")
    names = Counter(p.name for p in profiles)
    for profile in profiles:  # same file name in two folders: keep them apart in reports
        if names[profile.name] > 1 and profile.path is not None:
            profile.name = str(profile.path)
    return ShapeSet(profiles=profiles, support=support, support_files=support_files)


def _level(graph: Graph, shape: Node) -> URIRef | None:
    value = next((v for p in LEVEL_PREDICATES for v in graph.objects(shape, p)), None)
    if value is None:
        return None
    key = str(value).rsplit("#", 1)[-1].strip().upper() if isinstance(value, URIRef) else str(value).strip().upper()
    if key not in LEVEL_TO_SEVERITY:
        raise PolicyError(f"shape {value!s}: unknown schakel:level {str(value)!r} "
                          f"(use MUST, SHOULD or MAY)")
    return LEVEL_TO_SEVERITY[key]


def apply_levels(shapes: Graph) -> Graph:
    """A copy of `shapes` with schakel:level turned into sh:severity (see module docstring)."""
    leveled = list({s for p in LEVEL_PREDICATES for s in shapes.subjects(p, None)})
    if not leveled:
        return shapes
    out = Graph(bind_namespaces="core")
    for prefix, ns in shapes.namespaces():
        out.bind(prefix, ns, override=False)
    out += shapes
    for shape in leveled:
        severity = _level(shapes, shape)
        out.remove((shape, SH.severity, None))
        out.add((shape, SH.severity, severity))
        for prop in shapes.objects(shape, SH.property):
            if any((prop, p, None) in shapes for p in LEVEL_PREDICATES) or (prop, SH.severity, None) in shapes:
                continue
            out.add((prop, SH.severity, severity))
    return out


@dataclass(frozen=True)
class Finding:
    """One result with everything a report needs, in words."""
    result: ShaclResult
    profile: str
    message_nl: str
    message_en: str
    shape: str          # grouping label: "adres:AdresShape › adres:huisnummer"
    shape_iri: str      # IRI of the node shape (or "" for a blank node shape)
    focus: str
    path: str
    value: str
    also_in: tuple[str, ...] = ()
    shape_message: str = ""  # the shape's own sh:message, when it has one

    @property
    def severity(self) -> str:
        return self.result.severity

    def to_json(self) -> dict:
        r = self.result
        return {
            "severity": r.severity,
            "constraint": r.constraint,
            "focus_node": str(r.focus_node),
            "focus": self.focus,
            "path": self.path,
            "value": self.value,
            "source_shape": str(r.source_shape) if isinstance(r.source_shape, URIRef) else self.shape,
            "profile": self.profile,
            "also_in": list(self.also_in),
            "message": {"nl": self.message_nl, "en": self.message_en},
            "shape_message": self.shape_message,
            "engine_message": r.message,
        }


@dataclass
class ProfileRun:
    profile: str
    results: int
    seconds: float = 0.0


@dataclass
class ShapeGroup:
    shape: str
    shape_iri: str
    profile: str
    findings: list[Finding]

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(f.severity for f in self.findings)
        return {s: c[s] for s in SEVERITIES if c[s]}

    @property
    def worst(self) -> str:
        return next((s for s in SEVERITIES if any(f.severity == s for f in self.findings)), "Info")


@dataclass
class PolicyReport:
    findings: list[Finding]
    runs: list[ProfileRun]
    engine: str
    data_sources: list[str] = field(default_factory=list)
    support_files: list[str] = field(default_factory=list)
    data_triples: int = 0
    report_graphs: list[tuple[str, Graph]] = field(default_factory=list, repr=False)

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(f.severity for f in self.findings)
        return {s: c[s] for s in SEVERITIES}

    @property
    def conforms(self) -> bool:
        return self.counts["Violation"] == 0

    def passes(self, allow_warnings: bool = False) -> bool:
        counts = self.counts
        return counts["Violation"] == 0 and (allow_warnings or counts["Warning"] == 0)

    def exit_code(self, allow_warnings: bool = False) -> int:
        return 0 if self.passes(allow_warnings) else 1

    def groups(self) -> list[ShapeGroup]:
        """Findings grouped per source shape, worst and largest groups first."""
        grouped: "OrderedDict[tuple[str, str], ShapeGroup]" = OrderedDict()
        for f in self.findings:
            key = (f.profile, f.shape)
            if key not in grouped:
                grouped[key] = ShapeGroup(shape=f.shape, shape_iri=f.shape_iri, profile=f.profile, findings=[])
            grouped[key].findings.append(f)
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        return sorted(grouped.values(), key=lambda g: (rank[g.worst], -len(g.findings), g.profile, g.shape))


def _shape_label(shapes: Graph, shape: Node | None, prefixes: Prefixes) -> tuple[str, str]:
    """("adres:AdresShape › adres:huisnummer", node shape IRI) for a property shape."""
    if shape is None:
        return "(unknown shape)", ""
    parent = next(shapes.subjects(SH.property, shape), None)
    path = shapes.value(shape, SH.path)
    path_text = prefixes.term(path, shapes) if path is not None else ""
    if parent is not None:
        parent_text = prefixes.short(str(parent)) if isinstance(parent, URIRef) else "[]"
        own = prefixes.short(str(shape)) if isinstance(shape, URIRef) else ""
        label = f"{parent_text} › {path_text}" if path_text else parent_text
        if own:
            label = f"{own} ({label})"
        return label, str(parent) if isinstance(parent, URIRef) else ""
    if isinstance(shape, URIRef):
        text = prefixes.short(str(shape))
        return (f"{text} › {path_text}" if path_text and not isinstance(path, URIRef) else text), str(shape)
    name = shapes.value(shape, SH.name)
    return (f"[{path_text or name or 'anonymous shape'}]"), ""


def run_profiles(data: Graph, shape_set: ShapeSet, *, engine: str = "pyshacl",
                 data_sources: Iterable[str] = ()) -> PolicyReport:
    """Validate `data` against every profile separately; union of the results."""
    import time

    findings: "OrderedDict[tuple, Finding]" = OrderedDict()
    runs: list[ProfileRun] = []
    graphs: list[tuple[str, Graph]] = []
    # Support graphs (codelists) join the data graph itself: pySHACL's ont_graph only
    # "inoculates" class axioms, so `sh:class skos:Concept` would not see the concepts.
    validated = data
    if len(shape_set.support):
        validated = Graph(bind_namespaces="core")
        validated += data
        validated += shape_set.support
    for profile in shape_set.profiles:
        shapes = apply_levels(profile.graph)
        prefixes = Prefixes(shapes, data)
        started = time.perf_counter()
        try:
            report = validate(validated, shapes, engine=engine)
        except ShaclEngineError as exc:
            raise PolicyError(f"{profile.name}: the SHACL engine refused the shapes: {exc}") from None
        runs.append(ProfileRun(profile.name, len(report.results), time.perf_counter() - started))
        if report.report_graph is not None:
            graphs.append((profile.name, report.report_graph))
        for result in report.results:
            key = (result.focus_node, _path_key(result.path, shapes), result.value, result.constraint,
                   result.source_shape if isinstance(result.source_shape, URIRef) else
                   _shape_label(shapes, result.source_shape, prefixes)[0], result.severity)
            if key in findings:
                existing = findings[key]
                if profile.name != existing.profile and profile.name not in existing.also_in:
                    findings[key] = _with_also(existing, profile.name)
                continue
            message = describe(result, shapes, prefixes, report.report_graph)
            label, shape_iri = _shape_label(shapes, result.source_shape, prefixes)
            findings[key] = Finding(
                result=result, profile=profile.name, message_nl=message.nl, message_en=message.en,
                shape=label, shape_iri=shape_iri, focus=prefixes.term(result.focus_node),
                path=prefixes.term(result.path, report.report_graph if report.report_graph is not None else shapes),
                value=prefixes.term(result.value) if result.value is not None else "",
                shape_message=result.message if result.source_shape is not None
                and (result.source_shape, SH.message, None) in shapes else "",
            )
    return PolicyReport(findings=list(findings.values()), runs=runs, engine=engine,
                        data_sources=list(data_sources), support_files=shape_set.support_files,
                        data_triples=len(data), report_graphs=graphs)


def _path_key(path: Node | None, shapes: Graph):
    if path is None or isinstance(path, URIRef):
        return path
    return Prefixes().term(path, shapes)


def _with_also(finding: Finding, profile: str) -> Finding:
    from dataclasses import replace
    return replace(finding, also_in=(*finding.also_in, profile))


def load_data(paths: Sequence[Path | str]) -> tuple[Graph, list[str]]:
    """Merge the data files (Turtle, N-Triples, JSON-LD, TriG, ...) into one graph."""
    data = Graph(bind_namespaces="core")
    files = iter_rdf_files(paths)
    if not files:
        raise PolicyError("no data files given")
    for path in files:
        load_graph(path, into=data)
    return data, [str(p) for p in files]


__all__ = [
    "Finding", "PolicyError", "PolicyReport", "Profile", "ProfileRun", "RdfLoadError", "SCHAKEL",
    "SEVERITIES", "ShapeGroup", "ShapeSet", "apply_levels", "is_shapes_graph", "load_data",
    "load_shape_set", "run_profiles",
]
