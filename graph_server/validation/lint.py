"""`schakel shapes lint`: finds the defect patterns of published OSLO shapes (see
../shared/oslo/README.md, "Known defects of the official shapes") before they reach ingest.

Rules (severity: error = the shape is wrong; warning = very likely wrong or harmful when the
profiles are combined; info = worth a look):

  class-on-literal        error    sh:class rdf:langString / xsd:* / rdfs:Literal where sh:datatype
                                   is meant: every literal value fails
  target-is-property      error    sh:targetClass names a property (dotted local name `Klasse.eigenschap`,
                                   declared rdf:Property / owl:*Property in a --vocab, or used as
                                   sh:path): the shape never fires
  target-is-datatype      error    sh:targetClass rdf:langString / xsd:*: literals have no rdf:type,
                                   the shape never fires
  target-not-a-class      warning  the target class is never used as a class: not declared a class by
                                   the --vocab covering its namespace, or not class-like (lower-case
                                   local name, namespace IRI) and never used with sh:class
  no-target               warning  a shape with no target that no other shape refers to: never fires
  placeholder-iri         error    placeholder namespaces (fixme.com, example.*, localhost, todo)
  wrong-scheme            error    https:// for a namespace that is http:// (W3C, purl.org, FOAF,
                                   data.europa.eu), e.g. `https://www.w3.org/ns/org#`, or the scheme
                                   the --vocab does not use
  scheme-mixing           warning  one vocabulary used with both http:// and https:// (schema.org)
  iri-with-space          error    an IRI containing white space (found in the raw text: rdflib
                                   accepts such files, Rust engines and pyoxigraph refuse them)
  path-is-class           error    an sh:path that is a class (declared in a --vocab, or UpperCamelCase
                                   and used with sh:class / sh:targetClass), e.g. sh:path adres:Straatnaam
  path-typo               error    an sh:path one edit away from a known term (--vocab terms, other
                                   shapes' paths, class names), with the likely intended IRI
  unknown-path            warning  an sh:path in a namespace a --vocab covers, not defined there
  conflicting-cardinality warning  one class + path with different min/max in profiles linted together
  impossible-cardinality  error    min > max for one class + path within one file
  codelist-unavailable    warning  sh:class skos:Concept without sh:in whose codelist is not given
                                   (--codelists): every coded value fails unless the codelist is loaded
  codelist-unlinked       info     sh:class skos:Concept without sh:in or qb:codeList: which codelist?
  parse-error             error    the file cannot be parsed (after repairing spaces in IRIs)
  unreadable-input        warning  a --vocab or --codelists file could not be read (it is skipped);
                                   Latin-1 files are read anyway and reported
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from graph_server.validation.engine import SH
from graph_server.validation.messages import Prefixes
from graph_server.validation.rdfio import RdfLoadError, guess_format, iter_rdf_files, parse_bytes

QB = Namespace("http://purl.org/linked-data/cube#")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
LITERAL_CLASSES = {RDF.langString, RDF.HTML, RDF.XMLLiteral, RDFS.Literal, RDF.PlainLiteral}
PROPERTY_TYPES = {RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty,
                  OWL.FunctionalProperty}
CLASS_TYPES = {RDFS.Class, OWL.Class}
SHAPE_REFERENCES = (SH.node, SH.property, SH.qualifiedValueShape, SH["not"])
SHAPE_LIST_REFERENCES = (SH["and"], SH["or"], SH.xone)
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
PLACEHOLDER_HOSTS = re.compile(r"^(?:[\w-]+\.)*(fixme|todo|tbd|example|localhost|placeholder)(\.|$|:)", re.I)
# Namespaces whose scheme is http:// whatever the year: an https:// form is a different IRI.
HTTP_ONLY_STRICT = ("www.w3.org/", "purl.org/", "xmlns.com/foaf/", "data.europa.eu/")
IRI_WITH_SPACE = re.compile(r"<([^<>\"{}|^`\\\n]*\s[^<>\"{}|^`\\\n]*)>")
IRI_IN_TEXT = re.compile(r"<([^<>\s\"]+)>")


class LintError(ValueError):
    """Lint could not run at all (no shapes files)."""


@dataclass(frozen=True)
class Defect:
    rule: str
    severity: str
    file: str
    line: int | None
    subject: str
    message: str
    suggestion: str = ""
    term: str = ""

    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class LintResult:
    files: list[str]
    defects: list[Defect] = field(default_factory=list)
    vocab_files: list[str] = field(default_factory=list)
    codelist_files: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(d.rule for d in self.defects).items()))

    def by_severity(self) -> dict[str, int]:
        c = Counter(d.severity for d in self.defects)
        return {s: c[s] for s in SEVERITY_RANK}

    def exit_code(self, min_severity: str = "warning") -> int:
        limit = SEVERITY_RANK[min_severity]
        return 1 if any(SEVERITY_RANK[d.severity] <= limit for d in self.defects) else 0

    def of(self, rule: str, file: str | None = None) -> list[Defect]:
        return [d for d in self.defects if d.rule == rule and (file is None or Path(d.file).name == file)]


# --------------------------------------------------------------------------------------------
# Reading files robustly


class _Source:
    """One file: raw text (for line numbers and raw scans) and, when parsable, its graph."""

    def __init__(self, path: Path):
        self.path = path
        self.name = str(path)
        self.graph: Graph | None = None
        self.text = ""
        self.encoding_note = ""
        self.error: RdfLoadError | None = None
        self.repaired = False
        self._lines: list[int] = []
        self._cache: dict[tuple[str, int], int | None] = {}

    def read(self) -> None:
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            self.error = RdfLoadError(self.name, exc.strerror or str(exc))
            return
        try:
            self.text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self.text = raw.decode("latin-1")
            self.encoding_note = f"line {line}: not UTF-8, read as Latin-1"
        self._lines = [m.start() for m in re.finditer("\n", self.text)]
        try:
            fmt = guess_format(self.path)
        except RdfLoadError as exc:
            self.error = exc
            return
        data = self.text.encode("utf-8")
        try:
            self.graph = parse_bytes(data, fmt, source=self.name, base=self.path.resolve().as_uri())
        except RdfLoadError as exc:
            # Second chance: percent-encode white space inside <...> (the raw scan reports it).
            fixed = IRI_WITH_SPACE.sub(lambda m: "<" + re.sub(r"\s", "%20", m.group(1)) + ">", self.text)
            if fixed != self.text:
                try:
                    self.graph = parse_bytes(fixed.encode("utf-8"), fmt, source=self.name,
                                             base=self.path.resolve().as_uri())
                    self.repaired = True
                    return
                except RdfLoadError:
                    pass
            self.error = exc

    def declared_prefixes(self) -> dict[str, str]:
        """Prefixes as written in the file (Turtle @prefix / SPARQL PREFIX)."""
        if not hasattr(self, "_declared"):
            self._declared = {m.group(1): m.group(2) for m in re.finditer(
                r"(?im)^\s*@?prefix\s+([\w.-]*):\s*<([^>]*)>", self.text)}
        return self._declared

    def line_at(self, offset: int) -> int:
        import bisect
        return bisect.bisect_left(self._lines, offset) + 1

    def line_of(self, iri: str, after: int | None = None) -> int | None:
        """First line (at or after `after`) where the IRI occurs, full or as a CURIE."""
        key = (iri, after or 0)
        if key in self._cache:
            return self._cache[key]
        start = 0
        if after and after > 1 and after - 2 < len(self._lines):
            start = self._lines[after - 2] + 1
        candidates = [f"<{iri}>"]
        for prefix, ns in self.declared_prefixes().items():
            if iri.startswith(ns) and len(iri) > len(ns):
                candidates.append(f"{prefix}:{iri[len(ns):]}")
        best: int | None = None
        for candidate in candidates:
            if candidate.startswith("<"):
                pos = self.text.find(candidate, start)
            else:
                match = re.compile(r"(?<![\w:/#-])" + re.escape(candidate) + r"(?![\w-])").search(self.text, start)
                pos = match.start() if match else -1
            if pos >= 0 and (best is None or pos < best):
                best = pos
        line = self.line_at(best) if best is not None else (None if not after else self.line_of(iri))
        self._cache[key] = line
        return line


def _load_sources(paths: Iterable[Path]) -> list[_Source]:
    sources = []
    for path in paths:
        source = _Source(path)
        source.read()
        sources.append(source)
    return sources


# --------------------------------------------------------------------------------------------
# Shape model


@dataclass
class PropertyInfo:
    node: Node
    path: Node | None
    classes: list[Node]
    datatypes: list[Node]
    min_count: int | None
    max_count: int | None
    has_in: bool
    codelists: list[Node]
    parents: list[Node]


def _int(value: Node | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _property_shapes(graph: Graph) -> list[PropertyInfo]:
    nodes = set(graph.objects(None, SH.property)) | set(graph.subjects(SH.path, None))
    out = []
    for node in nodes:
        out.append(PropertyInfo(
            node=node,
            path=graph.value(node, SH.path),
            classes=list(graph.objects(node, SH["class"])),
            datatypes=list(graph.objects(node, SH.datatype)),
            min_count=_int(graph.value(node, SH.minCount)),
            max_count=_int(graph.value(node, SH.maxCount)),
            has_in=(node, SH["in"], None) in graph,
            codelists=list(graph.objects(node, QB.codeList)),
            parents=list(graph.subjects(SH.property, node)),
        ))
    return out


def _node_shapes(graph: Graph) -> set[Node]:
    shapes = set(graph.subjects(RDF.type, SH.NodeShape))
    for predicate in TARGETS:
        shapes |= set(graph.subjects(predicate, None))
    shapes |= set(graph.subjects(SH.property, None))
    return shapes - set(graph.subjects(SH.path, None))


def _referenced_shapes(graph: Graph) -> set[Node]:
    referenced: set[Node] = set()
    for predicate in SHAPE_REFERENCES:
        referenced |= set(graph.objects(None, predicate))
    for predicate in SHAPE_LIST_REFERENCES:
        for head in graph.objects(None, predicate):
            try:
                referenced |= set(Collection(graph, head))
            except Exception:  # noqa: BLE001 - malformed list
                pass
    return referenced


def _local(iri: str) -> str:
    if "#" in iri:
        return iri.rsplit("#", 1)[1]
    return iri.rstrip("/").rsplit("/", 1)[-1] if not iri.endswith("/") else ""


def _namespace(iri: str) -> str:
    local = _local(iri)
    return iri[: len(iri) - len(local)] if local else iri


def _schemeless(iri: str) -> str:
    return re.sub(r"^https?://", "", iri)


def _class_like(iri: str) -> bool:
    """OSLO naming: classes are UpperCamelCase without a dot; properties lowerCamelCase or
    `Klasse.eigenschap`."""
    local = _local(iri)
    return bool(local) and local[:1].isupper() and "." not in local


def _is_literal_type(node: Node) -> bool:
    return node in LITERAL_CLASSES or (isinstance(node, URIRef) and str(node).startswith(str(XSD)))


def _distance(a: str, b: str) -> int:
    try:
        from rapidfuzz.distance import DamerauLevenshtein
        return DamerauLevenshtein.distance(a, b)
    except ImportError:  # pragma: no cover - rapidfuzz is a project dependency
        import difflib
        return 0 if a == b else (1 if difflib.SequenceMatcher(None, a, b).ratio() > 0.95 else 9)


# --------------------------------------------------------------------------------------------
# Vocabularies and codelists


@dataclass
class Vocabulary:
    terms: set[str] = field(default_factory=set)
    properties: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    namespaces: set[str] = field(default_factory=set)

    owner_kinds: dict[str, set[str]] = field(default_factory=dict)

    def add(self, graph: Graph) -> None:
        defined: Counter[str] = Counter()
        kinds: dict[str, set[str]] = defaultdict(set)
        for s, o in graph.subject_objects(RDF.type):
            if not isinstance(s, URIRef):
                continue
            iri = str(s)
            if o in PROPERTY_TYPES:
                self.properties.add(iri)
                kinds[iri].add("property")
            elif o in CLASS_TYPES:
                self.classes.add(iri)
                kinds[iri].add("class")
            else:
                continue
            self.terms.add(iri)
            if _local(iri):
                defined[_namespace(iri)] += 1
        # A vocabulary *covers* (owns) only its own namespace, not the external terms it reuses
        # (OSLO vocabularies redeclare eli:, prov:, m8g: terms): the owl:Ontology IRI, else the
        # namespace most of its terms are in.
        owned = set()
        for ontology in graph.subjects(RDF.type, OWL.Ontology):
            base = str(ontology)
            owned |= {base} if base.endswith(("#", "/")) else {base + "#", base + "/"}
        owned &= set(defined) | {ns for ns in owned if ns in defined}
        if not owned and defined:
            owned = {defined.most_common(1)[0][0]}
        self.namespaces |= owned
        for iri, found in kinds.items():
            if _namespace(iri) in owned:
                self.owner_kinds.setdefault(iri, set()).update(found)

    def is_property(self, iri: str) -> bool:
        """Declared a property; when vocabularies disagree (lblod's LPDC redeclares the class
        adres:Straatnaam as rdf:Property) the vocabulary owning the namespace decides."""
        if iri not in self.properties:
            return False
        if iri in self.classes:
            return "property" in self.owner_kinds.get(iri, set()) and "class" not in self.owner_kinds.get(iri, set())
        return True

    def is_class(self, iri: str) -> bool:
        return iri in self.classes and not self.is_property(iri)

    def covers(self, iri: str) -> bool:
        return _namespace(iri) in self.namespaces


@dataclass
class Codelists:
    schemes: set[str] = field(default_factory=set)
    concepts: int = 0

    def add(self, graph: Graph) -> None:
        self.schemes |= {str(s) for s in graph.subjects(RDF.type, SKOS.ConceptScheme)}
        self.schemes |= {str(o) for o in graph.objects(None, SKOS.inScheme)}
        self.concepts += len(set(graph.subjects(RDF.type, SKOS.Concept)))


# --------------------------------------------------------------------------------------------
# The linter


class _Linter:
    def __init__(self, sources: list[_Source], vocab: Vocabulary, codelists: Codelists | None):
        self.sources = sources
        self.vocab = vocab
        self.codelists = codelists
        self.defects: list[Defect] = []
        merged = [s.graph for s in sources if s.graph is not None]
        self.prefixes = Prefixes(*merged, *(s.declared_prefixes() for s in sources))
        # Paths, classes used across all linted shapes (for typo and property-as-class checks)
        self.path_uses: Counter[str] = Counter()
        self.class_uses: set[str] = set()
        for graph in merged:
            for path in graph.objects(None, SH.path):
                if isinstance(path, URIRef):
                    self.path_uses[str(path)] += 1
            self.class_uses |= {str(c) for c in graph.objects(None, SH["class"]) if isinstance(c, URIRef)}
            self.class_uses |= {str(c) for c in graph.objects(None, SH.targetClass) if isinstance(c, URIRef)}

    def add(self, source: _Source, rule: str, severity: str, line: int | None, subject: str, message: str,
            suggestion: str = "", term: str = "") -> None:
        self.defects.append(Defect(rule, severity, source.name, line, subject, message, suggestion, term))

    def c(self, node: Node | str | None) -> str:
        if node is None:
            return ""
        if isinstance(node, str):
            return self.prefixes.curie(node)
        return self.prefixes.term(node)

    def shape_name(self, graph: Graph, node: Node) -> str:
        if isinstance(node, URIRef):
            return self.prefixes.short(str(node))
        parent = next(graph.subjects(SH.property, node), None)
        path = graph.value(node, SH.path)
        path_text = self.prefixes.term(path, graph) if path is not None else "?"
        if parent is not None and isinstance(parent, URIRef):
            return f"{self.prefixes.short(str(parent))} › {path_text}"
        return f"[] › {path_text}"

    def shape_line(self, source: _Source, graph: Graph, node: Node) -> int | None:
        if isinstance(node, URIRef):
            return source.line_of(str(node))
        parent = next(graph.subjects(SH.property, node), None)
        after = source.line_of(str(parent)) if isinstance(parent, URIRef) else None
        path = graph.value(node, SH.path)
        if isinstance(path, URIRef):
            return source.line_of(str(path), after=after)
        return after

    # -- rules ---------------------------------------------------------------------------

    def run(self) -> list[Defect]:
        for source in self.sources:
            self.raw_checks(source)
            if source.graph is None:
                continue
            self.check_class_on_literal(source)
            self.check_targets(source)
            self.check_iris(source)
            self.check_paths(source)
            self.check_codelists(source)
        self.check_scheme_mixing()
        self.check_cardinalities()
        return self.defects

    def raw_checks(self, source: _Source) -> None:
        if source.encoding_note:
            self.add(source, "unreadable-input", "warning", None, source.path.name,
                     f"file is not UTF-8 ({source.encoding_note}); re-save it as UTF-8")
        seen: set[str] = set()
        for match in IRI_WITH_SPACE.finditer(source.text):
            iri = match.group(1)
            if iri in seen:
                continue
            seen.add(iri)
            fixed = re.sub(r"\s+", "", iri)
            self.add(source, "iri-with-space", "error", source.line_at(match.start()), f"<{iri}>",
                     "IRI contains white space: invalid RDF; pyoxigraph and Rust SHACL engines reject "
                     "the whole file", suggestion=f"<{fixed}>", term=iri)
        if source.error is not None:
            self.add(source, "parse-error", "error", source.error.line, source.path.name,
                     f"cannot parse: {source.error.reason}")

    def check_class_on_literal(self, source: _Source) -> None:
        graph = source.graph
        for prop in _property_shapes(graph):
            for cls in prop.classes:
                if _is_literal_type(cls):
                    self.add(source, "class-on-literal", "error", self.shape_line(source, graph, prop.node),
                             self.shape_name(graph, prop.node),
                             f"sh:class {self.c(cls)} on a literal type: no literal is an instance of a "
                             f"class, so every value fails",
                             suggestion=f"sh:datatype {self.c(cls)}", term=str(cls))

    def check_targets(self, source: _Source) -> None:
        graph = source.graph
        referenced = _referenced_shapes(graph)
        for shape in _node_shapes(graph) | set(graph.subjects(RDF.type, SH.PropertyShape)):
            name = self.shape_name(graph, shape)
            line = self.shape_line(source, graph, shape)
            targets = [o for p in TARGETS for o in graph.objects(shape, p)]
            implicit = any((shape, RDF.type, t) in graph for t in CLASS_TYPES)
            if not targets and not implicit and shape not in referenced:
                if (shape, SH.path, None) in graph and next(graph.subjects(SH.property, shape), None) is not None:
                    continue
                self.add(source, "no-target", "warning", line, name,
                         "shape has no target and no other shape refers to it: it never fires")
                continue
            for cls in graph.objects(shape, SH.targetClass):
                if not isinstance(cls, URIRef):
                    continue
                iri = str(cls)
                tline = source.line_of(iri, after=line) or line
                local = _local(iri)
                reasons = []
                if _is_literal_type(cls):
                    self.add(source, "target-is-datatype", "error", tline, name,
                             f"sh:targetClass {self.c(cls)} is a datatype: literals have no rdf:type, "
                             f"the shape never fires", term=iri)
                    continue
                if "." in local and local.split(".")[-1][:1].islower():
                    owner = local.split(".")[0]
                    reasons.append(f"its local name '{local}' is an OSLO property name "
                                   f"({owner}.{local.split('.', 1)[1]}: a property of {owner})")
                if self.vocab.is_property(iri):
                    reasons.append("the vocabulary declares it a property")
                if self.path_uses[iri] and (reasons or not _class_like(iri)):
                    reasons.append(f"it is used as sh:path {self.path_uses[iri]} time(s)")
                if reasons:
                    suggestion = ""
                    if "." in local:
                        owner = _namespace(iri) + local.split(".")[0]
                        suggestion = f"sh:targetClass {self.c(owner)}?"
                    self.add(source, "target-is-property", "error", tline, name,
                             f"sh:targetClass {self.c(cls)} is a property, not a class: "
                             f"{'; '.join(reasons)}. Nothing is typed with it, so the shape never fires",
                             suggestion=suggestion, term=iri)
                    continue
                if self.vocab.covers(iri) and iri not in self.vocab.classes:
                    self.add(source, "target-not-a-class", "warning", tline, name,
                             f"sh:targetClass {self.c(cls)} is not declared a class by the vocabulary of "
                             f"its namespace", term=iri)
                elif (not local or local[:1].islower()) and iri not in self.vocab.classes:
                    used_as_class = any(str(o) == iri for g in (s.graph for s in self.sources if s.graph)
                                        for o in g.objects(None, SH["class"]))
                    what = "a namespace IRI" if not local or iri.endswith(("/", "#")) or \
                        local.lower() == local and "/ns/" in iri and iri.endswith("/" + local) else \
                        f"lower-case name '{local}'"
                    self.add(source, "target-not-a-class", "warning", tline, name,
                             f"sh:targetClass {self.c(cls)} does not look like a class ({what}); "
                             f"{'it is also used with sh:class, but ' if used_as_class else ''}"
                             f"check that data is ever typed with it", term=iri)

    def check_iris(self, source: _Source) -> None:
        graph = source.graph
        by_namespace: dict[tuple[str, str], list[str]] = defaultdict(list)
        wrong: dict[str, list[str]] = defaultdict(list)
        for triple in graph:
            for term in triple:
                if not isinstance(term, URIRef):
                    continue
                iri = str(term)
                host = re.match(r"^[a-z]+://([^/#?]*)", iri)
                if host and PLACEHOLDER_HOSTS.match(host.group(1)):
                    by_namespace[(host.group(0), _namespace(iri))].append(iri)
                if iri.startswith("https://") and _schemeless(iri).startswith(HTTP_ONLY_STRICT):
                    wrong[_namespace(iri)].append(iri)
        for (_host, ns), iris in sorted(by_namespace.items()):
            unique = sorted(set(iris))
            self.add(source, "placeholder-iri", "error", source.line_of(unique[0]), ns,
                     f"placeholder namespace {ns} ({len(unique)} term(s): "
                     f"{', '.join(_local(i) or i for i in unique[:5])}{', ...' if len(unique) > 5 else ''}); "
                     f"these IRIs do not resolve and match no real data", term=ns)
        for ns, iris in sorted(wrong.items()):
            unique = sorted(set(iris))
            fixed = "http://" + _schemeless(ns)
            self.add(source, "wrong-scheme", "error", source.line_of(unique[0]), ns,
                     f"{ns} is not the namespace IRI ({len(unique)} term(s): "
                     f"{', '.join(self.c(i) for i in unique[:4])}); the vocabulary is published as {fixed}",
                     suggestion=fixed, term=ns)

    def check_scheme_mixing(self) -> None:
        # namespace without scheme -> scheme -> [(source, first iri)]
        usage: dict[str, dict[str, list[tuple[_Source, str]]]] = defaultdict(lambda: defaultdict(list))
        for source in self.sources:
            if source.graph is None:
                continue
            seen: set[tuple[str, str]] = set()
            for triple in source.graph:
                for term in triple:
                    if not isinstance(term, URIRef) or not str(term).startswith(("http://", "https://")):
                        continue
                    iri = str(term)
                    if not _local(iri):
                        continue
                    ns = _namespace(iri)
                    scheme = iri.split(":", 1)[0]
                    key = (_schemeless(ns), scheme)
                    if key not in seen:
                        seen.add(key)
                        usage[_schemeless(ns)][scheme].append((source, iri))
        for ns, schemes in sorted(usage.items()):
            if len(schemes) < 2 or ns.startswith(HTTP_ONLY_STRICT):
                continue  # https forms of http-only namespaces are reported as wrong-scheme
            vocab_schemes = {s for s in ("http", "https") if f"{s}://{ns}" in self.vocab.namespaces}
            if len(vocab_schemes) == 1:
                canonical = vocab_schemes.pop()
                why = "the scheme of the vocabulary"
            else:
                counts = {s: len(v) for s, v in schemes.items()}
                canonical = max(counts, key=lambda s: (counts[s], s == "https"))
                why = f"used by more files ({counts[canonical]} vs {counts['http' if canonical == 'https' else 'https']})"
            for scheme, uses in sorted(schemes.items()):
                if scheme == canonical:
                    continue
                for source, iri in uses:
                    self.add(source, "scheme-mixing", "warning", source.line_of(iri), f"{scheme}://{ns}",
                             f"{scheme}://{ns} and {canonical}://{ns} are both used for one vocabulary; "
                             f"they are different IRIs, so data in one form fails shapes in the other "
                             f"(e.g. {self.c(iri)})",
                             suggestion=f"{canonical}://{ns} ({why})", term=f"{scheme}://{ns}")

    def _known_properties(self) -> dict[str, str]:
        """Candidate correct terms: schemeless IRI -> IRI."""
        known = {}
        for iri in (*self.vocab.properties, *self.path_uses):  # properties only: `brand` vs class `Brand` is no typo
            known.setdefault(_schemeless(iri), iri)
        return known

    def check_paths(self, source: _Source) -> None:
        graph = source.graph
        known = self._known_properties()
        by_ns: dict[str, list[str]] = defaultdict(list)
        for iri in known.values():
            by_ns[_schemeless(_namespace(iri))].append(iri)
        class_names = {_schemeless(c) for c in (*self.vocab.classes, *self.class_uses)}
        reported: set[str] = set()
        for prop in _property_shapes(graph):
            path = prop.path
            if not isinstance(path, URIRef):
                continue
            iri = str(path)
            if iri in reported:
                continue
            if self.vocab.is_class(iri) or (not self.vocab.is_property(iri) and _class_like(iri)
                                             and _schemeless(iri) in class_names):
                reported.add(iri)
                self.add(source, "path-is-class", "error", self.shape_line(source, graph, prop.node),
                         self.shape_name(graph, prop.node),
                         f"sh:path {self.c(iri)} is a class, not a property (it is "
                         f"{'declared a class by the vocabulary' if self.vocab.is_class(iri) else 'used as sh:class / sh:targetClass'}"
                         f"): data never uses a class as predicate, so the constraint checks nothing "
                         f"(or, with sh:minCount, always fails)", term=iri)
                continue
            if iri in self.vocab.terms:
                continue
            local = _local(iri)
            if len(local) < 5:
                continue
            line = self.shape_line(source, graph, prop.node)
            # same term with the other scheme is known: http/https slip (persoon#registratie)
            other = ("https://" if iri.startswith("http://") else "http://") + _schemeless(iri)
            if other in self.vocab.terms and self.vocab.covers(other):
                reported.add(iri)
                self.add(source, "path-typo", "error", line, self.shape_name(graph, prop.node),
                         f"sh:path {self.c(iri)} uses the wrong scheme: the vocabulary defines {self.c(other)}",
                         suggestion=other, term=iri)
                continue
            best = None
            for candidate in by_ns.get(_schemeless(_namespace(iri)), []):
                cand_local = _local(candidate)
                if candidate == iri or cand_local == local or _class_like(candidate):
                    continue
                if abs(len(cand_local) - len(local)) > 1 or _distance(cand_local, local) > 1:
                    continue
                if len(cand_local) == len(local) and all(
                        a == b or (a.isdigit() and b.isdigit()) for a, b in zip(cand_local, local)):
                    continue  # numbered siblings: adminUnitL1 / adminUnitL2
                # which of the two is right?
                iri_known = iri in self.vocab.terms
                cand_known = candidate in self.vocab.terms
                if iri_known and not cand_known:
                    continue
                ns = _schemeless(_namespace(candidate))
                cand_classlike = any(ns + n[:1].upper() + n[1:] in class_names for n in (cand_local,))
                iri_classlike = ns + local[:1].upper() + local[1:] in class_names
                if iri_classlike and not cand_classlike and not cand_known:
                    continue  # this one follows the class name: the other is the typo
                if cand_known and not iri_known:
                    why = "defined in the vocabulary"
                elif cand_classlike and not iri_classlike:
                    why = f"matches the class name {self.c(_namespace(candidate) + cand_local[:1].upper() + cand_local[1:])}"
                elif self.path_uses[candidate] > self.path_uses[iri]:
                    why = f"used {self.path_uses[candidate]} time(s) vs {self.path_uses[iri]}"
                else:
                    continue
                best = (candidate, why)
                break
            if best is not None:
                reported.add(iri)
                self.add(source, "path-typo", "error", line, self.shape_name(graph, prop.node),
                         f"sh:path {self.c(iri)} is one edit away from {self.c(best[0])} ({best[1]}): "
                         f"probably a typo", suggestion=best[0], term=iri)
            elif self.vocab.covers(iri) and iri not in self.vocab.terms:
                reported.add(iri)
                self.add(source, "unknown-path", "warning", line, self.shape_name(graph, prop.node),
                         f"sh:path {self.c(iri)} is not defined in the vocabulary of its namespace",
                         term=iri)

    def check_codelists(self, source: _Source) -> None:
        graph = source.graph
        concept = SKOS.Concept
        for prop in _property_shapes(graph):
            if concept not in prop.classes or prop.has_in:
                continue
            name = self.shape_name(graph, prop.node)
            line = self.shape_line(source, graph, prop.node)
            if prop.codelists:
                missing = [str(c) for c in prop.codelists if self.codelists is None or str(c) not in self.codelists.schemes]
                if missing:
                    self.add(source, "codelist-unavailable", "warning", line, name,
                             f"sh:class skos:Concept with codelist {', '.join(self.c(m) for m in missing)}, "
                             f"which is not among the codelists given (--codelists): every coded value "
                             f"fails unless it is loaded with the data", term=missing[0])
            elif self.codelists is None:
                self.add(source, "codelist-unavailable", "warning", line, name,
                         "sh:class skos:Concept without sh:in and no codelist given (--codelists): every "
                         "coded value fails unless its codelist is in the data or shapes graph")
            else:
                self.add(source, "codelist-unlinked", "info", line, name,
                         "sh:class skos:Concept without sh:in or qb:codeList: no way to tell which "
                         "codelist applies")

    def check_cardinalities(self) -> None:
        # (class, path) -> file -> (min, max, line)
        table: dict[tuple[str, str], dict[str, tuple[int, int | None, int | None, _Source]]] = defaultdict(dict)
        for source in self.sources:
            graph = source.graph
            if graph is None:
                continue
            per_file: dict[tuple[str, str], list[tuple[int, int | None, int | None]]] = defaultdict(list)
            for prop in _property_shapes(graph):
                if not isinstance(prop.path, URIRef):
                    continue
                for parent in prop.parents:
                    for cls in graph.objects(parent, SH.targetClass):
                        if isinstance(cls, URIRef):
                            per_file[(str(cls), str(prop.path))].append(
                                (prop.min_count or 0, prop.max_count, self.shape_line(source, graph, prop.node)))
            for key, entries in per_file.items():
                low = max(e[0] for e in entries)
                highs = [e[1] for e in entries if e[1] is not None]
                high = min(highs) if highs else None
                line = entries[0][2]
                if high is not None and low > high:
                    self.add(source, "impossible-cardinality", "error", line,
                             f"{self.c(key[0])} › {self.c(key[1])}",
                             f"shapes in this file require at least {low} and at most {high} values: "
                             f"no data can conform")
                table[key][source.name] = (low, high, line, source)
        for (cls, path), files in sorted(table.items()):
            distinct = {(v[0], v[1]) for v in files.values()}
            if len(files) < 2 or len(distinct) < 2:
                continue
            summary = "; ".join(f"{Path(f).name} {v[0]}..{'*' if v[1] is None else v[1]}"
                                for f, v in sorted(files.items()))
            strictest = max(files.items(), key=lambda kv: (kv[1][0], -(kv[1][1] if kv[1][1] is not None else 10**6)))
            source = strictest[1][3]
            self.add(source, "conflicting-cardinality", "warning", strictest[1][2],
                     f"{self.c(cls)} › {self.c(path)}",
                     f"profiles disagree on the cardinality of {self.c(path)} for {self.c(cls)}: {summary}; "
                     f"merged into one shapes graph, data valid for one profile fails the other "
                     f"(validate per profile)", term=path)


# --------------------------------------------------------------------------------------------
# Entry points


def _read_support(paths: Sequence[Path | str], result: LintResult, kind: str, sink) -> None:
    for path in iter_rdf_files(paths):
        source = _Source(path)
        source.read()
        if source.encoding_note:
            result.defects.append(Defect("unreadable-input", "warning", str(path), None, path.name,
                                         f"{kind} file is not UTF-8 ({source.encoding_note}); re-save it as UTF-8"))
        if source.graph is None:
            reason = source.error.reason if source.error else "unreadable"
            result.defects.append(Defect("unreadable-input", "warning", str(path),
                                         source.error.line if source.error else None, path.name,
                                         f"{kind} file skipped: {reason}"))
            continue
        sink(source.graph)
        if kind == "vocabulary":
            result.vocab_files.append(str(path))
        else:
            result.codelist_files.append(str(path))


def lint_paths(shapes: Sequence[Path | str], *, vocab: Sequence[Path | str] = (),
               codelists: Sequence[Path | str] = ()) -> LintResult:
    files = iter_rdf_files(shapes, extensions=(".ttl", ".turtle", ".nt", ".n3", ".trig", ".jsonld", ".rdf", ".owl"))
    if not files:
        raise LintError(f"{', '.join(str(s) for s in shapes)}: no shapes files found")
    result = LintResult(files=[str(f) for f in files])
    vocabulary = Vocabulary()
    _read_support(vocab, result, "vocabulary", vocabulary.add)
    lists: Codelists | None = None
    if codelists:
        lists = Codelists()
        _read_support(codelists, result, "codelist", lists.add)
    logging.getLogger("rdflib").setLevel(logging.ERROR)
    sources = _load_sources(files)
    linter = _Linter(sources, vocabulary, lists)
    result.defects.extend(linter.run())
    result.defects.sort(key=lambda d: (d.file, d.line or 0, SEVERITY_RANK[d.severity], d.rule, d.subject))
    return result


def lint_graph_text(text: str, name: str = "<shapes>.ttl") -> LintResult:
    """Lint Turtle given as text (for tests and the HTTP API)."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(name).name
        path.write_text(text, encoding="utf-8")
        result = lint_paths([path])
    return result


def render_lint(result: LintResult, fmt: str = "text") -> str:
    if fmt == "json":
        return json.dumps({
            "files": result.files,
            "vocabularies": result.vocab_files,
            "codelists": result.codelist_files,
            "counts": result.counts(),
            "severities": result.by_severity(),
            "defects": [asdict(d) for d in result.defects],
        }, ensure_ascii=False, indent=2) + "\n"
    lines = []
    for defect in result.defects:
        text = f"{defect.location()}: {defect.severity} [{defect.rule}] {defect.subject}: {defect.message}"
        if defect.suggestion:
            text += f" -> {defect.suggestion}"
        lines.append(text)
    sev = result.by_severity()
    lines.append("")
    lines.append(f"{len(result.files)} shapes file(s), {len(result.defects)} finding(s): "
                 f"{sev['error']} error(s), {sev['warning']} warning(s), {sev['info']} info")
    for rule, n in result.counts().items():
        lines.append(f"  {rule:<25}{n:>5}")
    return "\n".join(lines) + "\n"


__all__ = ["Defect", "LintError", "LintResult", "lint_graph_text", "lint_paths", "render_lint"]
