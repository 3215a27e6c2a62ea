"""Every SHACL node shape in shapes/ has a valid and an invalid fixture in fixtures/.

- `<LocalName>.valid.ttl`: a realistic Tienen entity, as the mappings produce it, that conforms
  to the union of all shapes (no Violation) and that the shape actually targets;
- `<LocalName>.invalid.ttl`: the same kind of entity with one realistic defect (described in
  the comment at its top) that yields a Violation whose sh:sourceShape is the node shape or
  one of its property shapes.

The shapes are found by parsing shapes/*.ttl, so a new shape without fixtures fails here.
Validation goes through the same call as the ingest gate (`validate(..., engine="pyshacl")`).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from graph_server.validation import validate

SHAPES_DIR = Path(__file__).resolve().parents[2] / "shapes"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SH = Namespace("http://www.w3.org/ns/shacl#")
SHAPES_NS = "https://w3id.org/schakel/shapes#"
ENGINE = "pyshacl"  # what the ingest gate runs (schakel.toml [ingest] shacl_engine)

# Shapes that cannot fire on their invalid fixture because the shape itself is wrong. Shapes
# are not edited from this test suite; each entry says why and is a strict xfail, so the test
# starts failing (XPASS) as soon as the shape is fixed and the entry must then be removed.
SHAPE_BUGS: dict[str, str] = {}  # shape name -> why its invalid fixture cannot fire yet


@lru_cache(maxsize=1)
def _parse_shapes() -> Graph:
    graph = Graph()
    for path in sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def _node_shapes() -> dict[str, URIRef]:
    """Local name -> IRI of every sh:NodeShape in shapes/ (collected at import time)."""
    found = {}
    for shape in _parse_shapes().subjects(RDF.type, SH.NodeShape):
        assert isinstance(shape, URIRef) and str(shape).startswith(SHAPES_NS), \
            f"node shape {shape} is not an IRI in {SHAPES_NS}"
        found[str(shape)[len(SHAPES_NS):]] = shape
    return dict(sorted(found.items()))


NODE_SHAPES = _node_shapes()


@pytest.fixture(scope="module")
def shapes() -> Graph:
    """The union of shapes/*.ttl, parsed once for this module."""
    return _parse_shapes()


def _fixture(name: str, kind: str) -> Path:
    return FIXTURES / f"{name}.{kind}.ttl"


def _load(name: str, kind: str) -> Graph:
    path = _fixture(name, kind)
    if not path.is_file():
        pytest.fail(f"missing fixture {path.relative_to(FIXTURES.parent)}")
    return Graph().parse(path, format="turtle")


def _own_shapes(shapes: Graph, node_shape: URIRef) -> set[Node]:
    """The node shape and every property shape reachable from it through sh:property."""
    own, todo = {node_shape}, [node_shape]
    while todo:
        for prop in shapes.objects(todo.pop(), SH.property):
            if prop not in own:
                own.add(prop)
                todo.append(prop)
    return own


def _instances(data: Graph, cls: Node) -> set[Node]:
    classes = set(data.transitive_subjects(RDFS.subClassOf, cls)) | {cls}
    return {s for c in classes for s in data.subjects(RDF.type, c)}


def _focus_nodes(shapes: Graph, shape: URIRef, data: Graph) -> set[Node]:
    """The focus nodes `shape` selects in `data` (SHACL 2.1.3 targets, plus SPARQL targets)."""
    focus: set[Node] = set()
    if (shape, RDF.type, RDFS.Class) in shapes or (shape, RDF.type, OWL.Class) in shapes:
        focus |= _instances(data, shape)  # implicit class target
    focus |= set(shapes.objects(shape, SH.targetNode))
    for cls in shapes.objects(shape, SH.targetClass):
        focus |= _instances(data, cls)
    for prop in shapes.objects(shape, SH.targetSubjectsOf):
        focus |= set(data.subjects(prop, None))
    for prop in shapes.objects(shape, SH.targetObjectsOf):
        focus |= set(data.objects(None, prop))
    for target in shapes.objects(shape, SH.target):
        select = shapes.value(target, SH.select)
        if select is None or shapes.value(target, SH.prefixes) is not None:
            pytest.fail(f"{shape}: this test cannot evaluate sh:target {target}; extend _focus_nodes")
        focus |= {row[0] for row in data.query(str(select))}
    return focus


def _describe(results) -> str:
    return "\n".join(f"  {r.severity} {r.constraint} focus={r.focus_node} path={r.path} "
                     f"shape={r.source_shape}: {r.message}" for r in results) or "  (none)"


def test_shapes_were_found():
    assert len(NODE_SHAPES) >= 1, f"no sh:NodeShape found in {SHAPES_DIR}"


@pytest.mark.parametrize("name", NODE_SHAPES)
def test_fixtures_exist(name):
    missing = [p.name for p in (_fixture(name, "valid"), _fixture(name, "invalid")) if not p.is_file()]
    assert not missing, f"{name} has no fixture(s) {', '.join(missing)} in {FIXTURES}"
    first = _fixture(name, "invalid").read_text(encoding="utf-8").lstrip().splitlines()[0]
    assert first.startswith("#"), f"{name}.invalid.ttl must start with a comment saying what is wrong"


def test_no_orphan_fixtures():
    orphans = sorted(p.name for p in FIXTURES.glob("*.ttl")
                     if p.name.split(".", 1)[0] not in NODE_SHAPES or not p.name.endswith((".valid.ttl", ".invalid.ttl")))
    assert not orphans, f"fixtures without a node shape in shapes/: {orphans}"


@pytest.mark.parametrize("name", NODE_SHAPES)
def test_valid_fixture_conforms(shapes, name):
    data = _load(name, "valid")
    assert _focus_nodes(shapes, NODE_SHAPES[name], data), \
        f"{name}.valid.ttl contains nothing {name} targets, so it proves nothing"
    report = validate(data, shapes, engine=ENGINE)
    violations = report.by_severity("Violation")
    assert not violations, f"{name}.valid.ttl violates the shapes:\n{_describe(violations)}"


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=f"shape bug: {name} {SHAPE_BUGS[name]}"))
    if name in SHAPE_BUGS else name
    for name in NODE_SHAPES
])
def test_invalid_fixture_fires(shapes, name):
    data = _load(name, "invalid")
    own = _own_shapes(shapes, NODE_SHAPES[name])
    report = validate(data, shapes, engine=ENGINE)
    fired = [r for r in report.by_severity("Violation") if r.source_shape in own]
    assert fired, (f"{name}.invalid.ttl produces no Violation from {name} or its property shapes; "
                   f"all results:\n{_describe(report.results)}")
