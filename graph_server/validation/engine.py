"""Runs a SHACL engine (pySHACL or pyshacl-turbo, same API) and turns its report graph into
typed results; or the project's own SPARQL-on-Oxigraph engine ("oxigraph", see
sparql_engine.py), which yields the same typed results directly."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

SH = Namespace("http://www.w3.org/ns/shacl#")
ENGINES = ("pyshacl", "pyshacl-turbo", "oxigraph")


class ShaclEngineError(RuntimeError):
    """The engine refused to validate (a "validation failure" in SHACL terms: e.g. an
    unsupported SPARQL construct or a malformed shape). Carries the engine's own message."""


@dataclass(frozen=True)
class ShaclResult:
    focus_node: Node
    path: Node | None
    value: Node | None
    message: str
    severity: str  # "Violation" | "Warning" | "Info"
    source_shape: Node | None
    constraint: str  # local name of the constraint component, e.g. "MinCountConstraintComponent"
    # Full IRIs: SPARQL-based components live outside the sh: namespace, and sh:severity may
    # be any IRI (then `severity` holds its local name).
    constraint_iri: str = ""
    severity_iri: str = ""


@dataclass
class ValidationReport:
    conforms: bool
    results: list[ShaclResult] = field(default_factory=list)
    report_graph: Graph | None = None
    # sh:conforms as the engine wrote it (false as soon as any result exists, whatever its
    # severity); `conforms` above is the project's policy (no Violation).
    engine_conforms: bool | None = None

    def by_severity(self, severity: str) -> list[ShaclResult]:
        return [r for r in self.results if r.severity == severity]


def _engine(name: str):
    if name == "pyshacl":
        import pyshacl
        return pyshacl.validate
    if name == "pyshacl-turbo":
        import pyshacl_turbo
        return pyshacl_turbo.validate
    raise ValueError(f"unknown SHACL engine {name!r}; choose one of {', '.join(ENGINES)}")


def validate(data: Graph, shapes: Graph, *, engine: str = "pyshacl", ontology: Graph | None = None,
             advanced: bool = True) -> ValidationReport:
    """Validate `data` against `shapes`. Results of every severity are returned; whether
    warnings count as failure is the caller's policy."""
    if engine == "oxigraph":
        return _validate_oxigraph(data, shapes, ontology=ontology, advanced=advanced)
    run = _engine(engine)
    try:
        _conforms, report_graph, text = run(
            data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=advanced,
            allow_warnings=False, allow_infos=False,
        )
    except ImportError:
        raise
    except Exception as exc:  # noqa: BLE001 - engines raise ValueError, RuntimeError, ... on bad shapes
        # e.g. pyshacl-turbo: "Invalid IRI code point ' '" for a shape IRI with a space;
        # pySHACL: NotImplementedError for $shapesGraph. Callers get one exception type.
        message = " ".join(str(exc).split()) or type(exc).__name__
        raise ShaclEngineError(f"{engine}: {message}") from exc
    if not isinstance(report_graph, Graph):
        # Both engines return (False, <ValidationFailure>, "Validation Failure - ...") instead
        # of raising when the shapes cannot be evaluated.
        raise ShaclEngineError(str(getattr(report_graph, "message", None) or report_graph or text))
    report_node = next(report_graph.subjects(RDF.type, SH.ValidationReport), None)
    # Only the report's own sh:result values: pySHACL also types the nested sh:detail results
    # (of sh:node, sh:not, ...) as sh:ValidationResult, and those are explanations, not results.
    nodes = list(report_graph.objects(report_node, SH.result)) if report_node is not None else \
        list(report_graph.subjects(RDF.type, SH.ValidationResult))
    results = [_result(report_graph, node) for node in nodes]
    conforms = not any(r.severity == "Violation" for r in results)
    raw = report_graph.value(report_node, SH.conforms) if report_node is not None else None
    engine_conforms = bool(raw.toPython()) if isinstance(raw, Literal) else None
    return ValidationReport(conforms=conforms, results=results, report_graph=report_graph,
                            engine_conforms=engine_conforms)


def _result(graph: Graph, node: Node) -> ShaclResult:
    def one(predicate):
        return graph.value(node, predicate)

    severity = one(SH.resultSeverity)
    component = one(SH.sourceConstraintComponent)
    messages = [str(m) for m in graph.objects(node, SH.resultMessage)]
    return ShaclResult(
        focus_node=one(SH.focusNode),
        path=one(SH.resultPath),
        value=one(SH.value),
        message=messages[0] if messages else "",
        severity=str(severity).rsplit("#", 1)[-1] if isinstance(severity, URIRef) else "Violation",
        source_shape=one(SH.sourceShape),
        constraint=str(component).rsplit("#", 1)[-1] if component is not None else "",
        constraint_iri=str(component) if component is not None else "",
        severity_iri=str(severity) if isinstance(severity, URIRef) else str(SH.Violation),
    )


# --- the oxigraph engine ---------------------------------------------------------------------
def compile_shapes(shapes: Graph, *, advanced: bool = True):
    """Compile a shapes graph for `validate_store` (oxigraph engine). Raises ShaclEngineError
    (UnsupportedShaclFeature) when a shape uses something the engine does not implement."""
    from graph_server.validation import sparql_engine
    return sparql_engine.compile_shapes(shapes, advanced=advanced)


def validate_store(store, compiled) -> list[ShaclResult]:
    """Validate the default graph of a pyoxigraph Store against compiled shapes (or a shapes
    Graph, compiled once and cached): the ingest gate's entry point, no rdflib on the data."""
    from graph_server.validation import sparql_engine
    return sparql_engine.validate_store(store, compiled)


def _validate_oxigraph(data: Graph, shapes: Graph, *, ontology: Graph | None, advanced: bool) -> ValidationReport:
    from graph_server.validation import sparql_engine
    compiled = sparql_engine.compiled_for(shapes, advanced=advanced)
    store, terms = sparql_engine.graph_to_store(data)
    if ontology is not None:  # pySHACL mixes the ontology into (a copy of) the data graph
        sparql_engine.graph_to_store(ontology, store, terms)
    results = sparql_engine.validate_store(store, compiled, namespaces=data, terms=terms)
    report_graph = sparql_engine.report_graph(results, shapes)
    conforms = not any(r.severity == "Violation" for r in results)
    return ValidationReport(conforms=conforms, results=results, report_graph=report_graph,
                            engine_conforms=not results)
