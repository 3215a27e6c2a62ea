"""Which predicates and classes each graph holds (VoID's property and class partitions), used to
leave out of a query's default graph the graphs in which none of its triple patterns can match.

Oxigraph evaluates every triple pattern over each graph of an explicit default graph, so a role
that sees eight graphs pays for eight lookups per pattern. A graph in which no pattern of the
query can match adds nothing to any solution, so dropping it leaves the result unchanged
(BENCHMARKS.md, SPARQL findings 4). Pruning only ever removes graphs from the principal's
dataset; it never decides what a principal may see.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import pyoxigraph as ox

from graph_server.sparql_syntax import RDF_TYPE, PatternKey
from graph_server.store import GraphStore

# The store's own default graph, next to the named graphs' IRIs.
STORE_DEFAULT_GRAPH = ""

_KEYS_PER_GRAPH = f"""
SELECT DISTINCT ?g ?p ?c WHERE {{
  {{ GRAPH ?g {{ ?s ?p ?o }} }} UNION {{ GRAPH ?g {{ ?s <{RDF_TYPE}> ?c }} }}
}}"""
_KEYS_OF_GRAPH = f"""
SELECT DISTINCT ?p ?c WHERE {{ {{ ?s ?p ?o }} UNION {{ ?s <{RDF_TYPE}> ?c }} }}"""


class GraphPartitions:
    """Keys per graph of one store, kept current by the scope gate around every write.
    Thread-safe: readers see either the old or the new keys of a graph, and a graph being
    written is never pruned."""

    def __init__(self, store: GraphStore):
        self._store = store
        self._lock = threading.Lock()
        self._keys: dict[str, frozenset[PatternKey]] | None = None
        self._writing: dict[str | None, int] = {}  # graph -> writers in progress; None = all graphs
        self._writes = 0  # writes begun so far: keys read across a write are not kept

    @property
    def writes_begun(self) -> int:
        """How many writes have begun so far. A query planned with these partitions stays right
        for the snapshot it reads only if no write began in between (see ScopeGate.run_prepared)."""
        return self._writes

    def _all_keys(self) -> dict[str, frozenset[PatternKey]]:
        keys: dict[str, set[PatternKey]] = {}
        for row in self._store.oxigraph.query(_KEYS_PER_GRAPH):
            keys.setdefault(row["g"].value, set()).add(_key(row))
        keys[STORE_DEFAULT_GRAPH] = set(self._graph_keys(STORE_DEFAULT_GRAPH))
        return {graph: frozenset(found) for graph, found in keys.items()}

    def _graph_keys(self, graph: str) -> frozenset[PatternKey]:
        target = ox.DefaultGraph() if graph == STORE_DEFAULT_GRAPH else ox.NamedNode(graph)
        return frozenset(_key(row) for row in self._store.oxigraph.query(_KEYS_OF_GRAPH, default_graph=[target]))

    def _current(self) -> dict[str, frozenset[PatternKey]]:
        keys = self._keys
        if keys is None:
            writes = self._writes
            keys = self._all_keys()
            with self._lock:
                if self._keys is None and not self._writing and self._writes == writes:
                    self._keys = keys
        return keys

    def prune(self, graphs: Sequence[str], needed: frozenset[PatternKey] | None) -> list[str]:
        """The graphs of `graphs` in which at least one needed key occurs (all of them when
        `needed` is None: the query has a pattern that could match anything)."""
        if needed is None:
            return list(graphs)
        keys = self._current()
        with self._lock:
            writing = dict(self._writing)
        if None in writing:
            return list(graphs)
        return [g for g in graphs if g in writing or not needed.isdisjoint(keys.get(g, ()))]

    def sole_holders(self, graphs: Sequence[str], needed: frozenset[PatternKey]) -> dict[PatternKey, str]:
        """For each needed key held by exactly one named graph of `graphs`, that graph (none
        while one of `graphs` is being written: its keys are not known)."""
        keys = self._current()
        with self._lock:
            if None in self._writing or not self._writing.keys().isdisjoint(graphs):
                return {}
        holders: dict[PatternKey, list[str]] = {}
        for graph in graphs:
            for key in needed.intersection(keys.get(graph, ())):
                holders.setdefault(key, []).append(graph)
        return {key: found[0] for key, found in holders.items()
                if len(found) == 1 and found[0] != STORE_DEFAULT_GRAPH}

    @contextmanager
    def writing(self, graphs: Iterable[str] | None) -> Iterator[None]:
        """Around a write to `graphs` (None: any graph may change): while it lasts those graphs
        are never pruned; afterwards their keys are read again."""
        written = None if graphs is None else tuple(graphs)
        with self._lock:
            self._writes += 1
            for graph in written or (None,):
                self._writing[graph] = self._writing.get(graph, 0) + 1
        try:
            yield
        finally:
            self._end(written)

    def _end(self, graphs: tuple[str, ...] | None) -> None:
        if graphs is None or self._keys is None:
            fresh = None
        else:
            fresh = {graph: self._graph_keys(graph) for graph in graphs}
        with self._lock:
            for graph in graphs or (None,):
                self._writing[graph] -= 1
                if not self._writing[graph]:
                    del self._writing[graph]
            if fresh is None:
                self._keys = None  # read again on the next query
            elif self._keys is not None:
                self._keys = {**self._keys, **fresh}


def _key(row: ox.QuerySolution) -> PatternKey:
    return ("c", row["c"].value) if row["c"] is not None else ("p", row["p"].value)
