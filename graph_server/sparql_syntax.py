"""Reading SPARQL text before it reaches the store: which form a query has, which graphs its
FROM / FROM NAMED / USING / WITH / GRAPH clauses name, whether it calls SERVICE or LOAD, and
where the USING clauses of an update operation sit so that the scope gate can rewrite them.

Two independent readers are used on purpose:

* rdflib's SPARQL parser and algebra (IRIs resolved against BASE and PREFIX), for the dataset
  and the graphs an update touches;
* a small tokenizer of our own, that skips strings, IRIs and comments, and that refuses a
  bare SERVICE or LOAD keyword even if the two parsers ever disagreed about the grammar
  (Oxigraph really calls out over HTTP for SERVICE, so this check is not left to one parser).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from pyparsing import ParseException
from rdflib.plugins.sparql import parser as _rdflib_parser
from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate
from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef, Variable

# The store's own default graph in update analysis (INSERT DATA { <s> <p> <o> }, CLEAR DEFAULT).
STORE_DEFAULT = "DEFAULT"


class SparqlSyntaxError(ValueError):
    """The text is not valid SPARQL; `str()` gives the parser's message and position."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        self.message = message
        self.line = line
        self.column = column
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"SPARQL syntax error{where}: {message}")


class ForbiddenFeature(ValueError):
    """SERVICE or LOAD: refused after parsing, with a message that names no IRI."""


# --- tokenizer ----------------------------------------------------------------------------

# SPARQL 1.1 grammar (section 19.8): the characters of names and the four whitespace characters,
# so that the tokenizer ends every name, comment and IRI exactly where the parsers do.
_PN_CHARS_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
                  "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_TOKEN = re.compile(
    rf"""
    (?P<ws>[ \t\r\n]+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*)
  | (?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)
  | (?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)
  | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<word>[A-Za-z][A-Za-z0-9_]*)
  | (?P<number>\d+\.\d*[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?|\d+\.\d+|\d+(?:[eE][+-]?\d+)?)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# Words that are values, never keywords or function names (rdflib matches them in any case).
_VALUE_WORDS = ("TRUE", "FALSE", "UNDEF")
# Words after which, at the same bracket level, a `(` opens an expression: projections and
# solution modifiers (SELECT ?a (…), GROUP BY (…), ORDER BY DESC(…), HAVING (…)).
_MODIFIER_WORDS = {"SELECT", "GROUP", "ORDER", "HAVING"}


@dataclass(frozen=True)
class Token:
    kind: str  # iri | string | var | bnode | pname | langtag | word | number | punct
    text: str
    start: int
    end: int
    depth: int  # nesting of { } ( ) [ ] before this token

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words

    @property
    def ends_operand(self) -> bool:
        """Inside an expression: `)` and the `}` of an EXISTS group end an operand too."""
        return (self.kind in ("var", "number", "string", "iri", "pname", "bnode", "langtag")
                or self.text in (")", "}") or self.is_word(*_VALUE_WORDS))


class _Brackets:
    """What each open bracket holds: "group" ({ }), "values" (the data of VALUES), "expr" (an
    expression in ( )), "list" (a collection or a VALUES tuple in ( )) or "bnode" ([ ])."""

    def __init__(self) -> None:
        self.frames: list[str] = []
        self.modifiers = [False]  # per level: after SELECT/GROUP/ORDER/HAVING, before WHERE
        self.values_next = False  # VALUES seen: its data block comes next

    def in_expression(self) -> bool:
        return bool(self.frames) and self.frames[-1] == "expr"

    def word(self, word: str) -> None:
        word = word.upper()
        if word in _MODIFIER_WORDS:
            self.modifiers[-1] = True
        elif word == "WHERE":
            self.modifiers[-1] = False
        elif word == "VALUES":
            self.values_next = True

    def open(self, bracket: str, tokens: list[Token]) -> None:
        if bracket == "{":
            frame = "values" if self.values_next else "group"
            self.values_next = False
        elif bracket == "[":
            frame = "bnode"
        else:
            frame = self._paren(tokens)
        self.frames.append(frame)
        self.modifiers.append(False)

    def _paren(self, tokens: list[Token]) -> str:
        previous = tokens[-2] if len(tokens) >= 2 else None
        if self.in_expression():
            return "expr"
        if self.values_next or (self.frames and self.frames[-1] == "values"):
            return "list"
        if not self.frames or self.modifiers[-1]:
            return "expr"
        if previous is not None and previous.kind == "word" and not previous.is_word(*_VALUE_WORDS, "A"):
            return "expr"  # FILTER (, BIND (, a function name
        if (previous is not None and previous.kind in ("iri", "pname")
                and len(tokens) >= 3 and tokens[-3].is_word("FILTER")):
            return "expr"  # FILTER <function>(…)
        return "list"

    def close(self) -> None:
        if self.frames:
            self.frames.pop()
            self.modifiers.pop()


def tokenize(text: str) -> list[Token]:
    """SPARQL tokens outside strings, IRIs and comments. `<` is read the way the grammar reads
    it: less-than right after an operand inside an expression, the start of an IRI elsewhere
    (so in `FILTER(?c<99)#> …` the `#` starts a comment, as for every SPARQL parser)."""
    tokens: list[Token] = []
    brackets = _Brackets()
    pos = 0
    while pos < len(text):
        if text[pos] == "<" and brackets.in_expression() and tokens and tokens[-1].ends_operand:
            kind, start, end = "punct", pos, pos + 1
        else:
            match = _TOKEN.match(text, pos)
            if match is None:  # an unterminated string: let the parser report it
                kind, start, end = "punct", pos, pos + 1
            else:
                kind, start, end = match.lastgroup or "punct", match.start(), match.end()
        pos = end
        if kind in ("ws", "comment"):
            continue
        value = text[start:end]
        if kind == "punct" and value in "})]":
            brackets.close()
        tokens.append(Token(kind, value, start, end, len(brackets.frames)))
        if kind == "word":
            brackets.word(value)
        elif kind == "punct" and value in "{([":
            brackets.open(value, tokens)
    return tokens


def refuse_remote_calls(tokens: Iterable[Token]) -> None:
    """Refuse SERVICE and LOAD wherever they appear as keywords, also right before a prefixed
    name's colon (`SERVICE:x` is the keyword and `:x` to both parsers)."""
    for token in tokens:
        word = token.text.partition(":")[0].upper() if token.kind == "pname" else None
        if token.is_word("SERVICE") or word == "SERVICE":
            raise ForbiddenFeature("SERVICE (federated query) is not allowed on this endpoint")
        if token.is_word("LOAD") or word == "LOAD":
            raise ForbiddenFeature("LOAD is not allowed on this endpoint")


# --- queries ------------------------------------------------------------------------------

_FORMS = {"SelectQuery": "SELECT", "AskQuery": "ASK", "ConstructQuery": "CONSTRUCT", "DescribeQuery": "DESCRIBE"}


RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# What a triple pattern can match, as the keys of a graph's partition (see
# graph_server/partitions.py): ("p", predicate IRI), or ("c", class IRI) for `?x a <Class>`.
PatternKey = tuple[str, str]


@dataclass(frozen=True)
class ParsedQuery:
    text: str
    form: str  # SELECT | ASK | CONSTRUCT | DESCRIBE
    from_graphs: tuple[str, ...]
    from_named_graphs: tuple[str, ...]
    # Every key a triple pattern of the query can match; None when some pattern could match
    # any triple (a variable predicate, a negated or zero-length path, DESCRIBE).
    pattern_keys: frozenset[PatternKey] | None = None

    @property
    def names_dataset(self) -> bool:
        return bool(self.from_graphs or self.from_named_graphs)


def _syntax_error(exc: ParseException, text: str) -> SparqlSyntaxError:
    message = str(exc.msg)
    lines = text.splitlines()
    snippet = lines[exc.lineno - 1].strip() if 0 < exc.lineno <= len(lines) else ""
    if snippet:
        message = f"{message}, near {snippet[:60]!r}"
    return SparqlSyntaxError(message, exc.lineno, exc.col)


# rdflib's SPARQL grammar (pyparsing) is not thread-safe on first use: concurrent first parses
# can corrupt a shared parse action for good, after which every query fails until restart
# (benchmarks/parser_race.py reproduces it). Parsing holds the GIL anyway, so one lock costs
# no throughput. Everything in the project parses SPARQL through these two functions.
_PARSER_LOCK = threading.Lock()


def parseQuery(text: str):
    with _PARSER_LOCK:
        return _rdflib_parser.parseQuery(text)


def parseUpdate(text: str):
    with _PARSER_LOCK:
        return _rdflib_parser.parseUpdate(text)


def _neutral_numbers(text: str, tokens: Iterable[Token]) -> str:
    """`text` with every number written as 0 padded to the same length. rdflib's parser fails
    on a negative decimal in a triple pattern (`?s ex:v -2.5`: TypeError on negating a Decimal)
    and nothing read from its parse depends on a number's value; the padding keeps every
    error position where it was."""
    parts: list[str] = []
    pos = 0
    for token in tokens:
        if token.kind == "number":
            parts += [text[pos:token.start], "0".ljust(len(token.text))]
            pos = token.end
    return "".join(parts) + text[pos:] if parts else text


# rdflib expands these everywhere before parsing (as SPARQL 1.1 section 19.2 says), Oxigraph
# only inside strings and IRIs; the pattern is rdflib's own, so nothing it would expand passes.
_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9a-f]{4}(?:[0-9a-f]{4})?)", re.IGNORECASE)
_LONE_CARRIAGE_RETURN = re.compile(r"\r(?!\n)")
# Oxigraph matches a keyword at the start of a longer name where the grammar allows an optional
# keyword before a graph name: `ADD GRAPHx: TO …` is GRAPH + `x:` to it, one prefixed name to
# rdflib. Prefixed names that start with such a keyword are refused.
_GLUED_KEYWORD = re.compile(r"(?<![\w.\-])(graph|silent|service|named|default)[^\s:<>(){}\[\]]*:",
                            re.IGNORECASE)
# The non-ASCII characters whose upper or lower case is (or holds) an ASCII letter: rdflib
# matches keywords with str.upper(), so `ſilent:` is SILENT to it and a prefixed name to Oxigraph.
_FOLDS_TO_ASCII = re.compile("[\u00df\u0130\u0131\u0149\u017f\u01f0\u1e96-\u1e9a\u1e9e\u212a\ufb00-\ufb06]")


def refuse_ambiguous_text(text: str) -> None:
    """Refuse what the parsers read differently. The gate checks a text with rdflib and the
    store runs it with Oxigraph, so both must see the same tokens: a `\\u` escape expanded by
    one and not the other can end a string or a comment early (`"\\u0022 #"`), and a carriage
    return without a line feed ends a comment for Oxigraph but not for rdflib. Requests are
    UTF-8, so characters can always be sent as themselves. Outside strings and IRIs, the few
    characters whose case is an ASCII letter (ſ, ı, K, ligatures) are refused as well, and so
    are prefixed names that start with a keyword Oxigraph would split off (`GRAPHx:`)."""
    for pattern, what in ((_CODEPOINT_ESCAPE, "\\u escapes are not accepted: send the character itself"),
                          (_LONE_CARRIAGE_RETURN, "a carriage return must be followed by a line feed")):
        match = pattern.search(text)
        if match is not None:
            raise _error_at(text, match.start(), what)
    if _FOLDS_TO_ASCII.search(text) or _GLUED_KEYWORD.search(text):  # rare: only then tokenize
        for token in tokenize(text):
            if token.kind in ("string", "iri"):
                continue
            match = _FOLDS_TO_ASCII.search(token.text)
            if match is not None:
                raise _error_at(text, token.start + match.start(),
                                f"{match[0]!r} is not accepted outside strings and IRIs: "
                                "its upper case is an ASCII letter, which makes it read as part of a keyword")
            glued = _GLUED_KEYWORD.match(token.text) if token.kind == "pname" else None
            if glued is not None and len(token.text.partition(":")[0]) > len(glued[1]):
                raise _error_at(text, token.start,
                                f"the prefix of {token.text!r} starts with the keyword {glued[1].upper()}, "
                                "which one SPARQL parser reads as that keyword: choose another prefix")


def _error_at(text: str, offset: int, message: str) -> SparqlSyntaxError:
    line = text.count("\n", 0, offset) + 1
    return SparqlSyntaxError(message, line, offset - text.rfind("\n", 0, offset))


def _parse_and_translate(parse, translate, text: str, base_iri: str | None):
    """Parse, refuse SERVICE/LOAD, translate to algebra; every failure is a SparqlSyntaxError."""
    tokens = tokenize(text)
    try:
        tree = parse(_neutral_numbers(text, tokens))
    except ParseException as exc:
        raise _syntax_error(exc, text) from None
    except RecursionError:
        raise SparqlSyntaxError("the request nests brackets too deeply") from None
    refuse_remote_calls(tokens)
    try:
        return translate(tree, base=base_iri)
    except ParseException as exc:
        raise _syntax_error(exc, text) from None
    except Exception as exc:  # rdflib raises plain Exceptions for semantic errors
        raise SparqlSyntaxError(str(exc) or type(exc).__name__) from None


@lru_cache(maxsize=1024)
def parse_query(text: str, base_iri: str | None = None) -> ParsedQuery:
    """Parse a query; raises SparqlSyntaxError, or ForbiddenFeature for SERVICE.

    rdflib's parse costs 5-170 ms, more than Oxigraph needs to answer a lookup, and clients
    mostly send a few query shapes with other values in them. So the query is parsed once per
    shape: its string and number literals blanked and its IRIs numbered (`query_shape`). What
    this module reads from a query (form, FROM graphs, pattern keys) does not depend on literal
    values, and IRIs are mapped back. (The query runner also uses the shape, to learn which
    kinds of query run long.) Errors come from parsing the text itself, so their
    positions are the caller's (exceptions are not cached: a refused query is parsed again)."""
    refuse_ambiguous_text(text)
    # The shape is cut along the tokenizer's reading of strings; a text that names SERVICE
    # anywhere (even inside what looks like a string) is parsed as sent, so that a string the
    # tokenizer misread can never hide a SERVICE from the parser. So is a text that uses the
    # shape's placeholder IRIs itself (they would map back wrongly).
    if _SHAPE_IRI in text or _SERVICE_WORD.search(text):
        return _parse_query_text(text, base_iri)
    shape, iris = query_shape(text)
    try:
        parsed = _parse_query_text(shape, base_iri)
    except (SparqlSyntaxError, ForbiddenFeature):
        return _parse_query_text(text, base_iri)
    # The shape's parse refused SERVICE and LOAD: blanking literals and numbering IRIs leaves
    # every keyword of the text where it was.
    back = {f"{_SHAPE_IRI}{n}": iri for n, iri in enumerate(iris)}
    return ParsedQuery(
        text, parsed.form,
        tuple(back.get(g, g) for g in parsed.from_graphs),
        tuple(back.get(g, g) for g in parsed.from_named_graphs),
        None if parsed.pattern_keys is None
        else frozenset((kind, back.get(iri, iri)) for kind, iri in parsed.pattern_keys),
    )


_SHAPE_IRI = "urn:x-schakel-shape:"
# SERVICE as a word of its own or a prefix (not inside cpsv:PublicService or ex:service);
# IGNORECASE also matches ſ and K.
_SERVICE_WORD = re.compile(r"(?<![\w:])service(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=256)
def query_shape(text: str) -> tuple[str, tuple[str, ...]]:
    """The text with every untyped string literal emptied (rdflib converts typed ones to values
    while parsing, and logs an error for an empty date), every number made 0 and every
    absolute IRI outside PREFIX/BASE (prefixed names resolve against those) and other than
    rdf:type replaced by a numbered placeholder IRI; and the IRIs in placeholder order."""
    iris: dict[str, int] = {}
    parts: list[str] = []
    pos = 0
    tokens = tokenize(text)
    for i, token in enumerate(tokens):
        if token.kind == "string" and not _typed(tokens, i):
            quote = token.text[:3] if token.text[:3] in ('"""', "'''") else token.text[0]
            replacement = quote + quote
        elif token.kind == "number":
            replacement = "0"
        elif (token.kind == "iri" and is_absolute_iri(token.text[1:-1]) and token.text[1:-1] != RDF_TYPE
              and not (i >= 1 and tokens[i - 1].is_word("BASE"))
              and not (i >= 2 and tokens[i - 2].is_word("PREFIX"))):
            replacement = f"<{_SHAPE_IRI}{iris.setdefault(token.text[1:-1], len(iris))}>"
        else:
            continue
        parts.append(text[pos:token.start])
        parts.append(replacement)
        pos = token.end
    parts.append(text[pos:])
    return "".join(parts), tuple(iris)


def _typed(tokens: list[Token], i: int) -> bool:
    return i + 2 < len(tokens) and tokens[i + 1].text == "^" and tokens[i + 2].text == "^"


@lru_cache(maxsize=1024)
def _parse_query_text(text: str, base_iri: str | None) -> ParsedQuery:
    query = _parse_and_translate(parseQuery, translateQuery, text, base_iri)
    algebra = query.algebra
    if _contains(algebra, "ServiceGraphPattern"):
        raise ForbiddenFeature("SERVICE (federated query) is not allowed on this endpoint")
    from_graphs: list[str] = []
    named: list[str] = []
    for clause in (algebra["datasetClause"] if "datasetClause" in algebra else None) or []:
        if "default" in clause:
            from_graphs.append(str(clause["default"]))
        if "named" in clause:
            named.append(str(clause["named"]))
    form = _FORMS.get(algebra.name, "SELECT")
    keys = None if form == "DESCRIBE" else _pattern_keys(algebra)
    return ParsedQuery(text, form, tuple(from_graphs), tuple(named), keys)


class _AnyTriple(Exception):
    """A pattern that could match any triple: no key describes it."""


def _path_keys(path) -> set[PatternKey]:
    if isinstance(path, URIRef):
        return {("p", str(path))}
    if isinstance(path, InvPath):
        return _path_keys(path.arg)
    if isinstance(path, (SequencePath, AlternativePath)):
        return set().union(*(_path_keys(arg) for arg in path.args))
    if isinstance(path, MulPath) and path.mod == "+":
        return _path_keys(path.path)
    # `*` and `?` also match zero-length paths, i.e. every term of every graph; negated
    # property sets match almost any predicate; a variable matches every predicate.
    raise _AnyTriple


def _pattern_keys(algebra) -> frozenset[PatternKey] | None:
    """The keys of every triple pattern anywhere in the query (inside GRAPH, EXISTS and
    templates too: more keys only ever keep more graphs)."""
    keys: set[PatternKey] = set()
    try:
        for node in walk_algebra(algebra):
            if not (isinstance(node, CompValue) and "triples" in node):
                continue
            for block in node["triples"] or ():
                # algebra BGPs hold (s, p, o) tuples; parse-tree blocks (inside EXISTS) hold one
                # flat list s, p, o, s, p, o, ... per subject and its predicate-object list
                if len(block) % 3:
                    raise _AnyTriple
                for predicate, obj in zip(block[1::3], block[2::3]):
                    keys |= _triple_keys(predicate, obj)
    except _AnyTriple:
        return None
    return frozenset(keys)


def _triple_keys(predicate, obj) -> set[PatternKey]:
    if isinstance(predicate, URIRef) and str(predicate) == RDF_TYPE and isinstance(obj, URIRef):
        return {("c", str(obj))}
    return _path_keys(predicate)


def walk_algebra(node):
    """Every node of an rdflib algebra or parse tree once, without recursion (deep queries
    exceed Python's recursion limit)."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, (CompValue, dict)):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)


def _contains(node, name: str) -> bool:
    return any(isinstance(item, CompValue) and item.name == name for item in walk_algebra(node))


# --- updates ------------------------------------------------------------------------------

GraphRef = str  # an IRI, STORE_DEFAULT, "ALL", "NAMED", or "?var" for a graph variable


@dataclass
class UpdateOperation:
    kind: str  # InsertData, DeleteData, Modify, DeleteWhere, Clear, Drop, Create, Add, Move, Copy, Load
    writes: list[GraphRef] = field(default_factory=list)
    reads: list[GraphRef] = field(default_factory=list)
    with_graph: str | None = None
    using: list[str] = field(default_factory=list)
    using_named: list[str] = field(default_factory=list)
    start: int = 0  # character span of the operation in the request text
    end: int = 0
    dataset_span: tuple[int, int] | None = None  # where USING clauses go (Modify only)
    pattern_span: tuple[int, int] | None = None  # the { ... } of DELETE WHERE


def _graph_ref(term) -> GraphRef:
    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, URIRef):
        return str(term)
    return str(term).upper()  # DEFAULT, NAMED, ALL


def _template_graphs(clause, default_target: str) -> list[GraphRef]:
    if clause is None:
        return []
    graphs = [_graph_ref(g) for g in (clause["quads"] if "quads" in clause else {})]
    if "triples" in clause and clause["triples"]:
        graphs.append(default_target)
    return graphs


_OPERATION_KEYWORDS = {"INSERT", "DELETE", "WITH", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "LOAD"}


_UNSPLIT = "the update could not be split into its operations"


def _split_operations(text: str) -> list[tuple[int, int, list[Token]]]:
    """Operations at nesting depth 0, separated by ';', without their PREFIX/BASE prologue."""
    operations: list[tuple[int, int, list[Token]]] = []
    current: list[Token] = []

    def close() -> None:
        body = list(current)
        current.clear()
        while body and body[0].is_word("PREFIX", "BASE"):
            size = 3 if body[0].is_word("PREFIX") else 2
            if len(body) < size or body[size - 1].kind != "iri" or (size == 3 and body[1].kind != "pname"):
                raise SparqlSyntaxError(_UNSPLIT)
            body = body[size:]
        if not body:  # after a final ';'
            return
        # Every segment must start with an operation: one this reader skipped could still run.
        if not (body[0].kind == "word" and body[0].text.upper() in _OPERATION_KEYWORDS):
            raise SparqlSyntaxError(_UNSPLIT)
        operations.append((body[0].start, body[-1].end, body))

    for token in tokenize(text):
        if token.depth == 0 and token.kind == "punct" and token.text == ";":
            close()
        else:
            current.append(token)
    close()
    return operations


def parse_update(text: str, base_iri: str | None = None) -> list[UpdateOperation]:
    """Parse an update request into operations with the graphs each reads and writes."""
    refuse_ambiguous_text(text)
    update = _parse_and_translate(parseUpdate, translateUpdate, text, base_iri)
    algebra = update if isinstance(update, list) else update.algebra
    spans = _split_operations(text)
    if len(spans) != len(algebra):
        raise SparqlSyntaxError(_UNSPLIT)

    operations: list[UpdateOperation] = []
    for op, (start, end, tokens) in zip(algebra, spans):
        kind = op.name
        item = UpdateOperation(kind=kind, start=start, end=end)
        if kind == "Load":
            raise ForbiddenFeature("LOAD is not allowed on this endpoint")
        if kind in ("InsertData", "DeleteData"):
            item.writes = _template_graphs(op, STORE_DEFAULT)
        elif kind == "DeleteWhere":
            item.writes = _template_graphs(op, STORE_DEFAULT)
            item.reads = list(item.writes)
            braces = [t for t in tokens if t.depth == 0 and t.kind == "punct" and t.text in "{}"]
            if len(braces) >= 2:
                item.pattern_span = (braces[0].start, braces[-1].end)
        elif kind == "Modify":
            if "where" in op and _contains(op["where"], "ServiceGraphPattern"):
                raise ForbiddenFeature("SERVICE (federated query) is not allowed on this endpoint")
            item.with_graph = str(op["withClause"]) if "withClause" in op else None
            target = item.with_graph or STORE_DEFAULT
            item.writes = (_template_graphs(op["delete"] if "delete" in op else None, target)
                           + _template_graphs(op["insert"] if "insert" in op else None, target))
            for clause in (op["using"] if "using" in op else None) or []:
                if "default" in clause:
                    item.using.append(str(clause["default"]))
                if "named" in clause:
                    item.using_named.append(str(clause["named"]))
            first = next((t for t in tokens if t.depth == 0 and t.is_word("USING", "WHERE")), None)
            where = next((t for t in tokens if t.depth == 0 and t.is_word("WHERE")), None)
            if first is None or where is None:
                raise SparqlSyntaxError("the WHERE clause of an update operation could not be located")
            item.dataset_span = (first.start, where.start)
        elif kind in ("Clear", "Drop", "Create"):
            item.writes = [_graph_ref(op["graphiri"])]
        elif kind in ("Add", "Move", "Copy"):
            source, target = (_graph_ref(g) for g in op["graph"])
            item.reads = [source]
            item.writes = [target] + ([source] if kind == "Move" else [])
        else:
            raise SparqlSyntaxError(f"unsupported update operation {kind}")
        operations.append(item)
    return operations


_SAFE_IRI = re.compile(r"^[^<>\"{}|^`\\\x00-\x20]+$")


def iri_ref(iri: str) -> str:
    """`<iri>` for splicing into SPARQL text; refuses anything that could break out of it."""
    if not _SAFE_IRI.match(iri):
        raise ValueError("not a valid IRI")
    return f"<{iri}>"


def is_absolute_iri(value: str) -> bool:
    return bool(_SAFE_IRI.match(value)) and re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:", value) is not None
