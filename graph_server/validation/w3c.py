"""Runs the W3C SHACL test suite (data-shapes-test-suite: 98 core + 23 SPARQL `sht:Validate`
tests) through the project's `validate()` interface, so what is measured is what ingest uses.

A test passes when
  * it expects `sht:Failure` and the engine refuses (ShaclEngineError or any exception), or
  * it expects a report, the engine's sh:conforms equals the expected one, and the results
    match one-to-one on (focus node, path, value, severity, constraint component, source
    shape). Blank nodes are compared by structure: a path or a blank-node shape by its
    triples, a focus node or value only as "a blank node" (the data graph is copied by the
    engines, so its blank-node labels are not comparable). Messages and sh:detail are not
    compared (the suite leaves them implementation-defined, except `message-001`).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF
from rdflib.term import Node

from graph_server.config import PROJECT_ROOT
from graph_server.validation.engine import SH, ShaclEngineError, validate

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")
SHARED = PROJECT_ROOT.parent / "shared"
DEFAULT_SUITE = SHARED / "w3c-shacl-tests" / "data-shapes-test-suite" / "tests"


@dataclass
class SuiteTest:
    name: str           # "core/property/minCount-001"
    category: str       # "core" | "sparql"
    file: Path
    graph: Graph        # the parsed test file (holds the expected report)
    node: Node
    data_file: Path
    shapes_file: Path
    expected: Node      # sht:Failure or the expected report node
    status: str
    in_manifest: bool = True


@dataclass
class Outcome:
    test: SuiteTest
    engine: str
    passed: bool
    reason: str = ""
    seconds: float = 0.0


@dataclass
class SuiteRun:
    engine: str
    outcomes: list[Outcome] = field(default_factory=list)

    def passed(self, category: str | None = None) -> int:
        return sum(o.passed for o in self.outcomes if category is None or o.test.category == category)

    def total(self, category: str | None = None) -> int:
        return sum(1 for o in self.outcomes if category is None or o.test.category == category)

    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]


def _file_of(iri: Node) -> Path:
    return Path(str(iri).removeprefix("file://").split("#", 1)[0])


def discover(root: Path = DEFAULT_SUITE, *, include_orphans: bool = True) -> list[SuiteTest]:
    """All sht:Validate entries reachable from root/manifest.ttl via mf:include, plus (unless
    include_orphans is false) those in test files that no manifest includes."""
    tests: list[SuiteTest] = []
    seen: set[Path] = set()
    cache: dict[Path, Graph] = {}

    def parse(path: Path) -> Graph:
        if path not in cache:
            cache[path] = Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())
        return cache[path]

    def walk(path: Path) -> None:
        path = path.resolve()
        if path in seen:
            return
        seen.add(path)
        graph = parse(path)
        for manifest in graph.subjects(RDF.type, MF.Manifest):
            for include in graph.objects(manifest, MF.include):
                walk(_file_of(include))
            for entries in graph.objects(manifest, MF.entries):
                for entry in Collection(graph, entries):
                    if (entry, RDF.type, SHT.Validate) not in graph:
                        continue
                    action = graph.value(entry, MF.action)
                    rel = path.relative_to(root.resolve()).with_suffix("")
                    name = str(rel) if str(entry).rsplit("/", 1)[-1] == rel.name else \
                        f"{rel.parent}/{str(entry).rsplit('/', 1)[-1]}"
                    tests.append(SuiteTest(
                        name=name, category=rel.parts[0], file=path, graph=graph, node=entry,
                        data_file=_file_of(graph.value(action, SHT.dataGraph)),
                        shapes_file=_file_of(graph.value(action, SHT.shapesGraph)),
                        expected=graph.value(entry, MF.result),
                        status=str(graph.value(entry, MF.status) or "").rsplit("#", 1)[-1],
                    ))

    walk(root / "manifest.ttl")
    for test in tests:
        test.in_manifest = True
    if include_orphans:
        # Test files no manifest includes (sparql/component/nodeValidator-001 in this snapshot):
        # counted too, so the total matches the 121 test files the suite ships.
        for path in sorted(root.resolve().rglob("*.ttl")):
            if path not in seen and "sht:Validate" in path.read_text(encoding="utf-8"):
                before = len(tests)
                walk(path)
                for test in tests[before:]:
                    test.in_manifest = False
    return sorted(tests, key=lambda t: t.name)


def _describe(node: Node | None, graphs: Iterable[Graph], *, opaque_bnode: bool, depth: int = 0):
    """A comparable form of a term; blank nodes by structure (see module docstring)."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        return ("iri", str(node))
    if isinstance(node, Literal):
        return ("lit", str(node), str(node.datatype or ""), (node.language or "").lower())
    if opaque_bnode or depth > 6:
        return ("bnode",)
    graphs = list(graphs)
    for graph in graphs:
        if graph.value(node, RDF.first) is not None or node == RDF.nil:
            try:
                return ("list", tuple(_describe(i, graphs, opaque_bnode=False, depth=depth + 1)
                                      for i in Collection(graph, node)))
            except Exception:  # noqa: BLE001 - malformed list
                break
        triples = [(p, o) for p, o in graph.predicate_objects(node) if p not in (SH.message, SH.description)]
        if triples:
            return ("bnode", tuple(sorted((str(p), repr(_describe(o, graphs, opaque_bnode=False, depth=depth + 1)))
                                          for p, o in triples)))
    return ("bnode",)


def _key(graph_for_paths: list[Graph], focus, path, value, severity, component, shape):
    return (
        _describe(focus, [], opaque_bnode=True),
        _describe(path, graph_for_paths, opaque_bnode=False),
        _describe(value, [], opaque_bnode=True),
        str(severity),
        str(component),
        _describe(shape, graph_for_paths, opaque_bnode=False),
    )


def _expected_keys(test: SuiteTest) -> tuple[bool | None, Counter]:
    g = test.graph
    conforms = g.value(test.expected, SH.conforms)
    keys: Counter = Counter()
    shapes = _load(test.shapes_file, test)
    for result in g.objects(test.expected, SH.result):
        keys[_key([g, shapes], g.value(result, SH.focusNode), g.value(result, SH.resultPath),
                  g.value(result, SH.value), g.value(result, SH.resultSeverity),
                  g.value(result, SH.sourceConstraintComponent), g.value(result, SH.sourceShape))] += 1
    return (bool(conforms.toPython()) if isinstance(conforms, Literal) else None), keys


_graphs: dict[tuple[Path, Path], Graph] = {}


def _load(path: Path, test: SuiteTest) -> Graph:
    """The test file itself is reused (its blank nodes are those of the expected report)."""
    if path == test.file:
        return test.graph
    key = (test.file, path)
    if key not in _graphs:
        _graphs[key] = Graph().parse(path, format="turtle", publicID=path.resolve().as_uri())
    return _graphs[key]


def run_test(test: SuiteTest, engine: str) -> Outcome:
    started = time.perf_counter()
    expect_failure = test.expected == SHT.Failure
    try:
        data = _load(test.data_file, test)
        shapes = _load(test.shapes_file, test)
        report = validate(data, shapes, engine=engine)
    except ShaclEngineError as exc:
        return Outcome(test, engine, expect_failure, "" if expect_failure else f"engine failure: {exc}",
                       time.perf_counter() - started)
    except Exception as exc:  # noqa: BLE001 - an engine crash is a failed test, not a crashed run
        reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        return Outcome(test, engine, expect_failure, "" if expect_failure else reason,
                       time.perf_counter() - started)
    seconds = time.perf_counter() - started
    if expect_failure:
        return Outcome(test, engine, False, "expected a validation failure, got a report", seconds)
    expected_conforms, expected = _expected_keys(test)
    rg = report.report_graph if report.report_graph is not None else Graph()
    actual: Counter = Counter()
    for r in report.results:
        actual[_key([rg, shapes], r.focus_node, r.path, r.value, r.severity_iri or SH[r.severity],
                    r.constraint_iri or SH[r.constraint],
                    r.source_shape)] += 1
    if expected_conforms is not None and report.engine_conforms != expected_conforms:
        return Outcome(test, engine, False,
                       f"sh:conforms {report.engine_conforms}, expected {expected_conforms}", seconds)
    if actual != expected:
        missing = sum((expected - actual).values())
        extra = sum((actual - expected).values())
        return Outcome(test, engine, False, f"{missing} expected result(s) missing, {extra} unexpected", seconds)
    return Outcome(test, engine, True, "", seconds)


def run_suite(engine: str, root: Path = DEFAULT_SUITE, tests: list[SuiteTest] | None = None) -> SuiteRun:
    run = SuiteRun(engine)
    for test in tests if tests is not None else discover(root):
        run.outcomes.append(run_test(test, engine))
    return run


def table(runs: list[SuiteRun]) -> Iterator[str]:
    """Plain-text table: passes per engine and category, then the failing tests."""
    yield f"{'engine':<15}{'core':>10}{'sparql':>10}{'total':>10}{'seconds':>10}"
    for run in runs:
        seconds = sum(o.seconds for o in run.outcomes)
        yield (f"{run.engine:<15}{run.passed('core'):>6}/{run.total('core'):<3}"
               f"{run.passed('sparql'):>6}/{run.total('sparql'):<3}"
               f"{run.passed():>6}/{run.total():<3}{seconds:>10.1f}")
    for run in runs:
        for outcome in run.failures():
            yield f"  {run.engine}: FAIL {outcome.test.name}: {outcome.reason}"
