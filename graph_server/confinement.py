"""Confining a query's triple patterns to the one graph that holds their predicate or class.

Oxigraph evaluates a triple pattern over an explicit default graph of n graphs with n index
lookups, one per graph, for every binding that reaches it. When only one graph of the query's
default graph holds a pattern's predicate (or, for `?x a <Class>`, its class), the pattern
matches exactly the same triples there as in the whole default graph, so writing it as
`GRAPH <g> { s p o }` changes no result and costs one lookup instead of n (BENCHMARKS.md: the
sensor, report and street queries). Partitions say which graph holds what
(graph_server/partitions.py); this module only rewrites the text.

The rewrite is deliberately narrow: plain triples (variables, IRIs, prefixed names, literals)
in the WHERE part of SELECT, ASK and CONSTRUCT queries without a GRAPH keyword of their own,
so the named graphs the rewrite relies on cannot be observed by the query. A triples block with
anything else in it (blank nodes, collections, property paths, relative IRIs) stays as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from graph_server.sparql_syntax import RDF_TYPE, PatternKey, Token, is_absolute_iri, tokenize

# Keywords that end a triples block inside a group.
_GROUP_KEYWORDS = {"FILTER", "OPTIONAL", "MINUS", "BIND", "VALUES", "UNION", "GRAPH", "SERVICE"}


@dataclass(frozen=True)
class Confined:
    text: str
    graphs: tuple[str, ...]  # the graphs named by the added GRAPH clauses


class _Unsupported(Exception):
    """Something this rewrite does not handle: leave the block (or the query) as written."""


def confine_patterns(text: str, holders: Mapping[PatternKey, str]) -> Confined | None:
    """`text` with every plain triple pattern whose key has a single holder in `holders`
    wrapped in `GRAPH <holder> { … }`; None when nothing changes or the query is out of reach."""
    if not holders:
        return None
    return _confine(text, tuple(sorted(holders.items())))


@lru_cache(maxsize=1024)
def _confine(text: str, holders: tuple[tuple[PatternKey, str], ...]) -> Confined | None:
    tokens = tokenize(text)
    if any(t.is_word("GRAPH", "SERVICE", "DESCRIBE") for t in tokens):
        return None
    rewriter = _Rewriter(text, tokens, dict(holders))
    try:
        start = rewriter.where_clause()
        if start is None:
            return None
        rewriter.group(start)
    except (_Unsupported, IndexError):
        return None
    if not rewriter.edits:
        return None
    parts, pos = [], 0
    for begin, end, replacement in rewriter.edits:
        parts += [text[pos:begin], replacement]
        pos = end
    parts.append(text[pos:])
    return Confined("".join(parts), tuple(sorted(rewriter.used)))


class _Rewriter:
    def __init__(self, text: str, tokens: list[Token], holders: dict[PatternKey, str]):
        self.text = text
        self.tokens = tokens
        self.holders = holders
        self.prefixes: dict[str, str] = {}
        self.edits: list[tuple[int, int, str]] = []
        self.used: set[str] = set()

    def where_clause(self) -> int | None:
        """Index of the `{` that opens the query's WHERE pattern, after reading the prologue."""
        tokens, i = self.tokens, 0
        while tokens[i].is_word("PREFIX", "BASE"):
            if tokens[i].is_word("BASE"):
                raise _Unsupported  # relative IRIs would need resolving
            self.prefixes[tokens[i + 1].text[:-1]] = tokens[i + 2].text[1:-1]
            i += 3
        if tokens[i].is_word("CONSTRUCT"):
            # the template is not a pattern; `CONSTRUCT WHERE { … }` is both and is left alone
            if tokens[i + 1].text != "{":
                return None
            i = self._skip_balanced(i + 1)
            if not tokens[i].is_word("WHERE"):
                return None
        elif not tokens[i].is_word("SELECT", "ASK"):
            return None
        while tokens[i].text != "{" or tokens[i].depth != 0:
            i += 1
        return i

    # --- groups -----------------------------------------------------------------------------
    def group(self, i: int) -> int:
        """Rewrite the group pattern opening at tokens[i] (`{`); returns the index after its `}`."""
        tokens = self.tokens
        i += 1
        if tokens[i].is_word("SELECT"):
            return self._subselect(i)
        while tokens[i].text != "}":
            token = tokens[i]
            if token.text == "{":
                i = self.group(i)
            elif token.text == "." or token.is_word("UNION"):
                i += 1
            elif token.is_word("OPTIONAL", "MINUS"):
                i = self.group(i + 1)
            elif token.is_word("FILTER", "BIND"):
                i = self._skip_expression(i + 1)
            elif token.is_word("VALUES"):
                i = self._skip_balanced(i + 1) if tokens[i + 1].text == "(" else i + 2
                i = self._skip_balanced(i)
            else:
                i = self._triples_block(i)
        return i + 1

    def _subselect(self, i: int) -> int:
        """tokens[i] is SELECT inside a group: rewrite its WHERE pattern, skip the rest."""
        tokens = self.tokens
        depth = tokens[i].depth
        while tokens[i].text != "{" or tokens[i].depth != depth:
            i += 1
        i = self.group(i)
        while not (tokens[i].text == "}" and tokens[i].depth == depth - 1):
            i += 1
        return i + 1

    def _skip_expression(self, i: int) -> int:
        """After FILTER or BIND: a bracketed expression, a function call or (NOT) EXISTS."""
        tokens = self.tokens
        if tokens[i].is_word("NOT"):
            i += 1
        if tokens[i].is_word("EXISTS"):
            return self.group(i + 1)
        if tokens[i].text != "(":  # a function call: name, then its arguments
            i += 1
        return self._skip_balanced(i)

    def _skip_balanced(self, i: int) -> int:
        """tokens[i] opens a bracket; returns the index after the one that closes it."""
        depth = self.tokens[i].depth
        i += 1
        while not (self.tokens[i].text in "})]" and self.tokens[i].depth == depth):
            i += 1
        return i + 1

    # --- triples ----------------------------------------------------------------------------
    def _triples_block(self, i: int) -> int:
        """Read the triples up to the next group keyword or brace; rewrite them when one can be
        confined. Returns the index after the block."""
        tokens = self.tokens
        begin = i
        triples: list[tuple[str, str, str, str | None]] = []
        supported = True
        while not self._block_ends(i):
            try:
                i = self._triples_same_subject(i, triples)
            except _Unsupported:
                supported = False
                while not self._block_ends(i):
                    i = self._skip_balanced(i) if tokens[i].text in "([{" else i + 1
                break
            if tokens[i].text == ".":
                i += 1
        if supported and any(graph is not None for *_, graph in triples):
            # A block is a join of its triples, in any order: the ones left in the default
            # graph first, then one GRAPH clause per holding graph.
            by_graph: dict[str | None, list[str]] = {}
            for subject, verb, obj, graph in triples:
                by_graph.setdefault(graph, []).append(f"{subject} {verb} {obj} .")
            parts = by_graph.pop(None, [])
            for graph, patterns in by_graph.items():
                parts.append(f"GRAPH <{graph}> {{ {' '.join(patterns)} }}")
                self.used.add(graph)
            self.edits.append((tokens[begin].start, tokens[i - 1].end, " ".join(parts)))
        return i

    def _block_ends(self, i: int) -> bool:
        token = self.tokens[i]
        return token.text in "{}" or (token.kind == "word" and token.text.upper() in _GROUP_KEYWORDS)

    def _triples_same_subject(self, i: int, out: list) -> int:
        subject, i = self._term(i)
        while True:
            verb_token = self.tokens[i]
            if verb_token.kind == "word" and verb_token.text == "a":
                verb, predicate, i = "a", RDF_TYPE, i + 1
            elif verb_token.kind in ("iri", "pname", "var"):
                verb, i = self._slice(verb_token), i + 1
                predicate = None if verb_token.kind == "var" else self._iri(verb_token)
            else:
                raise _Unsupported
            while True:
                obj_start = self.tokens[i]
                obj, i = self._term(i)
                if predicate == RDF_TYPE:
                    key = ("c", self._iri(obj_start)) if obj_start.kind in ("iri", "pname") else None
                else:
                    key = ("p", predicate) if predicate is not None else None
                out.append((subject, verb, obj, self.holders.get(key) if key and key[1] else None))
                if self.tokens[i].text != ",":
                    break
                i += 1
            if self.tokens[i].text != ";":
                return i
            while self.tokens[i].text == ";":
                i += 1
            if self._block_ends(i) or self.tokens[i].text == ".":
                return i

    def _term(self, i: int) -> tuple[str, int]:
        """One variable, IRI, prefixed name, literal or boolean; the source text and next index.
        A blank node (a variable scoped to its block) is out of reach."""
        tokens = self.tokens
        token = tokens[i]
        if token.kind == "var" or (token.kind == "word" and token.text in ("true", "false")):
            return self._slice(token), i + 1
        if token.kind in ("iri", "pname"):
            return self._slice(token), i + 1
        start = token.start
        if token.text in "+-" and tokens[i + 1].kind == "number" and tokens[i + 1].start == token.end:
            i += 1
            token = tokens[i]
        if token.kind == "number":
            return self.text[start:token.end], i + 1
        if token.kind != "string":
            raise _Unsupported
        end = token.end
        i += 1
        if tokens[i].kind == "langtag":
            end, i = tokens[i].end, i + 1
        elif tokens[i].text == "^" and tokens[i + 1].text == "^" and tokens[i + 2].kind in ("iri", "pname"):
            end, i = tokens[i + 2].end, i + 3
        return self.text[start:end], i

    def _slice(self, token: Token) -> str:
        return self.text[token.start:token.end]

    def _iri(self, token: Token) -> str | None:
        if token.kind == "iri":
            iri = token.text[1:-1]
            return iri if is_absolute_iri(iri) else None
        prefix, _, local = token.text.partition(":")
        if prefix not in self.prefixes or "\\" in local or not is_absolute_iri(self.prefixes[prefix]):
            return None
        return self.prefixes[prefix] + local
