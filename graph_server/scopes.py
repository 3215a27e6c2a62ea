"""The access-scope gate: the only way a query, an update or a graph read/write reaches the
store. Every caller — the SPARQL endpoint, the Graph Store endpoint, /ask, the indicators —
hands a `Principal` and the request to a `ScopeGate`, and gets back results computed over the
principal's graphs only.

The rule (see ARCHITECTURE.md): the dataset of a query is the intersection of what the request
names (FROM / FROM NAMED, or the protocol's default-graph-uri / named-graph-uri, which take
precedence) and the principal's graphs, passed explicitly to the store. When the request names
nothing, the default graph is the union of the principal's graphs and the named graphs are the
principal's graphs. A graph outside the principal's set behaves exactly like a graph that does
not exist; no message ever names it.

Updates are parsed and checked operation by operation before anything runs: a principal may
only write graphs in its set, reads in WHERE clauses are confined by rewriting their USING /
USING NAMED clauses, and forms that cannot be confined (GRAPH ?g in a template, DROP ALL,
the store's default graph) are refused for principals that do not see every graph.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial

import pyoxigraph as ox

from graph_server.config import Config
from graph_server.confinement import confine_patterns
from graph_server.partitions import STORE_DEFAULT_GRAPH, GraphPartitions
from graph_server.sparql_syntax import (
    STORE_DEFAULT,
    ForbiddenFeature,
    ParsedQuery,
    SparqlSyntaxError,
    UpdateOperation,
    iri_ref,
    is_absolute_iri,
    parse_query,
    parse_update,
    tokenize,
)
from graph_server.store import EMPTY_GRAPH, GraphStore

__all__ = [
    "Principal", "Dataset", "QueryOutcome", "ScopeGate", "ScopeRefused", "SparqlSyntaxError",
    "ForbiddenFeature", "principal_for_role", "query_dataset", "check_update",
]


@dataclass(frozen=True)
class Principal:
    """Who is asking. `graphs` are graph IRIs; `all_graphs` is set for roles configured with
    "*" (they see every graph in the store, including ones created later and the store's
    own default graph)."""

    name: str
    role: str
    graphs: frozenset[str]
    can_write: bool = False
    all_graphs: bool = False

    def may_access(self, graph_iri: str) -> bool:
        return self.all_graphs or graph_iri in self.graphs


def principal_for_role(config: Config, role: str, *, name: str | None = None,
                       graph_names: Iterable[str] | None = None) -> Principal:
    """A principal with a configured role. `graph_names` (logical names) replaces the role's
    graphs: the per-client grant of an integrator key or token."""
    spec = config.roles.get(role)
    if spec is None:
        raise ValueError(f"unknown role {role!r}")
    if graph_names is not None:
        names = list(graph_names)
        unknown = [g for g in names if g not in config.graphs]
        if unknown:
            raise ValueError(f"unknown graph(s) {unknown}")
        return Principal(name or role, role, frozenset(config.graph_iri(g) for g in names), spec.write, False)
    all_graphs = "*" in spec.graphs
    graphs = frozenset(config.graph_iri(g) for g in config.role_graphs(role))
    return Principal(name or role, role, graphs, spec.write, all_graphs)


class UpdateFailed(Exception):
    """The store refused a checked update (a graph to drop that does not exist, one to create
    that does); the message names only graphs the principal may write."""


class ScopeRefused(Exception):
    """The request is not allowed for this principal (403) or not allowed at all (400). The
    message never names a graph."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Dataset:
    default_graph: tuple[str, ...]
    named_graphs: tuple[str, ...]
    include_store_default_graph: bool = False

    def as_record(self) -> dict:
        record = {"default_graph": list(self.default_graph), "named_graphs": list(self.named_graphs)}
        if self.include_store_default_graph:
            record["store_default_graph"] = True
        return record


def _valid_iris(values: Sequence[str], what: str) -> list[str]:
    for value in values:
        if not is_absolute_iri(value):
            raise ScopeRefused(400, f"{what} must be an absolute IRI")
    return list(values)


def query_dataset(principal: Principal, parsed: ParsedQuery, *, default_graph_uris: Sequence[str] = (),
                  named_graph_uris: Sequence[str] = (), store_graphs: Sequence[str] = ()) -> Dataset:
    """The dataset a query runs over. `store_graphs` (the store's graph IRIs) is only used
    for principals that see every graph and name none."""
    default_graph_uris = _valid_iris(default_graph_uris, "default-graph-uri")
    named_graph_uris = _valid_iris(named_graph_uris, "named-graph-uri")
    if default_graph_uris or named_graph_uris:
        asked_default, asked_named = default_graph_uris, named_graph_uris
    elif parsed.names_dataset:
        asked_default, asked_named = list(parsed.from_graphs), list(parsed.from_named_graphs)
    elif principal.all_graphs:
        graphs = tuple(sorted(set(store_graphs)))
        return Dataset(graphs, graphs, include_store_default_graph=True)
    else:
        graphs = tuple(sorted(principal.graphs))
        return Dataset(graphs, graphs)
    # A graph outside the scope is dropped, exactly as if it did not exist.
    return Dataset(
        tuple(dict.fromkeys(g for g in asked_default if principal.may_access(g))),
        tuple(dict.fromkeys(g for g in asked_named if principal.may_access(g))),
    )


# --- updates --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CheckedUpdate:
    text: str  # what actually runs: the request with confined USING clauses
    writes: tuple[str, ...]
    operations: int


_NOT_WRITABLE = "this update would write to a graph outside your role's graphs"


def _check_writable(principal: Principal, graph: str) -> None:
    if principal.all_graphs:
        return
    if graph in ("ALL", "NAMED"):
        raise ScopeRefused(403, "DROP/CLEAR ALL and NAMED are only allowed for roles that see every graph")
    if graph == STORE_DEFAULT or graph.startswith("?"):
        raise ScopeRefused(403, "this update must name each graph it writes (GRAPH <iri>); "
                                "the default graph and graph variables cannot be written by your role")
    if graph not in principal.graphs:
        raise ScopeRefused(403, _NOT_WRITABLE)


def _using_clause(default: Sequence[str], named: Sequence[str]) -> str:
    """USING clauses for `default` (which is never empty: see `_confined_using`) and `named`."""
    parts = [f"USING {iri_ref(g)}" for g in default] + [f"USING NAMED {iri_ref(g)}" for g in named]
    return " ".join(parts) + " "


_UNCONFINABLE = ("this update could not be confined to your graphs as written; "
                 "write it without comments between its clauses")


def _refuse_relative_iris(text: str) -> None:
    """rdflib resolves relative IRIs with urljoin and forgets BASE after the first operation;
    Oxigraph follows RFC 3986 and keeps it. A graph name the gate checked as one graph could
    then be another one to the store, so roles limited to some graphs write absolute IRIs."""
    for token in tokenize(text):
        if token.is_word("BASE") or (token.kind == "iri" and not is_absolute_iri(token.text[1:-1])):
            raise ScopeRefused(400, "updates by a role limited to some graphs must use absolute IRIs "
                                    "(no BASE, no relative IRIs)")


def _verify_confinement(rewritten: str, base_iri: str | None, operations: Sequence[UpdateOperation],
                        confined: dict[int, tuple[list[str], list[str]]]) -> None:
    """Parse the rewritten update again: each operation must write what was checked and read
    exactly the USING dataset it was given. A second line of defence: the clauses are placed
    by token position, and a text the tokenizer read differently from the parsers must not run."""
    try:
        again = parse_update(rewritten, base_iri)
    except (SparqlSyntaxError, ForbiddenFeature):
        raise ScopeRefused(400, _UNCONFINABLE) from None
    if len(again) != len(operations):
        raise ScopeRefused(400, _UNCONFINABLE)
    for index, (before, after) in enumerate(zip(operations, again)):
        if after.writes != before.writes:
            raise ScopeRefused(400, _UNCONFINABLE)
        if index in confined and (after.kind != "Modify" or (after.using, after.using_named) != confined[index]):
            raise ScopeRefused(400, _UNCONFINABLE)


def check_update(principal: Principal, text: str, *, using_graph_uris: Sequence[str] = (),
                 using_named_graph_uris: Sequence[str] = (), base_iri: str | None = None) -> CheckedUpdate:
    """Parse and check an update graph by graph; returns the text to run."""
    if not principal.can_write:
        raise ScopeRefused(403, f"role {principal.role!r} may not update")
    using_graph_uris = _valid_iris(using_graph_uris, "using-graph-uri")
    using_named_graph_uris = _valid_iris(using_named_graph_uris, "using-named-graph-uri")
    protocol_dataset = bool(using_graph_uris or using_named_graph_uris)
    operations = parse_update(text, base_iri)
    if not principal.all_graphs:
        _refuse_relative_iris(text)
    writes: list[str] = []
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement) in the original text
    confined: dict[int, tuple[list[str], list[str]]] = {}  # operation -> its USING dataset
    for index, op in enumerate(operations):
        if protocol_dataset and (op.using or op.using_named or op.with_graph):
            raise ScopeRefused(400, "using-graph-uri/using-named-graph-uri cannot be combined with "
                                    "USING, USING NAMED or WITH in the update")
        for graph in op.writes:
            _check_writable(principal, graph)
            writes.append(graph)
        for graph in op.reads:
            _check_writable(principal, graph)  # COPY/MOVE/ADD sources: same set as writes
        if op.kind == "Modify":
            dataset = _confined_using(principal, op, using_graph_uris, using_named_graph_uris, protocol_dataset)
            if dataset is not None and op.dataset_span is not None:
                edits.append((*op.dataset_span, _using_clause(*dataset)))
                confined[index] = dataset
        elif op.kind == "DeleteWhere" and not principal.all_graphs and op.pattern_span is not None:
            start, end = op.pattern_span
            pattern = text[start:end]
            dataset = ([EMPTY_GRAPH], sorted(principal.graphs))
            edits.append((op.start, op.end, f"DELETE {pattern} {_using_clause(*dataset)}WHERE {pattern}"))
            confined[index] = dataset
    rewritten = text
    for start, end, replacement in sorted(edits, reverse=True):
        rewritten = rewritten[:start] + replacement + rewritten[end:]
    if confined:
        _verify_confinement(rewritten, base_iri, operations, confined)
    return CheckedUpdate(rewritten, tuple(dict.fromkeys(writes)), len(operations))


def _confined_using(principal: Principal, op: UpdateOperation, using: Sequence[str],
                    using_named: Sequence[str], protocol_dataset: bool) -> tuple[list[str], list[str]] | None:
    """The (USING, USING NAMED) graphs a Modify operation runs with, or None to leave it as
    written. An empty default graph is written as the store's empty graph: no USING at all
    would mean the store's whole default graph."""
    if protocol_dataset:
        default, named = list(using), list(using_named)
    elif op.using or op.using_named:
        default, named = op.using, op.using_named
    elif principal.all_graphs:
        return None
    else:
        default = [op.with_graph] if op.with_graph else sorted(principal.graphs)
        named = sorted(principal.graphs)
    default = [g for g in default if principal.may_access(g)] or [EMPTY_GRAPH]
    named = [g for g in named if principal.may_access(g)]
    return default, named


# --- evaluation -----------------------------------------------------------------------------

@dataclass
class QueryOutcome:
    """A query evaluated and materialised within the limits."""

    form: str
    dataset: Dataset
    boolean: bool | None = None
    variables: list[str] = field(default_factory=list)
    solutions: list[ox.QuerySolution] = field(default_factory=list)
    triples: list[ox.Triple] = field(default_factory=list)
    truncated: bool = False

    @property
    def size(self) -> int:
        if self.boolean is not None:
            return 1
        return len(self.solutions) if self.form == "SELECT" else len(self.triples)

    def rows(self) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]]:
        """SELECT solutions as dicts (unbound variables left out)."""
        out = []
        for solution in self.solutions:
            row = {}
            for name in self.variables:
                value = solution[name]
                if value is not None:
                    row[name] = value
            out.append(row)
        return out


class _NoDeadline:
    def check(self) -> None:
        return None


@dataclass(frozen=True)
class PreparedQuery:
    parsed: ParsedQuery
    dataset: Dataset
    base_iri: str | None


class ScopeGate:
    """All store access for principals. Thread-safe; one per app."""

    def __init__(self, config: Config, store: GraphStore):
        self.config = config
        self.store = store
        self.partitions = GraphPartitions(store)
        self._write_lock = threading.Lock()

    # queries ----------------------------------------------------------------------------
    def prepare_query(self, principal: Principal, text: str, *, default_graph_uris: Sequence[str] = (),
                      named_graph_uris: Sequence[str] = (), base_iri: str | None = None) -> PreparedQuery:
        """Parse, refuse SERVICE, and compute the dataset. Raises SparqlSyntaxError,
        ForbiddenFeature or ScopeRefused."""
        parsed = parse_query(text, base_iri)
        store_graphs = self.store.graph_iris() if principal.all_graphs else ()
        dataset = query_dataset(principal, parsed, default_graph_uris=default_graph_uris,
                                named_graph_uris=named_graph_uris, store_graphs=store_graphs)
        return PreparedQuery(parsed, dataset, base_iri)

    def run_prepared(self, prepared: PreparedQuery):
        """The raw (lazy) pyoxigraph result of a prepared query.

        The store reads from a snapshot taken when the query starts. A plan (graphs pruned,
        patterns confined) made before a write began and started after that write committed
        would read new data with old partitions, so a query during which a write began is
        planned and started again; after a few tries it runs over the whole dataset, as
        written."""
        for _attempt in range(3):
            writes = self.partitions.writes_begun
            result = self._start(prepared, planned=True)
            if self.partitions.writes_begun == writes:
                return result
            del result
        return self._start(prepared, planned=False)

    def _start(self, prepared: PreparedQuery, *, planned: bool):
        dataset = prepared.dataset
        default = list(dataset.default_graph)
        if dataset.include_store_default_graph:
            default.append(STORE_DEFAULT_GRAPH)
        keys = prepared.parsed.pattern_keys
        confined = None
        if planned:
            default = self.partitions.prune(default, keys)
            if keys and len(default) > 1:
                # The rewritten query names no graph itself, so the added GRAPH clauses are the
                # only readers of its named graphs; each of those is a graph of its default graph.
                confined = confine_patterns(prepared.parsed.text, self.partitions.sole_holders(default, keys))
        run = partial(self.store.query, default_graph=[g for g in default if g != STORE_DEFAULT_GRAPH],
                      base_iri=prepared.base_iri, include_store_default_graph=STORE_DEFAULT_GRAPH in default)
        try:
            if confined is not None:
                try:
                    return run(confined.text, named_graphs=list(confined.graphs))
                except SyntaxError:  # the client gets the verdict on the text it sent
                    pass
            return run(prepared.parsed.text, named_graphs=list(dataset.named_graphs))
        except SyntaxError as exc:  # rdflib accepted what Oxigraph does not
            raise SparqlSyntaxError(str(exc)) from None

    def query(self, principal: Principal, text: str, *, default_graph_uris: Sequence[str] = (),
              named_graph_uris: Sequence[str] = (), base_iri: str | None = None):
        """Run a query for a principal; returns pyoxigraph's result (bool-like, solutions or
        triples). No time or row limit: prefer `evaluate`."""
        prepared = self.prepare_query(principal, text, default_graph_uris=default_graph_uris,
                                      named_graph_uris=named_graph_uris, base_iri=base_iri)
        return self.run_prepared(prepared)

    def evaluate(self, principal: Principal, text: str, *, default_graph_uris: Sequence[str] = (),
                 named_graph_uris: Sequence[str] = (), base_iri: str | None = None,
                 max_rows: int | None = None, deadline=None,
                 prepared: PreparedQuery | None = None) -> QueryOutcome:
        """Run and materialise a query, checking `deadline.check()` between rows and keeping at
        most `max_rows` rows (`truncated` tells whether more existed)."""
        deadline = deadline or _NoDeadline()
        if prepared is None:
            prepared = self.prepare_query(principal, text, default_graph_uris=default_graph_uris,
                                          named_graph_uris=named_graph_uris, base_iri=base_iri)
        result = self.run_prepared(prepared)
        try:
            return self._materialise(result, prepared, max_rows, deadline)
        except Exception as exc:
            # pyoxigraph result iterators must be dropped on the thread that made them: never
            # let one travel to another thread inside the frames of an exception's traceback.
            raise exc.with_traceback(None) from None
        finally:
            del result

    @staticmethod
    def _materialise(result, prepared: PreparedQuery, max_rows: int | None, deadline) -> QueryOutcome:
        deadline.check()
        outcome = QueryOutcome(form=prepared.parsed.form, dataset=prepared.dataset)
        if isinstance(result, ox.QueryBoolean):
            outcome.form = "ASK"
            outcome.boolean = bool(result)
            return outcome
        if isinstance(result, ox.QuerySolutions):
            outcome.form = "SELECT"
            outcome.variables = [v.value for v in result.variables]
            bucket = outcome.solutions
        else:
            outcome.form = "CONSTRUCT" if outcome.form != "DESCRIBE" else "DESCRIBE"
            bucket = outcome.triples
        iterator = iter(result)
        del result
        try:
            for item in iterator:
                if max_rows is not None and len(bucket) >= max_rows:
                    outcome.truncated = True
                    break
                bucket.append(item)
                if len(bucket) % 256 == 0:
                    deadline.check()
        except SyntaxError as exc:
            raise SparqlSyntaxError(str(exc)) from None
        finally:
            del iterator
        deadline.check()
        return outcome

    # updates ----------------------------------------------------------------------------
    def update(self, principal: Principal, text: str, *, using_graph_uris: Sequence[str] = (),
               using_named_graph_uris: Sequence[str] = (), base_iri: str | None = None) -> CheckedUpdate:
        checked = check_update(principal, text, using_graph_uris=using_graph_uris,
                               using_named_graph_uris=using_named_graph_uris, base_iri=base_iri)
        with self._write_lock, self.partitions.writing(_written_graphs(checked.writes)):
            try:
                self.store.update(checked.text, base_iri=base_iri)
            except SyntaxError as exc:
                raise SparqlSyntaxError(str(exc)) from None
            except RuntimeError as exc:  # the graphs named were checked: all are the principal's
                raise UpdateFailed(f"the update failed: {exc}") from None
        return checked

    def store_view(self, principal: Principal) -> "ScopedStoreView":
        """The store's read interface as one principal sees it, for library code written
        against `GraphStore.query` (quality indicators): the dataset it passes is ignored
        and the principal's scope applies, as for every other query."""
        return ScopedStoreView(self, principal)

    # graphs (Graph Store Protocol, service description) ---------------------------------
    def visible_graphs(self, principal: Principal) -> list[str]:
        """Graph IRIs the principal may know about: its configured graphs (even when still
        empty), or every graph in the store for principals that see everything."""
        if principal.all_graphs:
            return sorted(set(self.store.graph_iris()) | principal.graphs)
        return sorted(principal.graphs)

    def visible_graph_sizes(self, principal: Principal) -> dict[str, int]:
        sizes = self.store.graph_sizes()
        return {g: sizes.get(g, 0) for g in self.visible_graphs(principal)}

    def graph_exists(self, principal: Principal, graph_iri: str | None) -> bool:
        """None is the default graph, which always exists. A graph outside the scope does not."""
        if graph_iri is None:
            return True
        return principal.may_access(graph_iri) and graph_iri in set(self.store.graph_iris())

    def read_graph(self, principal: Principal, graph_iri: str | None) -> list[ox.Triple] | None:
        """The triples of one graph, or None when it does not exist for this principal. The
        default graph (None) is the union of the principal's graphs, or the store's own default
        graph for principals that see everything."""
        if not self.graph_exists(principal, graph_iri):
            return None
        if graph_iri is None:
            if principal.all_graphs:
                dataset = Dataset((), (), include_store_default_graph=True)
            else:
                dataset = Dataset(tuple(sorted(principal.graphs)), ())
            sparql = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
        else:
            dataset = Dataset((), (graph_iri,))
            sparql = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {iri_ref(graph_iri)} {{ ?s ?p ?o }} }}"
        prepared = PreparedQuery(ParsedQuery(sparql, "CONSTRUCT", (), ()), dataset, None)
        return list(self.run_prepared(prepared))

    def _check_graph_write(self, principal: Principal, graph_iri: str | None) -> None:
        if not principal.can_write:
            raise ScopeRefused(403, f"role {principal.role!r} may not write graphs")
        _check_writable(principal, STORE_DEFAULT if graph_iri is None else graph_iri)

    def write_graph(self, principal: Principal, graph_iri: str | None, triples: Iterable[ox.Triple],
                    *, replace: bool) -> bool:
        """PUT (replace=True) or POST: returns whether the graph was created."""
        self._check_graph_write(principal, graph_iri)
        body = " .\n".join(str(t) for t in triples)
        target = "DEFAULT" if graph_iri is None else f"GRAPH {iri_ref(graph_iri)}"
        parts = []
        if replace:
            parts.append(f"DROP SILENT {target}")
        if graph_iri is not None:
            parts.append(f"CREATE SILENT GRAPH {iri_ref(graph_iri)}")
        if body:
            data = f"{body} ." if graph_iri is None else f"GRAPH {iri_ref(graph_iri)} {{ {body} . }}"
            parts.append(f"INSERT DATA {{ {data} }}")
        with self._write_lock, self.partitions.writing([graph_iri or STORE_DEFAULT_GRAPH]):
            existed = graph_iri is None or graph_iri in set(self.store.graph_iris())
            self.store.update(" ;\n".join(parts))
        return not existed

    def delete_graph(self, principal: Principal, graph_iri: str | None) -> bool:
        """DELETE: returns False when the graph did not exist (for this principal)."""
        self._check_graph_write(principal, graph_iri)
        with self._write_lock, self.partitions.writing([graph_iri or STORE_DEFAULT_GRAPH]):
            if graph_iri is None:
                self.store.update("CLEAR SILENT DEFAULT")
                return True
            if graph_iri not in set(self.store.graph_iris()):
                return False
            self.store.update(f"DROP SILENT GRAPH {iri_ref(graph_iri)}")
        return True


def _written_graphs(writes: Sequence[str]) -> list[str] | None:
    """The graphs an update writes, for the partitions; None when it may write any graph."""
    graphs = []
    for graph in writes:
        if graph in ("ALL", "NAMED") or graph.startswith("?"):
            return None
        graphs.append(STORE_DEFAULT_GRAPH if graph == STORE_DEFAULT else graph)
    return graphs


class ScopedStoreView:
    """See `ScopeGate.store_view`."""

    def __init__(self, gate: ScopeGate, principal: Principal):
        self._gate = gate
        self._principal = principal

    def query(self, sparql: str, **_dataset_ignored):
        return self._gate.query(self._principal, sparql)
