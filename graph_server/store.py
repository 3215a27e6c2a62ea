"""The on-disk RDF store behind a narrow interface: replace graphs atomically, query with an
explicit dataset, update. Everything else (scopes, protocol, nl2sparql) talks to this
interface only, so a remote SPARQL store can take pyoxigraph's place.

Layout of a store folder::

    store/
      CURRENT            name of the live generation (replaced by an atomic rename)
      gen-<stamp>/       a pyoxigraph database
      ingest.lock        held while a new generation is being built
      mapping-cache/     the ingest's parsed mapping rules (graph_server/ingest/mapping.py)

Why generations: in pyoxigraph, deleting a graph or moving one inside a transaction costs
30-80 s per million triples, while a bulk load into a fresh database runs at ~150k
triples/s. So an ingest builds the next generation next to the live one (new graphs
bulk-loaded, untouched graphs copied over) and switches `CURRENT` in one rename. A crash
anywhere before that rename leaves the previous generation as it was.
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

# Used as the default graph when a scope grants none: an IRI nothing is ever loaded into.
EMPTY_GRAPH = "urn:schakel:empty"
# Every bulk_load call writes its own SST files; many small ones cost more to write and to
# read than loading side by side saves (calls of 40k quads took a third more CPU than calls
# of 1M in one measurement), so a call gets 16 MB of N-Quads (about 100k quads) at least.
SMALLEST_LOAD = 16 << 20


class StoreError(RuntimeError):
    """The store could not be opened or written."""


def _current_generation(root: Path) -> Path | None:
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return root / name


class GraphStore:
    """The live generation of a store folder, or an in-memory store when `root` is None."""

    def __init__(self, root: Path | str | None, *, read_only: bool = False):
        self.root = Path(root) if root is not None else None
        self.read_only = read_only
        self.generation: Path | None = None
        try:
            if self.root is None:
                self._store = ox.Store()
                return
            self.root.mkdir(parents=True, exist_ok=True)
            generation = _current_generation(self.root)
            if generation is None:
                generation = self.root / _new_generation_name()
                ox.Store(str(generation)).flush()
                _switch_current(self.root, generation)
            self.generation = generation
            self._store = ox.Store.read_only(str(generation)) if read_only else ox.Store(str(generation))
        except OSError as exc:
            raise StoreError(_explain_open_error(self.root, exc)) from None

    @property
    def oxigraph(self) -> ox.Store:
        """The underlying pyoxigraph store, for benchmarks and the generation builder."""
        return self._store

    def graph_iris(self) -> list[str]:
        return sorted(g.value for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def graph_size(self, graph_iri: str) -> int:
        result = self._store.query(f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}")
        return int(next(iter(result))["n"].value)

    def graph_sizes(self) -> dict[str, int]:
        result = self._store.query("SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {row["g"].value: int(row["n"].value) for row in result}

    def query(self, sparql: str, *, default_graph: list[str], named_graphs: list[str],
              base_iri: str | None = None, substitutions=None, include_store_default_graph: bool = False):
        """Run a query over exactly the given dataset. An empty default graph list means an
        empty default graph, never the union of the store. `include_store_default_graph` adds
        the store's own (unnamed) default graph to the query's default graph; only the scope
        gate sets it, for principals that may see every graph."""
        graphs: list = [ox.NamedNode(g) for g in default_graph]
        if include_store_default_graph:
            graphs.append(ox.DefaultGraph())
        return self._store.query(
            sparql,
            base_iri=base_iri,
            default_graph=graphs or [ox.NamedNode(EMPTY_GRAPH)],
            named_graphs=[ox.NamedNode(g) for g in named_graphs],
            substitutions=substitutions,
        )

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run an update that the scope gate has already checked graph by graph."""
        self._store.update(sparql, base_iri=base_iri)

    def dump_graph(self, graph_iri: str) -> bytes:
        return self._store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.NamedNode(graph_iri))

    def triples(self, graph_iri: str) -> Iterator[ox.Quad]:
        return self._store.quads_for_pattern(None, None, None, ox.NamedNode(graph_iri))

    def flush(self) -> None:
        if not self.read_only:
            self._store.flush()

    def close(self) -> None:
        self.flush()
        del self._store


class GenerationBuilder:
    """Collects the graphs of one ingest run and swaps them in together with `commit()`."""

    def __init__(self, live: GraphStore):
        if live.root is None:
            raise StoreError("generations need an on-disk store")
        self.live = live
        self.path = live.root / _new_generation_name()
        self._new = ox.Store(str(self.path))
        self.replaced: set[str] = set()

    def put_graph(self, graph_iri: str, ntriples: Path | bytes) -> None:
        """Load the full new content of one graph (N-Triples file or bytes)."""
        graph = ox.NamedNode(graph_iri)
        if isinstance(ntriples, Path):
            self._new.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        elif ntriples:
            self._new.bulk_load(ntriples, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)
        else:
            self._new.add_graph(graph)
        self.replaced.add(graph_iri)

    def put_nquads(self, chunks: list[bytes], graph_iris: list[str], *, checked: bool = False,
                   cores: int | None = None) -> None:
        """Load the full new content of several graphs from N-Quads, given as chunks of whole
        lines; graphs the data leaves empty are still replaced (by an empty graph). `checked`
        data was already parsed strictly (the ingest gate did): the loader then skips
        validating IRIs again.

        One bulk_load call parses and sorts on one core, so the chunks are shared out over a
        call per core, side by side (each call writes its own SST files, named at random).
        The calls read the chunks in place rather than from a joined copy."""
        shares = _shares(chunks, cores or os.cpu_count() or 1, SMALLEST_LOAD)
        with ThreadPoolExecutor(max(1, len(shares))) as pool:
            for done in [pool.submit(self._new.bulk_load, _ChunkReader(share), format=ox.RdfFormat.N_QUADS,
                                     lenient=checked) for share in shares]:
                done.result()
        for graph_iri in graph_iris:
            self._new.add_graph(ox.NamedNode(graph_iri))
            self.replaced.add(graph_iri)

    def add_triples(self, graph_iri: str, triples: Iterable[ox.Triple]) -> None:
        """Add to a graph of the new generation (provenance and quarantine records)."""
        graph = ox.NamedNode(graph_iri)
        self._new.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
        self.replaced.add(graph_iri)

    def carry_over(self, graph_iri: str, keep=None) -> None:
        """Copy a graph of the live generation, optionally only the quads `keep` accepts."""
        quads = self.live.triples(graph_iri)
        if keep is not None:
            quads = (q for q in quads if keep(q))
        self._new.bulk_extend(quads)
        self.replaced.add(graph_iri)

    def commit(self) -> Path:
        """Copy every live graph this run did not replace, then make this generation live."""
        for graph_iri in self.live.graph_iris():
            if graph_iri not in self.replaced:
                self._new.bulk_load(self.live.dump_graph(graph_iri), format=ox.RdfFormat.N_TRIPLES,
                                    to_graph=ox.NamedNode(graph_iri))
        self._new.flush()
        del self._new
        previous = self.live.generation
        _switch_current(self.live.root, self.path)
        self.live.close()
        if previous is not None:
            shutil.rmtree(previous, ignore_errors=True)
        return self.path

    def abandon(self) -> None:
        del self._new
        shutil.rmtree(self.path, ignore_errors=True)


def _shares(chunks: list[bytes], parts: int, smallest: int) -> list[list[bytes]]:
    """The non-empty chunks in order, cut into at most `parts` runs of about equal size and of
    about `smallest` bytes at least."""
    chunks = [chunk for chunk in chunks if chunk]
    total = sum(map(len, chunks))
    parts = max(1, min(parts, total // smallest))
    shares: list[list[bytes]] = [[]]
    done = 0
    for chunk in chunks:
        if shares[-1] and done >= total * len(shares) / parts:
            shares.append([])
        shares[-1].append(chunk)
        done += len(chunk)
    return [share for share in shares if share]


class _ChunkReader(io.RawIOBase):
    """A binary file over a list of byte strings, for bulk_load to read without a joined copy."""

    def __init__(self, chunks: list[bytes]):
        self._chunks = iter(chunks)
        self._view = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._view:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._view = memoryview(chunk)
        size = min(len(buffer), len(self._view))
        buffer[:size] = self._view[:size]
        self._view = self._view[size:]
        return size


@contextmanager
def ingest_lock(root: Path):
    """Only one ingest may build a generation at a time."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / "ingest.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(f"{root}: another ingest is running on this store") from None
        yield


def remove_abandoned_generations(root: Path) -> int:
    """Delete generation folders a crashed ingest left behind (never the live one)."""
    live = _current_generation(root)
    removed = 0
    for entry in root.glob("gen-*"):
        if entry.is_dir() and entry != live:
            shutil.rmtree(entry, ignore_errors=True)
            removed += 1
    return removed


def _new_generation_name() -> str:
    return f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**9:09d}"


def _switch_current(root: Path, generation: Path) -> None:
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".CURRENT.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(generation.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, root / "CURRENT")


def _explain_open_error(root: Path | None, exc: OSError) -> str:
    text = str(exc)
    if "lock" in text.lower():
        return (f"{root}: the store is in use by another process (a running `schakel serve` or "
                f"`schakel ingest`?); stop it first")
    return f"{root}: cannot open store: {text}"
