"""The one guard every generated query passes, whoever wrote it (a catalogue template or an
LLM): it parses; it is a read-only SELECT or ASK; it calls no SERVICE and no LOAD; it names
no dataset (FROM / FROM NAMED / GRAPH <iri>: the dataset comes from the session, never from
the text); every predicate is a term of the ontology and every other IRI a known term,
codelist concept or entity IRI; and it gets a LIMIT no larger than the configured maximum.

A refusal is a `GuardError` whose message is written to be fed back to the translator in the
repair loop: it says what to change, and never names a graph.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyparsing import ParseException
from rdflib.paths import Path as RdfPath
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef

from graph_server.sparql_syntax import (
    ForbiddenFeature, SparqlSyntaxError, parse_query, parseQuery, parseUpdate, tokenize, walk_algebra,
)
from nl2sparql.schema import Schema

MAX_QUERY_CHARS = 20_000


class GuardError(ValueError):
    """The query may not run; the message tells the translator what to fix."""


@dataclass(frozen=True)
class GuardedQuery:
    text: str                  # what runs: the query with its LIMIT enforced
    form: str                  # SELECT | ASK
    iris: frozenset[str]       # every IRI the query mentions
    predicates: frozenset[str]
    limit: int | None


def _walk_iris(node, iris: set[str], predicates: set[str]) -> None:
    for item in walk_algebra(node):
        if isinstance(item, URIRef):
            iris.add(str(item))
        elif isinstance(item, CompValue):
            if item.name == "BGP" and "triples" in item:
                for _s, p, _o in item["triples"]:
                    _predicate_iris(p, predicates)
        elif isinstance(item, RdfPath):
            _predicate_iris(item, predicates)


def _predicate_iris(p, predicates: set[str]) -> None:
    if isinstance(p, URIRef):
        predicates.add(str(p))
    elif isinstance(p, RdfPath):
        for attr in ("args", "path", "arg"):
            value = getattr(p, attr, None)
            if value is None:
                continue
            for part in value if isinstance(value, (list, tuple)) else [value]:
                _predicate_iris(part, predicates)


class Guard:
    def __init__(self, schema: Schema, max_rows: int = 200):
        self.schema = schema
        self.max_rows = max_rows
        self._skeletons: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}

    def check(self, text: str) -> GuardedQuery:
        """Parse and check a query. Parsing (pyparsing) is the expensive part, so the outcome is
        cached per SKELETON: the text with every IRI written out (<...>) replaced by a numbered
        placeholder and every string literal emptied. Two queries with the same skeleton parse to
        the same structure (a catalogue template with other slot values), so the checks are
        re-run on the skeleton's cached IRIs mapped back to this text's IRIs."""
        text = (text or "").strip()
        skeleton, real_iris = _skeleton(text)
        if skeleton is not None:
            cached = self._skeletons.get(skeleton)
            if cached is not None:
                form, sk_iris, sk_predicates = cached
                iris = {_unplace(i, real_iris) for i in sk_iris}
                predicates = {_unplace(p, real_iris) for p in sk_predicates}
                return self._finish(text, form, iris, predicates)
        checked = self._check(text)
        if skeleton is not None:
            place = {iri: f"urn:schakel:slot:{n}" for n, iri in enumerate(real_iris)}
            if len(place) == len(real_iris):  # every IRI once: the mapping back is exact
                if len(self._skeletons) > 2000:
                    self._skeletons.clear()
                self._skeletons[skeleton] = (checked.form, frozenset(place.get(i, i) for i in checked.iris),
                                             frozenset(place.get(p, p) for p in checked.predicates))
        return checked

    def _finish(self, text: str, form: str, iris: set[str], predicates: set[str]) -> GuardedQuery:
        unknown_predicates = sorted(p for p in predicates if not self.schema.is_term(p))
        if unknown_predicates:
            raise GuardError("onbekende eigenschap(pen) " + ", ".join(f"<{p}>" for p in unknown_predicates[:5])
                             + "; gebruik alleen eigenschappen uit het schema")
        unknown = sorted(i for i in iris - predicates if not (self.schema.is_term(i) or self.schema.is_known_value(i)))
        if unknown:
            raise GuardError("onbekende IRI('s) " + ", ".join(f"<{i}>" for i in unknown[:5])
                             + "; gebruik alleen klassen, codes en entiteiten uit het schema")
        limited, limit = self._with_limit(text, form)
        return GuardedQuery(limited, form, frozenset(iris), frozenset(predicates), limit)

    def _check(self, text: str) -> GuardedQuery:
        if not text:
            raise GuardError("er is geen query; schrijf één SPARQL SELECT-query")
        if len(text) > MAX_QUERY_CHARS:
            raise GuardError("de query is te lang")
        try:
            parsed = parse_query(text)
        except ForbiddenFeature:
            raise GuardError("SERVICE en LOAD zijn niet toegestaan; gebruik alleen de lokale graaf") from None
        except SparqlSyntaxError as exc:
            if _is_update(text):
                raise GuardError("alleen lezende queries (SELECT of ASK) zijn toegestaan, geen updates") from None
            raise GuardError(f"de query is geen geldige SPARQL: {exc.message}") from None
        if parsed.form not in ("SELECT", "ASK"):
            raise GuardError(f"alleen SELECT of ASK is toegestaan, niet {parsed.form}")
        if parsed.names_dataset:
            raise GuardError("FROM en FROM NAMED zijn niet toegestaan: de dataset volgt uit de sessie")
        for token in tokenize(text):
            if token.is_word("GRAPH", "SERVICE", "LOAD", "INSERT", "DELETE", "DROP", "CLEAR", "CREATE"):
                raise GuardError(f"{token.text.upper()} is niet toegestaan; schrijf een gewone SELECT-query")
        try:
            algebra = translateQuery(parseQuery(text)).algebra
        except (ParseException, Exception) as exc:  # noqa: BLE001 - rdflib raises plain exceptions
            raise GuardError(f"de query is geen geldige SPARQL: {exc}") from None
        iris: set[str] = set()
        predicates: set[str] = set()
        _walk_iris(algebra, iris, predicates)
        return self._finish(text, parsed.form, iris, predicates)

    def _with_limit(self, text: str, form: str) -> tuple[str, int | None]:
        if form == "ASK":
            return text, None
        top = [t for t in tokenize(text) if t.depth == 0]
        for i, token in enumerate(top):
            if token.is_word("VALUES"):
                # a trailing VALUES block would end up after the LIMIT we add
                if any(t.is_word("WHERE") for t in top[:i]) or any(t.text == "}" for t in top[:i]):
                    raise GuardError("zet VALUES binnen de WHERE-clausule")
        for i, token in enumerate(top):
            if token.is_word("LIMIT") and i + 1 < len(top) and top[i + 1].kind == "number":
                value = int(float(top[i + 1].text))
                if value <= self.max_rows:
                    return text, value
                number = top[i + 1]
                return text[: number.start] + str(self.max_rows) + text[number.end:], self.max_rows
        return f"{text}\nLIMIT {self.max_rows}", self.max_rows


def _skeleton(text: str) -> tuple[str | None, list[str]]:
    """(skeleton, IRIs in order of appearance), or (None, []) when the text does not tokenize."""
    try:
        toks = tokenize(text)
    except Exception:  # noqa: BLE001 - the full check reports it
        return None, []
    parts: list[str] = []
    iris: list[str] = []
    last = 0
    for n, t in enumerate(toks):
        declared = n >= 1 and (toks[n - 1].is_word("BASE") or (n >= 2 and toks[n - 2].is_word("PREFIX")))
        if t.kind == "iri" and not declared:
            iri = t.text[1:-1]
            if iri not in iris:
                iris.append(iri)
            parts.append(text[last:t.start] + f"<urn:schakel:slot:{iris.index(iri)}>")
            last = t.end
        elif t.kind == "string":
            quote = t.text[0] * (3 if t.text[:3] in ('"""', "'''") else 1)
            parts.append(text[last:t.start] + quote + "s" + quote)
            last = t.end
    parts.append(text[last:])
    return "".join(parts), iris


def _unplace(value: str, real: list[str]) -> str:
    if value.startswith("urn:schakel:slot:"):
        n = int(value.rsplit(":", 1)[1])
        return real[n]
    return value


def _is_update(text: str) -> bool:
    try:
        parseUpdate(text)
        return True
    except Exception:  # noqa: BLE001
        return False

