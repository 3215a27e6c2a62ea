"""A SHACL engine that compiles a shapes graph to SPARQL and evaluates it with pyoxigraph.

pySHACL stays the reference engine; this one exists for speed (the ingest gate) and is held to
pySHACL's results by tests/validation/test_sparql_engine.py. Use it through
`engine.validate(data, shapes, engine="oxigraph")`, or without rdflib on the data side:

    compiled = compile_shapes(shapes_graph)        # once; parses and checks every shape
    results = validate_store(store, compiled)      # per batch: data in the store's default graph

Supported (everything else in the sh: namespace raises `UnsupportedShaclFeature` naming the
shape and the feature, at compile time - a shape is never skipped silently):

* targets: sh:targetClass (instances of the class or of its rdfs:subClassOf* subclasses in the
  data graph - pySHACL reads the class hierarchy from the data graph only, not from the shapes
  graph), implicit class targets, sh:targetNode (IRIs and literals), sh:targetSubjectsOf,
  sh:targetObjectsOf, sh:target [a sh:SPARQLTarget; sh:select ...];
* node and property shapes, sh:property (nested too), sh:deactivated, sh:severity, sh:message;
* paths: predicate, inverse, sequence, alternative, zero-or-more, one-or-more, zero-or-one
  (translated to SPARQL property paths);
* Core components: class, datatype, nodeKind, minCount, maxCount, min/maxExclusive,
  min/maxInclusive, min/maxLength, pattern (+ flags), languageIn, uniqueLang, equals,
  disjoint, lessThan, lessThanOrEquals, in, hasValue, closed (+ ignoredProperties), node, not,
  and, or, xone, qualifiedValueShape (+ qualifiedMin/MaxCount, qualifiedValueShapesDisjoint);
* SPARQL-based constraints (sh:sparql with sh:select, sh:prefixes, $this, $PATH, $currentShape,
  ?path/?value bindings and {?var} substitution in sh:message).

Not supported: SPARQL-based constraint components (sh:ConstraintComponent with validators),
$shapesGraph, SHACL-AF rules/functions/node expressions, SHACL-JS, blank nodes as sh:targetNode
or in sh:in/sh:hasValue.

Where the results follow pySHACL rather than the letter of the spec (on purpose, they are the
reference): sh:datatype treats a literal as ill-typed when rdflib cannot parse its lexical form
(Oxigraph decides the common cases in the query; lexical forms Oxigraph rejects or cannot decide
are re-checked with rdflib's own parser in Python); sh:pattern uses only the i and m flags and
Python's `$` (also matching before a final newline); sh:languageIn matches the whole tag or its
first subtag, case-insensitively; sh:uniqueLang gives one result per duplicated language without
sh:value; sh:hasValue, sh:minCount/maxCount and the qualified counts give no sh:value; a
SPARQL-based constraint's `?failure` gives a result, like pySHACL.

Known differences that come from Oxigraph's store, not from this module: Oxigraph stores valid
numbers, dates and booleans in canonical form ("1.0"^^xsd:decimal becomes "1", "24:00:00"
becomes "00:00:00" of the next day), so sh:value shows the canonical form, and a literal that is
only distinguishable by its lexical form ("1.0" vs "1" of the same datatype, for sh:in,
sh:hasValue, sh:pattern on a number, or counting) is one value here and two for rdflib;
rdflib also tells "abc" and "abc"^^xsd:string apart, RDF 1.1 and Oxigraph do not.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from graph_server.validation.engine import SH, ShaclEngineError, ShaclResult

_XSD = str(XSD)
_SH = str(SH)
SPARQL_PREFIXES = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}  # pySHACL's defaults
MAX_DEPTH = 32  # nesting of sh:node/sh:not/... before we call the shapes recursive


class UnsupportedShaclFeature(ShaclEngineError):
    """The shapes graph uses something this engine does not implement."""

    def __init__(self, shape: Node | None, feature: str, name: str | None = None):
        where = name or (f"shape {_show(shape)}" if shape is not None else "shapes graph")
        super().__init__(f"oxigraph engine: {where} uses {feature}, which this engine does not support "
                         f"(use engine='pyshacl')")
        self.shape = shape
        self.feature = feature


class ShapeError(ShaclEngineError):
    """The shapes graph is malformed (what pySHACL calls a ConstraintLoadError)."""


def _show(node) -> str:
    return f"<{node}>" if isinstance(node, URIRef) else f"_:{node}" if isinstance(node, BNode) else repr(node)


# --- terms ---------------------------------------------------------------------------------
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _iri(node, shape=None) -> str:
    text = str(node)
    if _IRI_FORBIDDEN.search(text):
        raise ShapeError(f"oxigraph engine: invalid IRI {text!r} in shape {_show(shape)}")
    return f"<{text}>"


def to_ox(term: Node, bnodes: dict | None = None):
    """rdflib term -> pyoxigraph term (blank nodes keep their label when it is a valid one)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        try:
            return ox.BlankNode(str(term))
        except ValueError:
            if bnodes is None:
                raise
            if term not in bnodes:
                bnodes[term] = ox.BlankNode()
            return bnodes[term]
    raise TypeError(f"cannot convert {term!r}")


def _sparql_term(node: Node, shape=None) -> str:
    if isinstance(node, URIRef):
        return _iri(node, shape)
    if isinstance(node, Literal):
        return str(to_ox(node))
    raise UnsupportedShaclFeature(shape, f"a blank node ({node}) as a constant")


_LOG_RDFLIB = logging.getLogger("rdflib.term")
_rdflib_lock = threading.Lock()


class _QuietRdflib:
    """rdflib logs a traceback (and warns) for every ill-typed literal it builds."""

    def __enter__(self):
        _rdflib_lock.acquire()
        self._disabled = _LOG_RDFLIB.disabled
        _LOG_RDFLIB.disabled = True
        self._warnings = warnings.catch_warnings()
        self._warnings.__enter__()
        warnings.simplefilter("ignore")
        return self

    def __exit__(self, *exc):
        self._warnings.__exit__(*exc)
        _LOG_RDFLIB.disabled = self._disabled
        _rdflib_lock.release()


def to_rdflib(term) -> Node:
    """pyoxigraph term -> rdflib term. Simple literals become plain rdflib literals (what
    rdflib's parsers produce for "abc")."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD + "string":
            return Literal(term.value)
        with _QuietRdflib():
            return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"cannot convert {term!r}")


_ILL_TYPED_MARK = " \u0000ill-typed"


class DataTerms:
    """Maps result terms back to the terms of the rdflib data graph they were copied from:
    relabelled blank nodes, ill-typed literals rdflib had normalised (it turns
    "none"^^xsd:boolean into "false" and remembers only `ill_typed`; the copy gets a lexical
    form Oxigraph also rejects, which sh:pattern and sh:min/maxLength then see), and literals
    Oxigraph stored in canonical form ("4.0" -> "4")."""

    def __init__(self, graph: Graph | None = None):
        self.graph = graph
        self.back: dict = {}

    def to_rdflib(self, term, focus: Node | None = None, path: Node | None = None) -> Node:
        if term in self.back:
            return self.back[term]
        node = to_rdflib(term)
        if isinstance(node, Literal) and node.datatype is not None and self.graph is not None:
            return self._original(node, focus, path)
        return node

    def _original(self, literal: Literal, focus, path) -> Node:
        candidates = ()
        if isinstance(path, URIRef) and focus is not None:
            candidates = self.graph.objects(focus, path)
        for candidate in candidates:
            if isinstance(candidate, Literal) and candidate.datatype == literal.datatype and \
                    (candidate == literal or (candidate.value is not None and candidate.value == literal.value)):
                return candidate
        return literal


def graph_to_store(graph: Graph, store: ox.Store | None = None, terms: DataTerms | None = None) -> tuple[ox.Store, DataTerms]:
    """Copy an rdflib Graph into the default graph of a (new) in-memory store. Returns the
    store and the DataTerms that map results back to the graph's own terms."""
    store = store if store is not None else ox.Store()
    terms = terms if terms is not None else DataTerms(graph)
    cache: dict = {}
    bnodes: dict = {}
    default = ox.DefaultGraph()

    def conv(t):
        # rdflib's == ignores ill_typed: "false" and a "none" it normalised to "false" are equal
        key = (t, t.ill_typed) if isinstance(t, Literal) else t
        o = cache.get(key)
        if o is None:
            if isinstance(t, Literal) and t.ill_typed and t.value is not None and t.datatype is not None:
                # rdflib normalised an ill-typed literal to a valid-looking form ("none" -> "false")
                o = ox.Literal(str(t) + _ILL_TYPED_MARK, datatype=ox.NamedNode(str(t.datatype)))
                terms.back[o] = t
            else:
                o = to_ox(t, bnodes)
                if isinstance(t, BNode) and o.value != str(t):
                    terms.back[o] = t
            cache[key] = o
        return o

    store.extend(ox.Quad(conv(s), conv(p), conv(o), default) for s, p, o in graph)
    return store, terms


# --- sh:datatype: which literals rdflib (and so pySHACL) accepts ------------------------------
def _rdflib_value_type(datatype: str):
    """pySHACL's `_assert_actual_datatype`: the Python type the parsed value must have."""
    import datetime
    from decimal import Decimal
    return {
        _XSD + "string": (str, bytes), str(RDF.langString): (str, bytes), _XSD + "integer": int,
        _XSD + "float": float, _XSD + "decimal": Decimal, _XSD + "boolean": bool,
        _XSD + "date": datetime.date, _XSD + "time": datetime.time, _XSD + "dateTime": datetime.datetime,
    }.get(datatype)


def rdflib_accepts(lexical: str, datatype: str) -> bool:
    """Does pySHACL (via rdflib) accept `"lexical"^^<datatype>` for `sh:datatype <datatype>`?"""
    with _QuietRdflib():
        literal = Literal(lexical, datatype=URIRef(datatype))
    if literal.ill_typed is True:
        return False
    expected = _rdflib_value_type(datatype)
    return expected is None or isinstance(literal.value, expected)


def _rdflib_checks(datatype: str) -> bool:
    """Whether rdflib validates the lexical form of this datatype at all."""
    from rdflib.term import XSDToPython, _check_well_formed_types
    key = URIRef(datatype)
    return XSDToPython.get(key) is not None or key in _check_well_formed_types


# Datatypes Oxigraph parses: a value of these whose cast succeeds (and that is inside the range
# Python's datetime can hold) is accepted by rdflib too. Anything else of the datatype is sent
# to `rdflib_accepts`.
_OX_NATIVE = {"boolean", "integer", "decimal", "float", "double", "date", "time", "dateTime",
              "duration", "dayTimeDuration", "yearMonthDuration"}


# Oxigraph stores valid literals of these datatypes with another datatype, so sh:datatype cannot
# tell them apart in the store.
_OX_REWRITTEN = {_XSD + d: "xsd:integer" for d in (
    "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "negativeInteger",
    "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte")}
_OX_REWRITTEN[_XSD + "dateTimeStamp"] = "xsd:dateTime"


def _fast_valid(datatype: str) -> str | None:
    local = datatype[len(_XSD):] if datatype.startswith(_XSD) else None
    if local not in _OX_NATIVE:
        return None
    cast = f"isLiteral(<{datatype}>(STR(?value)))"
    if local in ("date", "dateTime"):
        cast += " && YEAR(?value) >= 1 && YEAR(?value) <= 9999"
    return cast


# --- SPARQL paths --------------------------------------------------------------------------
def _path(graph: Graph, node: Node, shape, depth: int = 0) -> str:
    if depth > 20:
        raise ShapeError(f"oxigraph engine: path of shape {_show(shape)} is too deep")
    if isinstance(node, URIRef):
        return _iri(node, shape)
    if isinstance(node, Literal) or node is None:
        raise ShapeError(f"oxigraph engine: shape {_show(shape)} has an invalid sh:path {node!r}")
    if (node, RDF.first, None) in graph:
        items = list(Collection(graph, node))
        if len(items) < 2:
            raise ShapeError(f"oxigraph engine: sequence path of shape {_show(shape)} needs 2+ members")
        return "(" + " / ".join(_path(graph, i, shape, depth + 1) for i in items) + ")"
    kinds = {p: o for p, o in graph.predicate_objects(node)}
    if SH.inversePath in kinds:
        return f"(^{_path(graph, kinds[SH.inversePath], shape, depth + 1)})"
    if SH.alternativePath in kinds:
        items = list(Collection(graph, kinds[SH.alternativePath]))
        if len(items) < 2:
            raise ShapeError(f"oxigraph engine: alternative path of shape {_show(shape)} needs 2+ members")
        return "(" + " | ".join(_path(graph, i, shape, depth + 1) for i in items) + ")"
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        if predicate in kinds:
            return f"({_path(graph, kinds[predicate], shape, depth + 1)}){suffix}"
    raise ShapeError(f"oxigraph engine: shape {_show(shape)} has an unknown kind of path {node}")


# --- compiled form ------------------------------------------------------------------------
@dataclass(frozen=True)
class Focus:
    """A SPARQL group pattern that binds ?this to the focus nodes (each once), and the
    prefixes it needs."""
    pattern: str
    prefixes: tuple[tuple[str, str], ...] = ()


@dataclass(eq=False)
class Shape:
    node: Node
    path: Node | None = None          # the rdflib path node (sh:resultPath)
    sparql_path: str | None = None
    severity: URIRef = SH.Violation
    messages: list[Literal] = field(default_factory=list)
    deactivated: bool = False
    targets: list = field(default_factory=list)        # _Target
    components: list = field(default_factory=list)     # _Component
    plan: list = field(default_factory=list)           # the components as evaluated (some merged)
    properties: list["Shape"] = field(default_factory=list)

    @property
    def is_property(self) -> bool:
        return self.path is not None

    def value_pattern(self, focus: Focus) -> str:
        """Binds ?this (focus) and ?value (each value node)."""
        if self.is_property:
            return f"{focus.pattern} ?this {self.sparql_path} ?value ."
        return f"{focus.pattern} BIND(?this AS ?value)"

    def value_focus(self, focus: Focus) -> Focus:
        """The value nodes as a focus pattern (for nested shapes)."""
        if not self.is_property:
            return focus
        return Focus(f"{{ SELECT DISTINCT ?this WHERE {{ {{ SELECT (?this AS ?parent) WHERE {{ {focus.pattern} }} }} "
                     f"?parent {self.sparql_path} ?this . }} }}", focus.prefixes)


@dataclass
class CompiledShapes:
    shapes_graph: Graph
    shapes: dict[Node, Shape]
    roots: list[Shape]           # shapes with targets
    namespaces: dict[str, str] = field(default_factory=dict)
    literal_focus: dict = field(default_factory=dict)   # canonical ox literal -> sh:targetNode literal

    def __len__(self) -> int:
        return len(self.roots)


@dataclass
class _Raw:
    """One result before conversion to rdflib terms."""
    shape: Shape
    component: "_Component"
    focus: object
    value: object = None
    path: object = None          # an ox term from a SPARQL constraint's ?path
    bindings: dict | None = None


# --- running ---------------------------------------------------------------------------------
class _Run:
    def __init__(self, store: ox.Store, compiled: CompiledShapes, namespaces: Graph | None = None):
        self.store = store
        self.compiled = compiled
        # rdflib lets a query use the data graph's prefixes undeclared (and pySHACL relies on
        # it); here the shapes graph's prefixes serve, then the data graph's when there is one.
        fallback = dict(compiled.namespaces)
        if namespaces is not None:
            for prefix, namespace in namespaces.namespaces():
                fallback.setdefault(prefix, str(namespace))
        self.fallback_prefixes = fallback
        self.stack: list[Shape] = []
        self.nonconforming_cache: dict[tuple[int, Focus], set] = {}
        self.class_closure: dict[Node, list[str]] = {}
        self.datatype_cache: dict[tuple[str, str], bool] = {}

    def select(self, body: str, prefixes: Iterable[tuple[str, str]] = ()) -> list:
        return self.select_with_variables(body, prefixes, fallback=bool(prefixes))[1]

    def select_with_variables(self, body: str, prefixes: Iterable[tuple[str, str]] = (),
                              fallback: bool = False) -> tuple[list[str], list]:
        prefixes = dict(prefixes)
        if fallback:  # undeclared prefixes that the query text seems to use
            for prefix, namespace in self.fallback_prefixes.items():
                if prefix not in prefixes and re.search(rf"(?<![\w.\-]){re.escape(prefix)}:", body):
                    prefixes[prefix] = namespace
        text = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in prefixes.items()) + body
        try:
            results = self.store.query(text)
            return [v.value for v in results.variables], list(results)
        except (SyntaxError, ValueError, OSError) as exc:
            raise ShaclEngineError(f"oxigraph engine: query failed: {exc}\n{text}") from exc

    def subclasses(self, cls: URIRef) -> list[str]:
        if cls not in self.class_closure:
            rows = self.select(f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* {_iri(cls)} }}")
            found = {str(r["c"]) for r in rows if isinstance(r["c"], ox.NamedNode)}
            found.add(_iri(cls))
            self.class_closure[cls] = sorted(found)
        return self.class_closure[cls]

    def evaluate(self, shape: Shape, focus: Focus, emit: Callable[[_Raw], None],
                 multiplicity: Callable[[object], int] | None = None) -> None:
        """Emit the results of `shape` for the nodes of `focus`. `multiplicity(node)` says
        how often a focus node was reached (pySHACL validates a nested property shape once
        per parent value, so a node reached from two parents gives its results twice)."""
        if shape.deactivated:
            return
        here = emit
        if multiplicity is not None:
            def here(raw, emit=emit):
                for _ in range(multiplicity(raw.focus)):
                    emit(raw)
        for component in shape.plan:
            component.evaluate(self, shape, focus, here)
        if shape.properties:
            value_focus = shape.value_focus(focus)
            child_multiplicity = self._multiplicity(shape, focus, multiplicity) if shape.is_property else multiplicity
            for prop in shape.properties:
                self.evaluate(prop, value_focus, emit, child_multiplicity)

    def _multiplicity(self, shape: Shape, focus: Focus, parent: Callable | None) -> Callable[[object], int]:
        counts: dict | None = None

        def count(node) -> int:
            nonlocal counts
            if counts is None:  # only computed when a nested result exists
                counts = defaultdict(int)
                for this, value in self.value_pairs(shape, focus):
                    counts[value] += parent(this) if parent is not None else 1
            return counts.get(node, 1)
        return count

    def nonconforming(self, shape: Shape, focus: Focus, owner: Shape) -> set:
        """The nodes of `focus` that do not conform to `shape` (any result, any severity).
        Recursion through a shape already being checked counts as conforming (as pySHACL)."""
        if shape in self.stack:
            return set()
        if len(self.stack) > MAX_DEPTH:
            raise ShaclEngineError(f"oxigraph engine: shapes nested deeper than {MAX_DEPTH} below {_show(owner.node)}")
        key = (id(shape), focus)
        if key not in self.nonconforming_cache:
            bad: set = set()
            self.stack.append(shape)
            try:
                self.evaluate(shape, focus, lambda raw: bad.add(raw.focus))
            finally:
                self.stack.pop()
            self.nonconforming_cache[key] = bad
        return self.nonconforming_cache[key]

    def value_pairs(self, shape: Shape, focus: Focus) -> list[tuple]:
        rows = self.select(f"SELECT DISTINCT ?this ?value WHERE {{ {shape.value_pattern(focus)} }}", focus.prefixes)
        return [(r["this"], r["value"]) for r in rows]


# --- targets -------------------------------------------------------------------------------
class _Target:
    def pattern(self, run: _Run) -> str:
        raise NotImplementedError

    prefixes: tuple = ()


class _ClassTarget(_Target):
    def __init__(self, cls: URIRef):
        self.cls = cls

    def pattern(self, run):
        classes = run.subclasses(self.cls)
        if len(classes) == 1:
            return f"{{ ?this a {classes[0]} . }}"
        return f"{{ VALUES ?class {{ {' '.join(classes)} }} ?this a ?class . }}"


class _NodeTarget(_Target):
    def __init__(self, nodes: list[str]):
        self.nodes = nodes

    def pattern(self, run):
        return f"{{ VALUES ?this {{ {' '.join(self.nodes)} }} }}"


class _SubjectsOfTarget(_Target):
    def __init__(self, predicate: str):
        self.predicate = predicate

    def pattern(self, run):
        return f"{{ ?this {self.predicate} ?any . }}"


class _ObjectsOfTarget(_SubjectsOfTarget):
    def pattern(self, run):
        return f"{{ ?any {self.predicate} ?this . }}"


class _SparqlTarget(_Target):
    def __init__(self, query: "_SparqlText"):
        self.query = query
        self.prefixes = query.prefixes

    def pattern(self, run):
        return f"{{ {self.query.body} }}"


def _focus_of(shape: Shape, run: _Run) -> Focus:
    patterns = [t.pattern(run) for t in shape.targets]
    prefixes: dict[str, str] = {}
    for target in shape.targets:
        for p, ns in target.prefixes:
            if prefixes.setdefault(p, ns) != ns:
                raise UnsupportedShaclFeature(shape.node, f"SPARQL targets that bind prefix {p}: to two namespaces")
    if len(patterns) == 1 and isinstance(shape.targets[0], _ClassTarget) and \
            len(run.subclasses(shape.targets[0].cls)) == 1:
        body = patterns[0]  # one rdf:type triple per node: no DISTINCT needed, and joins stay visible
    else:
        body = f"{{ SELECT DISTINCT ?this WHERE {{ {' UNION '.join(patterns)} }} }}"
    return Focus(body, tuple(sorted(prefixes.items())))


# --- components ------------------------------------------------------------------------------
class _Component:
    iri: URIRef = SH.ConstraintComponent
    source_constraint: Node | None = None

    def evaluate(self, run: _Run, shape: Shape, focus: Focus, emit) -> None:
        raise NotImplementedError

    def message(self, shape: Shape, raw: _Raw, sg: Graph, dg, focus=None, value=None) -> str:  # pragma: no cover - overridden
        return ""


def _str(graph, node) -> str:
    from pyshacl.rdfutil import stringify_node
    return stringify_node(graph, node)


class _ValueFilter(_Component):
    """A component that fails value by value: ok(?value) must be true."""
    ok: str = "true"

    def evaluate(self, run, shape, focus, emit):
        query = f"SELECT DISTINCT ?this ?value WHERE {{ {shape.value_pattern(focus)} FILTER(!COALESCE({self.ok}, false)) }}"
        for row in run.select(query, focus.prefixes):
            emit(_Raw(shape, self, row["this"], row["value"]))


class _NodeKind(_ValueFilter):
    iri = SH.NodeKindConstraintComponent
    TESTS = {SH.IRI: "isIRI(?value)", SH.BlankNode: "isBlank(?value)", SH.Literal: "isLiteral(?value)",
             SH.BlankNodeOrIRI: "!isLiteral(?value)", SH.BlankNodeOrLiteral: "!isIRI(?value)",
             SH.IRIOrLiteral: "!isBlank(?value)"}

    def __init__(self, kind: Node, shape_node):
        if kind not in self.TESTS:
            raise ShapeError(f"oxigraph engine: shape {_show(shape_node)}: unknown sh:nodeKind {kind}")
        self.kind = kind
        self.ok = self.TESTS[kind]

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        return f"Value is not of Node Kind {_str(sg, self.kind)}"


class _Datatype(_Component):
    iri = SH.DatatypeConstraintComponent

    def __init__(self, datatype: URIRef, shape_node):
        if not isinstance(datatype, URIRef):
            raise ShapeError(f"oxigraph engine: shape {_show(shape_node)}: sh:datatype must be an IRI")
        self.datatype = datatype
        dt = str(datatype)
        self.python_check = False
        if datatype == RDF.langString:
            self.ok = "isLiteral(?value) && lang(?value) != \"\""
        elif datatype == RDFS.Literal:
            self.ok = "isLiteral(?value)"
        elif datatype == RDFS.Datatype:
            raise UnsupportedShaclFeature(shape_node, "sh:datatype rdfs:Datatype")
        elif dt in _OX_REWRITTEN:
            raise UnsupportedShaclFeature(shape_node, f"sh:datatype {_show(datatype)} (Oxigraph stores valid "
                                                      f"{dt[len(_XSD):]} literals as {_OX_REWRITTEN[dt]})")
        else:
            same = f"isLiteral(?value) && sameTerm(datatype(?value), {_iri(dt)})"
            if dt == _XSD + "string" or not _rdflib_checks(dt):
                self.ok = same
            else:
                self.python_check = True
                fast = _fast_valid(dt)
                self.same = same
                self.ok = f"{same} && ({fast})" if fast else "false"

    def evaluate(self, run, shape, focus, emit):
        if not self.python_check:
            _ValueFilter.evaluate(self, run, shape, focus, emit)
            return
        # ?suspect: the datatype matches but Oxigraph cannot vouch for the lexical form.
        query = (f"SELECT DISTINCT ?this ?value ?suspect WHERE {{ {shape.value_pattern(focus)} "
                 f"BIND(COALESCE({self.same}, false) AS ?same) "
                 f"FILTER(!COALESCE({self.ok}, false)) BIND(?same AS ?suspect) }}")
        for row in run.select(query, focus.prefixes):
            if row["suspect"].value == "true" and self.accepted_by_rdflib(run, row["value"]):
                continue
            emit(_Raw(shape, self, row["this"], row["value"]))

    def accepted_by_rdflib(self, run, value) -> bool:
        key = (value.value, str(self.datatype))
        verdict = run.datatype_cache.get(key)
        if verdict is None:
            verdict = run.datatype_cache[key] = rdflib_accepts(*key)
        return verdict

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        return f"Value is not Literal with datatype {_str(sg, self.datatype)}"


class _Class(_ValueFilter):
    iri = SH.ClassConstraintComponent

    def __init__(self, cls: Node, shape_node, all_classes: list):
        self.cls = cls
        self.all_classes = all_classes
        self.ok = f"EXISTS {{ ?value <{RDF.type}>/<{RDFS.subClassOf}>* {_sparql_term(cls, shape_node)} }}"

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        if len(self.all_classes) < 2:
            return f"Value does not have class {_str(sg, self.cls)}"
        return "Value class is not in classes ({})".format(", ".join(_str(sg, c) for c in self.all_classes))


class _In(_ValueFilter):
    iri = SH.InConstraintComponent

    def __init__(self, values: list, shape_node):
        self.values = values
        self.ok = " || ".join(f"sameTerm(?value, {_sparql_term(v, shape_node)})" for v in values) or "false"

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        listed = [_str(sg, v) for v in self.values]
        return f"Value {_str(dg, value)} not in list {listed}"


class _Pattern(_ValueFilter):
    iri = SH.PatternConstraintComponent

    def __init__(self, pattern: Literal, flags: Literal | None, shape_node, all_patterns: list):
        if not isinstance(pattern, Literal):
            raise ShapeError(f"oxigraph engine: shape {_show(shape_node)}: sh:pattern must be a literal")
        self.pattern = pattern
        self.all_patterns = all_patterns
        text = str(pattern.value) if pattern.value is not None and len(str(pattern.value)) > 1 else str(pattern)
        fl = "".join(f for f in "im" if flags is not None and f in str(flags.value if flags.value is not None else flags).lower())
        try:
            re.compile(text, (re.I if "i" in fl else 0) | (re.M if "m" in fl else 0))
        except re.error as exc:
            raise ShapeError(f"oxigraph engine: shape {_show(shape_node)}: invalid sh:pattern {text!r}: {exc}") from None
        self.regex, self.flags = text, fl
        pat, flg = str(ox.Literal(text)), str(ox.Literal(fl))
        # `$` in Python also matches before a final newline: try the string without it too.
        self.ok = (f"!isBlank(?value) && (REGEX(STR(?value), {pat}, {flg}) || (STRENDS(STR(?value), \"\\n\") && "
                   f"REGEX(SUBSTR(STR(?value), 1, STRLEN(STR(?value)) - 1), {pat}, {flg})))")
        self.shape_node = shape_node

    def check_engine(self, store: ox.Store) -> None:
        """Patterns Python accepts but Oxigraph's regex engine does not (look-around,
        back-references) would make every value fail: refuse them."""
        query = f"SELECT (COALESCE(REGEX(\"\", {ox.Literal(self.regex)}, {ox.Literal(self.flags)}), \"error\") AS ?r) {{}}"
        row = next(iter(store.query(query)))
        if row["r"].value == "error":
            raise UnsupportedShaclFeature(self.shape_node, f"sh:pattern {self.regex!r} (a regular expression "
                                                           f"Oxigraph's regex engine cannot compile)")

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        if len(self.all_patterns) < 2:
            return f"Value does not match pattern '{self.pattern.value}'"
        return "Value does not match every pattern in ('{}')".format("', '".join(str(p.value) for p in self.all_patterns))


class _Length(_ValueFilter):
    def __init__(self, limit: Literal, minimum: bool, shape_node):
        value = limit.value if isinstance(limit, Literal) else None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ShapeError(f"oxigraph engine: shape {_show(shape_node)}: sh:{'min' if minimum else 'max'}Length "
                             f"must be a non-negative integer")
        self.limit, self.minimum = limit, minimum
        self.iri = SH.MinLengthConstraintComponent if minimum else SH.MaxLengthConstraintComponent
        self.ok = f"!isBlank(?value) && STRLEN(STR(?value)) {'>=' if minimum else '<='} {value}"

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        return f"String length not {'>=' if self.minimum else '<='} {_str(dg, self.limit)}"


class _LanguageIn(_ValueFilter):
    iri = SH.LanguageInConstraintComponent

    def __init__(self, list_node: Node, graph: Graph, shape_node):
        self.list_node = list_node
        languages = []
        for item in Collection(graph, list_node):
            if not isinstance(item, Literal) or not isinstance(item.value, str):
                raise ShapeError(f"oxigraph engine: shape {_show(shape_node)}: sh:languageIn members must be strings")
            languages.append(str(item.value).lower())
        tag = "LCASE(lang(?value))"
        if "*" in languages:
            test = "true"
        elif languages:
            listed = ", ".join(str(ox.Literal(language)) for language in languages)
            test = f"{tag} IN ({listed}) || STRBEFORE(CONCAT({tag}, \"-\"), \"-\") IN ({listed})"
        else:
            test = "false"
        self.ok = f"isLiteral(?value) && lang(?value) != \"\" && ({test})"

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        return f"String language is not in {_str(sg, self.list_node)}"


class _Range(_ValueFilter):
    OPS = {SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent, "Value is not >= {}"),
           SH.minExclusive: (">", SH.MinExclusiveConstraintComponent, "Value is not > {}"),
           SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent, "Value is not <= {}"),
           SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent, "Value is not < {}")}

    def __init__(self, parameter: URIRef, limit: Node, shape_node):
        if not isinstance(limit, Literal):
            raise ShapeError(f"oxigraph engine: shape {_show(shape_node)}: sh:{parameter[len(_SH):]} must be a literal")
        op, self.iri, self.template = self.OPS[parameter]
        self.limit = limit
        # pySHACL: a string never compares with a non-string (SPARQL raises an error: same).
        self.ok = f"isLiteral(?value) && ?value {op} {_sparql_term(limit, shape_node)}"

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        return self.template.format(_str(sg, self.limit))


class _MinCount(_Component):
    iri = SH.MinCountConstraintComponent

    def __init__(self, count: Literal):
        self.count = count
        self.n = int(count.value)

    def evaluate(self, run, shape, focus, emit):
        if self.n <= 0:
            return
        if self.n == 1:
            query = f"SELECT ?this WHERE {{ {focus.pattern} FILTER NOT EXISTS {{ ?this {shape.sparql_path} ?v }} }}"
        else:
            query = (f"SELECT ?this WHERE {{ {focus.pattern} OPTIONAL {{ ?this {shape.sparql_path} ?v }} }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {self.n})")
        for row in run.select(query, focus.prefixes):
            emit(_Raw(shape, self, row["this"]))

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        return f"Less than {self.count.value} values on {_str(dg, focus)}->{_str(sg, shape.path)}"


class _MaxCount(_MinCount):
    iri = SH.MaxCountConstraintComponent

    def evaluate(self, run, shape, focus, emit):
        query = (f"SELECT ?this WHERE {{ {focus.pattern} ?this {shape.sparql_path} ?v }} "
                 f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {self.n})")
        for row in run.select(query, focus.prefixes):
            emit(_Raw(shape, self, row["this"]))

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        return f"More than {self.count.value} values on {_str(dg, focus)}->{_str(sg, shape.path)}"


class _Counts(_Component):
    """sh:minCount and sh:maxCount of one property shape in one grouped query."""

    def __init__(self, minimum: _MinCount | None, maximum: _MaxCount | None):
        self.minimum, self.maximum = minimum, maximum

    def evaluate(self, run, shape, focus, emit):
        lo = self.minimum.n if self.minimum is not None else 0
        hi = self.maximum.n if self.maximum is not None else None
        n = "COUNT(DISTINCT ?v)"  # HAVING cannot see the SELECT's alias
        tests = ([f"{n} < {lo}"] if lo > 0 else []) + ([f"{n} > {hi}"] if hi is not None else [])
        if not tests:
            return
        query = (f"SELECT ?this (COUNT(DISTINCT ?v) AS ?n) WHERE {{ {focus.pattern} OPTIONAL {{ ?this {shape.sparql_path} ?v }} }} "
                 f"GROUP BY ?this HAVING ({' || '.join(tests)})")
        for row in run.select(query, focus.prefixes):
            n = int(row["n"].value)
            emit(_Raw(shape, self.minimum if n < lo else self.maximum, row["this"]))


class _Filters(_Component):
    """Every value-by-value component of one shape in one query: a flag per component."""

    def __init__(self, parts: list):
        self.parts = parts

    def evaluate(self, run, shape, focus, emit):
        binds, flags, names = [], [], []
        for i, part in enumerate(self.parts):
            binds.append(f"BIND(!COALESCE({part.ok}, false) AS ?f{i})")
            flags.append(f"?f{i}")
            names.append(f"?f{i}")
            if isinstance(part, _Datatype) and part.python_check:
                binds.append(f"BIND(COALESCE({part.same}, false) AS ?s{i})")
                names.append(f"?s{i}")
        query = (f"SELECT DISTINCT ?this ?value {' '.join(names)} WHERE {{ {shape.value_pattern(focus)} "
                 f"{' '.join(binds)} FILTER({' || '.join(flags)}) }}")
        for row in run.select(query, focus.prefixes):
            for i, part in enumerate(self.parts):
                if row[f"f{i}"].value != "true":
                    continue
                if isinstance(part, _Datatype) and part.python_check and row[f"s{i}"].value == "true" \
                        and part.accepted_by_rdflib(run, row["value"]):
                    continue
                emit(_Raw(shape, part, row["this"], row["value"]))


def _plan(components: list) -> list:
    """Merge the components that can share one query (results stay per component)."""
    filters = [c for c in components if isinstance(c, (_ValueFilter, _Datatype))]
    minimum = next((c for c in components if type(c) is _MinCount), None)
    maximum = next((c for c in components if type(c) is _MaxCount), None)
    out = []
    for c in components:
        if c in filters and len(filters) > 1:
            if c is filters[0]:
                out.append(_Filters(filters))
        elif c is minimum or c is maximum:
            if c is (minimum or maximum):
                out.append(_Counts(minimum, maximum))
        else:
            out.append(c)
    return out


class _HasValue(_Component):
    iri = SH.HasValueConstraintComponent

    def __init__(self, value: Node, shape_node, all_values: list):
        self.value, self.all_values = value, all_values
        self.term = _sparql_term(value, shape_node)

    def evaluate(self, run, shape, focus, emit):
        if shape.is_property:
            query = f"SELECT ?this WHERE {{ {focus.pattern} FILTER NOT EXISTS {{ ?this {shape.sparql_path} {self.term} }} }}"
        else:
            query = f"SELECT ?this WHERE {{ {focus.pattern} FILTER(!sameTerm(?this, {self.term})) }}"
        for row in run.select(query, focus.prefixes):
            emit(_Raw(shape, self, row["this"]))

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        the_set = [_str(sg, v) for v in self.all_values]
        if shape.is_property:
            return f"Node {_str(dg, focus)}->{_str(sg, shape.path)} does not contain a value in the set: {the_set}"
        return f"Node {_str(dg, focus)} value is not a in the set of values: {the_set}"


class _UniqueLang(_Component):
    iri = SH.UniqueLangConstraintComponent

    def evaluate(self, run, shape, focus, emit):
        query = (f"SELECT ?this ?lang WHERE {{ {focus.pattern} ?this {shape.sparql_path} ?v "
                 f"FILTER(isLiteral(?v) && lang(?v) != \"\") BIND(LCASE(lang(?v)) AS ?lang) }} "
                 f"GROUP BY ?this ?lang HAVING (COUNT(DISTINCT ?v) > 1)")
        for row in run.select(query, focus.prefixes):
            emit(_Raw(shape, self, row["this"]))

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        return "More than one String shares the same Language"


class _PropertyPair(_Component):
    KINDS = {SH.equals: (SH.EqualsConstraintComponent, "!="), SH.disjoint: (SH.DisjointConstraintComponent, "=="),
             SH.lessThan: (SH.LessThanConstraintComponent, "<"),
             SH.lessThanOrEquals: (SH.LessThanOrEqualsConstraintComponent, "<=")}

    def __init__(self, kind: URIRef, other: Node, shape_node, all_others: list):
        if not isinstance(other, URIRef):
            raise ShapeError(f"oxigraph engine: shape {_show(shape_node)}: sh:{kind[len(_SH):]} must be an IRI")
        self.kind, self.other, self.all_others = kind, other, all_others
        self.iri, self.symbol = self.KINDS[kind]
        self.other_iri = _iri(other, shape_node)

    def evaluate(self, run, shape, focus, emit):
        vp = shape.value_pattern(focus)
        o = self.other_iri
        if self.kind == SH.equals:
            own = f"?this {shape.sparql_path} ?value" if shape.is_property else "FILTER(sameTerm(?this, ?value))"
            query = (f"SELECT DISTINCT ?this ?value WHERE {{ {{ {vp} FILTER NOT EXISTS {{ ?this {o} ?value }} }} UNION "
                     f"{{ {focus.pattern} ?this {o} ?value . FILTER NOT EXISTS {{ {own} }} }} }}")
        elif self.kind == SH.disjoint:
            query = f"SELECT DISTINCT ?this ?value WHERE {{ {vp} ?this {o} ?value . }}"
        else:
            op = "<" if self.kind == SH.lessThan else "<="
            # one result per failing pair (as pySHACL)
            query = (f"SELECT DISTINCT ?this ?value ?other WHERE {{ {vp} ?this {o} ?other . "
                     f"FILTER(!COALESCE(?value {op} ?other, false)) }}")
        for row in run.select(query, focus.prefixes):
            emit(_Raw(shape, self, row["this"], row["value"]))

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        if len(self.all_others) < 2:
            rules = _str(sg, self.other)
        else:
            rules = ", ".join(_str(sg, p) for p in self.all_others)
        return f"Value of {_str(dg, focus)}->{rules} {self.symbol} {_str(dg, value)}"


class _Closed(_Component):
    iri = SH.ClosedConstraintComponent

    def __init__(self, allowed: list[str]):
        self.allowed = allowed

    def evaluate(self, run, shape, focus, emit):
        listed = ", ".join(self.allowed)
        query = (f"SELECT DISTINCT ?this ?value ?p ?o WHERE {{ {shape.value_pattern(focus)} ?value ?p ?o . "
                 f"FILTER(?p NOT IN ({listed})) "
                 f"FILTER(!(sameTerm(?p, <{RDF.type}>) && sameTerm(?o, <{RDFS.Resource}>))) }}")
        for row in run.select(query, focus.prefixes):
            # pySHACL: the focus node, the offending predicate as path and its object as value.
            emit(_Raw(shape, self, row["this"], row["o"], path=row["p"]))

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        return f"Node {_str(dg, focus)} is closed. It cannot have value: {_str(dg, value)}"


class _ShapeBased(_Component):
    """sh:node / sh:not / sh:and / sh:or / sh:xone: conformance of each value node to other
    shapes, found by evaluating those shapes with the value nodes as focus nodes."""

    def __init__(self, kind: URIRef, members: list[Node], list_nodes: list[Node], all_members: list[Node]):
        self.kind, self.member_nodes, self.list_nodes, self.all_members = kind, members, list_nodes, all_members
        self.iri = {SH.node: SH.NodeConstraintComponent, SH["not"]: SH.NotConstraintComponent,
                    SH["and"]: SH.AndConstraintComponent, SH["or"]: SH.OrConstraintComponent,
                    SH.xone: SH.XoneConstraintComponent}[kind]
        self.members: list[Shape] = []

    def evaluate(self, run, shape, focus, emit):
        members = self.members
        value_focus = shape.value_focus(focus)
        bad_sets = [run.nonconforming(m, value_focus, shape) for m in members]
        if self.kind == SH.node and not any(bad_sets):
            return
        for this, value in run.value_pairs(shape, focus):
            fails = [value in bad for bad in bad_sets]
            if self.kind in (SH.node, SH["and"]):
                failed = any(fails)
            elif self.kind == SH["not"]:
                failed = not all(fails)
            elif self.kind == SH["or"]:
                failed = all(fails)
            else:  # xone
                failed = sum(1 for f in fails if not f) != 1
            if failed:
                emit(_Raw(shape, self, this, value))

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        value = _str(dg, value)
        if self.kind == SH.node:
            if len(self.all_members) < 2:
                return f"Value does not conform to Shape {_str(sg, self.member_nodes[0])}."
            return "Value must conform to every Shape in ('{}').".format(
                ", ".join(_str(sg, m) for m in self.all_members))
        if self.kind == SH["not"]:
            if len(self.all_members) == 1:
                return f"Node {value} must not conform to shape {_str(sg, self.member_nodes[0])}"
            return f"Node {value} must not conform to any shapes in {' , '.join(_str(sg, n) for n in self.all_members)}"
        if len(self.list_nodes) < 2:
            listed = " , ".join(_str(sg, m) for m in sg.items(self.list_nodes[0]))
        else:
            listed = " and ".join("({})".format(" , ".join(_str(sg, m) for m in sg.items(lst))) for lst in self.list_nodes)
        words = {SH["and"]: "must conform to all shapes in", SH["or"]: "must conform to one or more shapes in",
                 SH.xone: "must conform to exactly one shape in"}[self.kind]
        return f"Node {value} {words} {listed}"


class _Qualified(_Component):
    def __init__(self, value_shapes: list[Node], minimum: int | None, maximum: int | None, disjoint: bool,
                 siblings: list[Node]):
        self.value_shape_nodes, self.min, self.max, self.disjoint = value_shapes, minimum, maximum, disjoint
        self.sibling_nodes = siblings
        self.value_shapes: list[Shape] = []
        self.siblings: list[Shape] = []

    def evaluate(self, run, shape, focus, emit):
        value_focus = shape.value_focus(focus)
        pairs = run.value_pairs(shape, focus)
        if not self.disjoint and not pairs and (self.min is None or self.min < 1):
            return
        focus_nodes = [r["this"] for r in run.select(f"SELECT DISTINCT ?this WHERE {{ {focus.pattern} }}", focus.prefixes)]
        sibling_bad = [run.nonconforming(s, value_focus, shape) for s in self.siblings]
        for value_shape in self.value_shapes:
            if value_shape in run.stack:
                continue
            bad = run.nonconforming(value_shape, value_focus, shape)
            counts: dict = defaultdict(int)
            for this, value in pairs:
                if value in bad:
                    continue
                if any(value not in sb for sb in sibling_bad):  # conforms to a sibling
                    continue
                counts[this] += 1
            for this in focus_nodes:
                n = counts.get(this, 0)
                if self.min is not None and n < self.min:
                    emit(_Raw(shape, _QualifiedResult(self, SH.QualifiedMinCountConstraintComponent), this))
                if self.max is not None and n > self.max:
                    emit(_Raw(shape, _QualifiedResult(self, SH.QualifiedMaxCountConstraintComponent), this))


class _QualifiedResult(_Component):
    def __init__(self, owner: _Qualified, iri: URIRef):
        self.owner, self.iri = owner, iri

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        owner = self.owner
        shapes_string = ",".join(_str(sg, s) for s in owner.value_shape_nodes)
        count = (f" MinCount {owner.min}" if owner.min is not None else "") + \
                (f" MaxCount {owner.max}" if owner.max is not None else "")
        if len(owner.value_shape_nodes) > 1:
            return f"Focus node does not conform to shapes{count}: ({shapes_string})"
        return f"Focus node does not conform to shape{count}: {shapes_string}"


# --- SPARQL-based constraints ------------------------------------------------------------------
# pySHACL's checks for what a pre-bound SPARQL query may not contain (helper/sparql_query_helper.py).
_HAS_MINUS = re.compile(r"^(?:[^#]*|M)(?!#)#?[^\?\$\#]M?INUS[\s\{]", flags=re.M | re.I)
_HAS_VALUES = re.compile(r"^(?!\s*#).*?(?<![\w\-\:])VALUES\b(?:\s*(?:\(|[\?\$]\w+|\{|\w|\s))", flags=re.M | re.I)
_HAS_SERVICE = re.compile(r"^(?:[^#]*|S)(?!#)#?[^\?\$\#]S?ERVICE[\s\<]", flags=re.M | re.I)
_NESTED_SELECT = re.compile(r"SELECT[\s\(\)\$\?\a-z]*\{[^\}]*SELECT\s+((?:(?:[\?\$]\w+\s+)|(?:\*\s+))+)", flags=re.M | re.I)
_AS_VAR = re.compile(r"[^\w]+AS[\s]+[\$\?](\w+)", flags=re.M | re.I)
_PATH_VAR = re.compile(r"([\s{}()])[\$\?]PATH", flags=re.M)
_CURRENT_SHAPE = re.compile(r"([\s{}()])[\$\?]currentShape\b", flags=re.M)
_SHAPES_GRAPH = re.compile(r"([\s{}()])[\$\?]shapesGraph\b", flags=re.M)
_PROLOGUE = re.compile(r"^\s*(?:(?:PREFIX\s+([\w.\-]*):\s*<([^>]*)>|BASE\s*<[^>]*>)\s*)+", flags=re.I)
_MESSAGE_VAR = re.compile(r"{[\$\?]([^{}]+)}")


@dataclass
class _SparqlText:
    body: str
    prefixes: tuple[tuple[str, str], ...]


def _declared_prefixes(graph: Graph, node: Node, shape_node) -> dict[str, str]:
    """sh:prefixes of a SPARQL constraint/target (pySHACL's collect_prefixes)."""
    prefixes = dict(SPARQL_PREFIXES)
    ontologies = set(graph.subjects(RDF.type, OWL.Ontology))
    global_declares = set()
    for ontology in ontologies:
        global_declares |= set(graph.objects(ontology, SH.declare))
    for holder in graph.objects(node, SH.prefixes):
        declares = set(graph.objects(holder, SH.declare))
        declares = declares if (declares and holder in ontologies) else (global_declares | declares)
        for declaration in declares:
            prefix = list(graph.objects(declaration, SH.prefix))
            namespace = list(graph.objects(declaration, SH.namespace))
            if len(prefix) != 1 or len(namespace) != 1:
                raise ShapeError(f"oxigraph engine: shape {_show(shape_node)}: sh:declare needs one sh:prefix "
                                 f"and one sh:namespace")
            prefixes[str(prefix[0])] = str(namespace[0])
    return prefixes


def _split_prologue(text: str, prefixes: dict[str, str]) -> str:
    match = _PROLOGUE.match(text)
    if not match:
        return text
    for p, ns in re.findall(r"PREFIX\s+([\w.\-]*):\s*<([^>]*)>", match.group(0), flags=re.I):
        prefixes[p] = ns
    if re.search(r"BASE\s*<", match.group(0), flags=re.I):
        raise UnsupportedShaclFeature(None, "BASE in a SPARQL query")
    return text[match.end():]


def _scan(text: str):
    """Yield (index, char) of the query text outside comments, strings and IRIs."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j + 1
            continue
        if c in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else c
            j = i + len(quote)
            while j < n and text[j:j + len(quote)] != quote:
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c == "<":
            j = text.find(">", i)
            if j > 0 and not re.search(r"\s", text[i:j]):
                i = j + 1
                continue
        yield i, c
        i += 1


def _group_braces(text: str) -> list[int]:
    """Indexes of every `{` that opens a group graph pattern (not the one around a sub-SELECT)."""
    out = []
    for i, c in _scan(text):
        if c == "{" and not re.match(r"\s*SELECT\b", text[i + 1:], flags=re.I):
            out.append(i)
    return out


def _code(text: str) -> str:
    """The query text with strings, IRIs and comments blanked out (for keyword checks)."""
    keep = [" "] * len(text)
    for i, c in _scan(text):
        keep[i] = c
    return "".join(keep)


class _Sparql(_Component):
    iri = SH.SPARQLConstraintComponent

    def __init__(self, graph: Graph, node: Node, shape_node, shape_path: str | None):
        self.source_constraint = node
        selects = list(graph.objects(node, SH.select))
        if len(selects) != 1:
            if list(graph.objects(node, SH.ask)):
                raise UnsupportedShaclFeature(shape_node, "sh:ask in a SPARQL constraint")
            raise ShapeError(f"oxigraph engine: SPARQL constraint {_show(node)} of {_show(shape_node)} needs one sh:select")
        self.messages = list(graph.objects(node, SH.message))
        deactivated = graph.value(node, SH.deactivated)
        self.deactivated = isinstance(deactivated, Literal) and deactivated.value is True
        text = str(selects[0])
        self.shape_node = shape_node
        self.check(text, shape_node)
        prefixes = _declared_prefixes(graph, node, shape_node)
        text = _split_prologue(text, prefixes)
        if _SHAPES_GRAPH.search(text):
            raise UnsupportedShaclFeature(shape_node, "$shapesGraph in a SPARQL constraint")
        if _CURRENT_SHAPE.search(text):
            if not isinstance(shape_node, URIRef):
                raise UnsupportedShaclFeature(shape_node, "$currentShape of a blank-node shape")
            text = _CURRENT_SHAPE.sub(lambda m: m.group(1) + _iri(shape_node), text)
        if _PATH_VAR.search(text):
            if shape_path is None:
                raise ShapeError(f"oxigraph engine: SPARQL constraint of {_show(shape_node)} uses $PATH but the shape has no path")
            text = _PATH_VAR.sub(lambda m: m.group(1) + shape_path, text)
        # Pre-binding $this: every group of the query joins the focus nodes (so $this is bound
        # wherever it occurs, also in a FILTER inside a nested group, as with substitution).
        # Solution modifiers and aggregates would then span all focus nodes at once: refused.
        code = _code(text)
        if re.search(r"\b(LIMIT|OFFSET)\b", code, flags=re.I):
            raise UnsupportedShaclFeature(shape_node, "LIMIT/OFFSET in a SPARQL constraint")
        if re.search(r"\b(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\s*\(", code, flags=re.I) and \
                not re.search(r"GROUP\s+BY\b[^{}]*[?$]this\b", code, flags=re.I):
            raise UnsupportedShaclFeature(shape_node, "aggregates not grouped by $this in a SPARQL constraint")
        braces = _group_braces(text)
        if not braces:
            raise ShapeError(f"oxigraph engine: SPARQL constraint of {_show(shape_node)} has no WHERE clause")
        self.pieces = [text[a:b] for a, b in zip([0] + [i + 1 for i in braces], [i + 1 for i in braces] + [len(text)])]
        self.prefixes = tuple(sorted(prefixes.items()))

    @staticmethod
    def check(text: str, shape_node) -> None:
        if _HAS_MINUS.search(text):
            raise ShapeError("A SPARQL Constraint must not contain a MINUS clause.")
        if _HAS_VALUES.search(text):
            raise ShapeError("A SPARQL Constraint must not contain a VALUES clause.")
        if _HAS_SERVICE.search(text):
            raise ShapeError("A SPARQL Constraint must not contain a federated query (SERVICE).")
        nested = _NESTED_SELECT.search(text)
        if nested:
            names = [v.lstrip("$?") for v in nested.group(1).split()]
            if names == ["*"]:
                raise ShapeError("Using 'SELECT *' in a nested SELECT query does not select potentially pre-bound variables.")
            if "this" not in names:
                raise ShapeError("All potentially pre-bound variables must be selected from a nested SELECT query.")
        as_var = _AS_VAR.search(text)
        if as_var and as_var.group(1) in ("this", "shapesGraph", "currentShape"):
            raise ShapeError(f"Cannot use AS to re-bind potentially pre-bound variables such as {as_var.group(1)}")

    def evaluate(self, run, shape, focus, emit):
        if self.deactivated:
            return
        prefixes = dict(self.prefixes)
        for p, ns in focus.prefixes:
            if prefixes.setdefault(p, ns) != ns:
                raise UnsupportedShaclFeature(shape.node, f"a SPARQL target and constraint that bind prefix {p}: differently")
        # Pre-binding $this: the focus nodes are joined in at the start of the outer WHERE group.
        query = f" {{ {focus.pattern} }} ".join(self.pieces)
        seen = set()
        failure_seen = False
        variables, rows = run.select_with_variables(query, prefixes.items(), fallback=True)
        for row in rows:
            bindings = {name: term for name, term in zip(variables, row) if term is not None}
            if "failure" in bindings:
                if failure_seen:
                    continue
                failure_seen = True
            this = bindings.get("this")
            path = bindings.get("path")
            value = bindings.get("value")
            key = tuple(sorted((k, str(v)) for k, v in bindings.items()))
            if key in seen:
                continue
            seen.add(key)
            if value is None and not shape.is_property:
                value = this
            emit(_Raw(shape, self, this, value, path=path, bindings=bindings))

    def message(self, shape, raw, sg, dg, focus=None, value=None):
        return ""


# --- compiling ---------------------------------------------------------------------------------
_PASSIVE = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.message, SH.severity,
            SH.deactivated, SH.property, SH.path, SH.targetClass, SH.targetNode, SH.targetSubjectsOf,
            SH.targetObjectsOf, SH.target, SH.flags, SH.ignoredProperties, SH.qualifiedMinCount,
            SH.qualifiedMaxCount, SH.qualifiedValueShapesDisjoint, SH.declare, SH.prefixes,
            SH.shapesGraphWellFormed, SH.suggestedShapesGraph, SH.entailment, SH.shapesGraph}
_ACTIVE = {SH["class"], SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.minExclusive, SH.minInclusive,
           SH.maxExclusive, SH.maxInclusive, SH.minLength, SH.maxLength, SH.pattern, SH.languageIn,
           SH.uniqueLang, SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals, SH["not"], SH["and"],
           SH["or"], SH.xone, SH.node, SH.qualifiedValueShape, SH.closed, SH.hasValue, SH["in"], SH.sparql}


class _Compiler:
    def __init__(self, graph: Graph, advanced: bool = True):
        self.g = graph
        self.advanced = advanced
        self.shapes: dict[Node, Shape] = {}
        self.pending: list = []     # shape-based components, resolved once all shapes exist
        self.custom_parameters = self._custom_parameters()
        self.patterns: list[_Pattern] = []

    def _custom_parameters(self) -> dict[Node, Node]:
        """Predicates declared as parameters of SPARQL-based constraint components."""
        out = {}
        g = self.g
        for component in set(g.subjects(SH.parameter, None)):
            for parameter in g.objects(component, SH.parameter):
                for path in g.objects(parameter, SH.path):
                    out[path] = component
        return out

    def _one(self, node, predicate, shape_node):
        values = list(self.g.objects(node, predicate))
        if len(values) > 1:
            raise ShapeError(f"oxigraph engine: shape {_show(shape_node)} has {len(values)} values for "
                             f"sh:{predicate[len(_SH):]}, at most one is allowed")
        return values[0] if values else None

    def describe(self, node: Node) -> str:
        """A shape's name for messages: blank-node property shapes by their path and parent."""
        if not isinstance(node, BNode):
            return f"shape {_show(node)}"
        path = self.g.value(node, SH.path)
        parent = self.g.value(None, SH.property, node)
        if path is not None:
            where = f"property shape sh:path {_show(path) if not isinstance(path, BNode) else '(complex path)'}"
            return where + (f" of {self.describe(parent)}" if parent is not None else f" ({_show(node)})")
        return f"shape {_show(node)}"

    def shape(self, node: Node) -> Shape:
        if node in self.shapes:
            return self.shapes[node]
        try:
            return self._shape(node)
        except UnsupportedShaclFeature as exc:
            if exc.shape == node and isinstance(node, BNode):
                raise UnsupportedShaclFeature(node, exc.feature, self.describe(node)) from None
            raise

    def _shape(self, node: Node) -> Shape:
        g = self.g
        shape = Shape(node)
        self.shapes[node] = shape
        predicates = set(g.predicates(node))
        for predicate in predicates:
            if predicate in self.custom_parameters:
                raise UnsupportedShaclFeature(node, f"the SPARQL-based constraint component "
                                                    f"{_show(self.custom_parameters[predicate])} (parameter {_show(predicate)})")
            if str(predicate).startswith(_SH) and predicate not in _PASSIVE and predicate not in _ACTIVE:
                if predicate in (SH.select, SH.prefixes) and (None, SH.sparql, node) in g:
                    continue  # the shape is its own SPARQL constraint
                raise UnsupportedShaclFeature(node, f"sh:{predicate[len(_SH):]}")
        types = set(g.objects(node, RDF.type))
        path = self._one(node, SH.path, node)
        if path is not None:
            if SH.NodeShape in types:
                raise ShapeError(f"oxigraph engine: node shape {_show(node)} cannot have sh:path")
            shape.path = path
            shape.sparql_path = _path(g, path, node)
        severity = self._one(node, SH.severity, node)
        if severity is not None:
            shape.severity = severity
        shape.messages = list(g.objects(node, SH.message))
        deactivated = self._one(node, SH.deactivated, node)
        shape.deactivated = isinstance(deactivated, Literal) and deactivated.value is True
        self._targets(shape, types)
        self._components(shape, predicates)
        shape.plan = _plan(shape.components)
        for prop in g.objects(node, SH.property):
            child = self.shape(prop)
            if not child.is_property:
                raise ShapeError(f"oxigraph engine: {_show(prop)} (sh:property of {_show(node)}) has no sh:path")
            shape.properties.append(child)
        return shape

    def _targets(self, shape: Shape, types: set) -> None:
        g, node = self.g, shape.node
        class_types = {RDFS.Class} | set(g.subjects(RDFS.subClassOf, RDFS.Class))
        classes = list(g.objects(node, SH.targetClass))
        if types & class_types and types & {SH.NodeShape, SH.PropertyShape}:
            classes.append(node)
        for cls in classes:
            if not isinstance(cls, URIRef):
                raise UnsupportedShaclFeature(node, "a blank node as sh:targetClass")
            _iri(cls, node)
            shape.targets.append(_ClassTarget(cls))
        nodes = list(g.objects(node, SH.targetNode))
        if nodes:
            shape.targets.append(_NodeTarget([_sparql_term(n, node) for n in nodes]))
        for predicate in g.objects(node, SH.targetSubjectsOf):
            shape.targets.append(_SubjectsOfTarget(_iri(predicate, node)))
        for predicate in g.objects(node, SH.targetObjectsOf):
            shape.targets.append(_ObjectsOfTarget(_iri(predicate, node)))
        for target in (g.objects(node, SH.target) if self.advanced else ()):
            selects = list(g.objects(target, SH.select))
            target_types = set(g.objects(target, RDF.type))
            if len(selects) != 1 or not (target_types <= {SH.SPARQLTarget}):
                raise UnsupportedShaclFeature(node, "sh:target other than a sh:SPARQLTarget with one sh:select")
            prefixes = _declared_prefixes(g, target, node)
            body = _split_prologue(str(selects[0]), prefixes)
            shape.targets.append(_SparqlTarget(_SparqlText(body, tuple(sorted(prefixes.items())))))

    def _components(self, shape: Shape, predicates: set) -> None:
        g, node = self.g, shape.node
        comps = shape.components

        def values(p):
            return list(g.objects(node, p))

        for cls in values(SH["class"]):
            comps.append(_Class(cls, node, values(SH["class"])))
        datatype = self._one(node, SH.datatype, node)
        if datatype is not None:
            comps.append(_Datatype(datatype, node))
        kind = self._one(node, SH.nodeKind, node)
        if kind is not None:
            comps.append(_NodeKind(kind, node))
        for predicate, cls in ((SH.minCount, _MinCount), (SH.maxCount, _MaxCount)):
            count = self._one(node, predicate, node)
            if count is None:
                continue
            if not shape.is_property:
                raise ShapeError(f"oxigraph engine: sh:{predicate[len(_SH):]} on node shape {_show(node)} "
                                 f"(only property shapes may have it)")
            if not (isinstance(count, Literal) and count.datatype == XSD.integer and int(count.value) >= 0):
                raise ShapeError(f"oxigraph engine: shape {_show(node)}: sh:{predicate[len(_SH):]} must be a "
                                 f"non-negative xsd:integer")
            comps.append(cls(count))
        for predicate in _Range.OPS:
            for limit in values(predicate):
                comps.append(_Range(predicate, limit, node))
        for predicate, minimum in ((SH.minLength, True), (SH.maxLength, False)):
            for limit in values(predicate):
                comps.append(_Length(limit, minimum, node))
        patterns = values(SH.pattern)
        flags = self._one(node, SH.flags, node)
        for pattern in patterns:
            component = _Pattern(pattern, flags, node, patterns)
            self.patterns.append(component)
            comps.append(component)
        language_in = self._one(node, SH.languageIn, node)
        if language_in is not None:
            comps.append(_LanguageIn(language_in, g, node))
        unique = self._one(node, SH.uniqueLang, node)
        if unique is not None:
            if not shape.is_property:
                raise ShapeError(f"oxigraph engine: sh:uniqueLang on node shape {_show(node)}")
            if not (isinstance(unique, Literal) and isinstance(unique.value, bool)):
                raise ShapeError(f"oxigraph engine: shape {_show(node)}: sh:uniqueLang must be a boolean")
            if unique.value:
                comps.append(_UniqueLang())
        for predicate in _PropertyPair.KINDS:
            others = values(predicate)
            for other in others:
                comps.append(_PropertyPair(predicate, other, node, others))
        in_list = values(SH["in"])
        for lst in in_list:
            comps.append(_In(list(Collection(g, lst)), node))
        has_values = values(SH.hasValue)
        for value in has_values:
            comps.append(_HasValue(value, node, has_values))
        closed = self._one(node, SH.closed, node)
        if closed is not None and isinstance(closed, Literal) and closed.value is True:
            allowed = set()
            for prop in g.objects(node, SH.property):
                path = g.value(prop, SH.path)
                if isinstance(path, URIRef):
                    allowed.add(_iri(path, node))
            for lst in values(SH.ignoredProperties):
                for item in Collection(g, lst):
                    allowed.add(_iri(item, node))
            comps.append(_Closed(sorted(allowed)))
        elif values(SH.ignoredProperties) and closed is None:
            raise ShapeError(f"oxigraph engine: shape {_show(node)}: sh:ignoredProperties without sh:closed")
        for kind in (SH.node, SH["not"]):
            members = values(kind)
            for member in members:  # pySHACL checks each shape on its own (one result per shape)
                component = _ShapeBased(kind, [member], [], members)
                self.pending.append(component)
                comps.append(component)
        for kind in (SH["and"], SH["or"], SH.xone):
            for lst in values(kind):
                members = list(Collection(g, lst))
                if not members:
                    raise ShapeError(f"oxigraph engine: shape {_show(node)}: empty sh:{kind[len(_SH):]} list")
                component = _ShapeBased(kind, members, [lst], members)
                self.pending.append(component)
                comps.append(component)
        qualified = values(SH.qualifiedValueShape)
        if qualified and shape.is_property:
            minimum = self._one(node, SH.qualifiedMinCount, node)
            maximum = self._one(node, SH.qualifiedMaxCount, node)
            for bound in (minimum, maximum):
                if bound is not None and not (isinstance(bound, Literal) and isinstance(bound.value, int)):
                    raise ShapeError(f"oxigraph engine: shape {_show(node)}: qualified counts must be integers")
            if minimum is None and maximum is None:
                raise ShapeError(f"oxigraph engine: shape {_show(node)}: sh:qualifiedValueShape without a count")
            disjoint = any(isinstance(d, Literal) and d.value is True
                           for d in values(SH.qualifiedValueShapesDisjoint))
            siblings = []
            if disjoint:
                for parent in g.subjects(SH.property, node):
                    for prop in g.objects(parent, SH.property):
                        for sibling in g.objects(prop, SH.qualifiedValueShape):
                            if sibling not in qualified and sibling not in siblings:
                                siblings.append(sibling)
            component = _Qualified(qualified, minimum.value if minimum is not None else None,
                                   maximum.value if maximum is not None else None, disjoint, siblings)
            self.pending.append(component)
            comps.append(component)
        for constraint in values(SH.sparql):
            for predicate in g.predicates(constraint):
                if str(predicate).startswith(_SH) and predicate not in (SH.select, SH.message, SH.prefixes,
                                                                        SH.deactivated, SH.ask) \
                        and predicate not in _PASSIVE and predicate not in _ACTIVE:  # a shape may be its own constraint
                    raise UnsupportedShaclFeature(node, f"sh:{predicate[len(_SH):]} in a SPARQL constraint")
            comps.append(_Sparql(g, constraint, node, shape.sparql_path))

    def resolve(self) -> None:
        while self.pending:
            component = self.pending.pop()
            if isinstance(component, _ShapeBased):
                component.members = [self.shape(m) for m in component.member_nodes]
            else:
                component.value_shapes = [self.shape(m) for m in component.value_shape_nodes]
                component.siblings = [self.shape(m) for m in component.sibling_nodes]


def compile_shapes(shapes: Graph, *, advanced: bool = True) -> CompiledShapes:
    """Parse and check every shape once. Raises UnsupportedShaclFeature / ShapeError.
    `advanced=False` ignores sh:target (SHACL-AF custom targets), as pySHACL does."""
    g = shapes
    compiler = _Compiler(g, advanced)
    candidates: set[Node] = set()
    for predicate in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target, SH.property):
        candidates |= set(g.subjects(predicate, None))
    for kind in (SH.NodeShape, SH.PropertyShape):
        for node in g.subjects(RDF.type, kind):
            candidates.add(node)
    for node in sorted(candidates, key=str):
        compiler.shape(node)
    compiler.resolve()
    # Property shapes reached only through sh:property are validated through their parent; the
    # roots are the shapes with targets.
    roots = [s for s in compiler.shapes.values() if s.targets]
    probe = ox.Store()
    for pattern in compiler.patterns:
        pattern.check_engine(probe)
    literal_focus = {}
    for literal in g.objects(None, SH.targetNode):
        if isinstance(literal, Literal):
            literal_focus[_canonical(probe, to_ox(literal))] = literal
    namespaces = {p: str(ns) for p, ns in g.namespaces() if p}
    return CompiledShapes(shapes_graph=g, shapes=compiler.shapes, roots=roots, namespaces=namespaces,
                          literal_focus=literal_focus)


def _canonical(store: ox.Store, term):
    """The form Oxigraph stores `term` in."""
    quad = ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), term)
    store.add(quad)
    stored = next(iter(store.quads_for_pattern(quad.subject, quad.predicate, None))).object
    store.remove(ox.Quad(quad.subject, quad.predicate, stored))
    return stored


_cache: dict[tuple, tuple] = {}
_cache_lock = threading.Lock()


def compiled_for(shapes: Graph, *, advanced: bool = True) -> CompiledShapes:
    """compile_shapes with a cache per Graph object (recompiled when its size changes)."""
    key = (id(shapes), advanced)
    with _cache_lock:
        entry = _cache.get(key)
        if entry is not None and entry[0]() is shapes and entry[1] == len(shapes):
            return entry[2]
    compiled = compile_shapes(shapes, advanced=advanced)
    with _cache_lock:
        for k in [k for k, v in _cache.items() if v[0]() is None]:
            del _cache[k]
        _cache[key] = (weakref.ref(shapes), len(shapes), compiled)
    return compiled


def run_raw(store: ox.Store, compiled: CompiledShapes, namespaces: Graph | None = None) -> list[_Raw]:
    run = _Run(store, compiled, namespaces)
    raws: list[_Raw] = []
    for shape in compiled.roots:
        if shape.deactivated:
            continue
        run.evaluate(shape, _focus_of(shape, run), raws.append)
    return raws


def validate_store(store: ox.Store, compiled: CompiledShapes | Graph, *, namespaces: Graph | None = None,
                   terms: DataTerms | None = None) -> list[ShaclResult]:
    """Validate the default graph of `store`. `namespaces` only affects the generated messages
    (prefixed names, as pySHACL prints them with the data graph's prefixes) and the prefixes a
    SPARQL constraint may use without declaring them (rdflib falls back to the data graph's)."""
    if isinstance(compiled, Graph):
        compiled = compiled_for(compiled)
    raws = run_raw(store, compiled, namespaces)
    return to_results(raws, compiled, namespaces, terms)


def to_results(raws: list[_Raw], compiled: CompiledShapes, namespaces: Graph | None = None,
               terms: DataTerms | None = None) -> list[ShaclResult]:
    if not raws:
        return []
    sg = compiled.shapes_graph
    dg = namespaces if namespaces is not None else Graph()
    terms = terms if terms is not None else DataTerms()
    out = []
    for raw in raws:
        shape, component = raw.shape, raw.component
        focus = terms.to_rdflib(raw.focus) if not isinstance(raw.focus, ox.Literal) else \
            compiled.literal_focus.get(raw.focus) or terms.to_rdflib(raw.focus)
        path = terms.to_rdflib(raw.path) if raw.path is not None else shape.path
        if raw.value is None:
            value = None
        elif raw.value == raw.focus:
            value = focus
        else:
            value = terms.to_rdflib(raw.value, focus, path)
        messages = [str(m) for m in shape.messages]
        if isinstance(component, _Sparql):
            fill = _message_filler(raw)
            extra = [fill(str(m)) for m in component.messages if m not in shape.messages]
            messages = extra + [fill(m) for m in messages]
        if not messages:
            messages = [component.message(shape, raw, sg, dg, focus, value)]
        severity = str(shape.severity)
        iri = str(component.iri)
        out.append(ShaclResult(
            focus_node=focus, path=path, value=value, message=messages[0], severity=severity.rsplit("#", 1)[-1],
            source_shape=shape.node, constraint=iri.rsplit("#", 1)[-1], constraint_iri=iri, severity_iri=severity,
        ))
    return out


def _message_filler(raw: _Raw):
    values = {}
    for name, term in (raw.bindings or {}).items():
        values[name] = str(term.value) if hasattr(term, "value") else str(term)

    def fill(text: str) -> str:
        return _MESSAGE_VAR.sub(lambda m: values.get(m.group(1), m.group(0)), text)
    return fill


def report_graph(results: list[ShaclResult], shapes: Graph) -> Graph:
    """A sh:ValidationReport graph for `results`, shaped like pySHACL's (blank-node paths and
    shapes are copied from the shapes graph)."""
    g = Graph()
    g.bind("sh", SH)
    report = BNode()
    g.add((report, RDF.type, SH.ValidationReport))
    g.add((report, SH.conforms, Literal(not results)))
    copied: set = set()

    def copy(node):
        todo = [node]
        while todo:
            n = todo.pop()
            if not isinstance(n, BNode) or n in copied:
                continue
            copied.add(n)
            for p, o in shapes.predicate_objects(n):
                g.add((n, p, o))
                todo.append(o)

    for r in results:
        node = BNode()
        g.add((report, SH.result, node))
        g.add((node, RDF.type, SH.ValidationResult))
        g.add((node, SH.focusNode, r.focus_node))
        g.add((node, SH.resultSeverity, URIRef(r.severity_iri)))
        g.add((node, SH.sourceConstraintComponent, URIRef(r.constraint_iri)))
        if r.source_shape is not None:
            g.add((node, SH.sourceShape, r.source_shape))
            copy(r.source_shape)
        if r.path is not None:
            g.add((node, SH.resultPath, r.path))
            copy(r.path)
        if r.value is not None:
            g.add((node, SH.value, r.value))
        if r.message:
            g.add((node, SH.resultMessage, Literal(r.message)))
    return g
