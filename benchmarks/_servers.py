"""Start and stop the SPARQL servers the benchmarks compare, all on loopback, each in its own
process (so the benchmark client never shares a GIL with a server):

* `schakel serve` on the store (this project's endpoint: auth, scope gate, audit, limits);
* `oxigraph serve-read-only` on a copy of the store's live generation, and on a store holding
  the union of the role's graphs in its default graph (the engine's fastest layout);
* Virtuoso Open Source 7 (`virtuoso-t`, Debian package virtuoso-opensource) with its own ini
  in a work folder, bulk-loaded with `ld_dir`/`rdf_loader_run` from an N-Quads dump of the
  same generation.

Nothing here listens anywhere but 127.0.0.1, and every process started is stopped by its id.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def live_generation(store: Path) -> Path:
    name = (store / "CURRENT").read_text(encoding="utf-8").strip()
    return store / name


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass
class Target:
    """One system under test: where to send the request and what to send with it."""

    name: str
    url: str  # the SPARQL endpoint
    headers: dict[str, str] = field(default_factory=dict)
    params: list[tuple[str, str]] = field(default_factory=list)  # e.g. default-graph-uri
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    info: dict = field(default_factory=dict)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def _wait_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 120.0,
               headers: dict[str, str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited with {process.returncode}; see {log}:\n"
                               + log.read_text(errors="replace")[-3000:])
        try:
            r = httpx.get(url, params={"query": "ASK {}"}, headers=headers or {}, timeout=5)
            if r.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s; see {log}")


# --- this project's endpoint ----------------------------------------------------------------

def bench_config_text(source: Path, *, requests_per_minute: int | None = 0,
                      max_concurrent_queries: int | None = None) -> str:
    """The project's schakel.toml with the per-client rate limit set for a benchmark (0 turns it
    off: one API key sending the whole mix would otherwise be throttled at 600/min) and,
    optionally, a different number of evaluation slots. Nothing else changes."""
    text = source.read_text(encoding="utf-8")
    if requests_per_minute is not None:
        text = re.sub(r"(?m)^requests_per_minute\s*=.*$", f"requests_per_minute = {requests_per_minute}", text)
    if max_concurrent_queries is not None:
        text = re.sub(r"(?m)^max_concurrent_queries\s*=.*$", f"max_concurrent_queries = {max_concurrent_queries}",
                      text)
    return text


def start_schakel(store: Path, workdir: Path, *, role: str = "balie", config: Path = ROOT / "schakel.toml",
                  requests_per_minute: int | None = 0, max_concurrent_queries: int | None = None,
                  keys: int = 1) -> Target:
    """`schakel serve` with `keys` fresh API keys for `role` (the first one goes in the target's
    headers, all of them in `info["keys"]`). The config is copied into `workdir`, so the keys
    file and the audit log land there."""
    from graph_server.auth import ApiKeyStore
    from graph_server.config import load_config
    from graph_server.scopes import principal_for_role

    workdir.mkdir(parents=True, exist_ok=True)
    cfg_path = workdir / "schakel.toml"
    cfg_path.write_text(bench_config_text(config, requests_per_minute=requests_per_minute,
                                          max_concurrent_queries=max_concurrent_queries), encoding="utf-8")
    cfg = load_config(cfg_path)
    keys_path = workdir / "var" / "api_keys.toml"
    if keys_path.exists():
        keys_path.unlink()
    key_store = ApiKeyStore(keys_path)
    all_keys = [key_store.create(role, f"benchmark-{role}-{i}")[0] for i in range(max(1, keys))]
    key = all_keys[0]
    port = free_port()
    log = workdir / "schakel-serve.log"
    schakel = shutil.which("schakel", path=str(VENV_BIN)) or "schakel"
    cmd = [schakel, "serve", "--store", str(store), "--config", str(cfg_path), "--host", "127.0.0.1",
           "--port", str(port), "--log-level", "warning"]
    with open(log, "wb") as out:
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    url = f"http://127.0.0.1:{port}/sparql"
    headers = {"Authorization": f"Bearer {key}"}
    target = Target("schakel", url, headers=headers, process=process, log_path=log)
    try:
        _wait_http(url, process, log, headers=headers)
    except Exception:
        target.stop()
        raise
    principal = principal_for_role(cfg, role)
    target.info = {"role": role, "graphs": sorted(principal.graphs), "all_graphs": principal.all_graphs,
                   "audit": str(cfg.audit_path), "config": str(cfg_path), "keys": all_keys,
                   "requests_per_minute": cfg.limits.requests_per_minute,
                   "max_concurrent_queries": int(cfg.raw.get("server", {}).get("max_concurrent_queries", 4)),
                   "query_timeout_seconds": cfg.limits.query_timeout_seconds}
    return target


# --- Oxigraph server ------------------------------------------------------------------------

def copy_generation(store: Path, dest: Path) -> Path:
    """A copy of the store's live generation (a plain pyoxigraph database)."""
    gen = live_generation(store)
    target = dest / gen.name
    if not target.exists():
        shutil.copytree(gen, target)
    return target


def merge_graphs(location: Path, dest: Path, graphs: list[str]) -> Path:
    """A pyoxigraph store with the union of `graphs` (of the store at `location`) as its default
    graph, kept in `dest` between runs. Oxigraph evaluates a triple pattern over a one-graph
    default graph with one index lookup instead of one per graph, so this is the fastest layout
    for queries over those graphs: no layer on top of the engine can do better."""
    import hashlib

    import pyoxigraph as ox

    key = hashlib.sha256("\n".join(sorted(graphs)).encode("utf-8")).hexdigest()[:12]
    target = dest / f"{location.name}-merged-{key}"
    complete = target.with_name(target.name + ".complete")
    if complete.is_file():
        return target
    shutil.rmtree(target, ignore_errors=True)
    source = ox.Store.read_only(str(location))
    merged = ox.Store(str(target))
    for graph in graphs:
        merged.bulk_extend(ox.Quad(q.subject, q.predicate, q.object)
                           for q in source.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    merged.flush()
    merged.optimize()
    del merged, source  # closes both databases before a server opens the merged one
    complete.write_text(f"{len(graphs)} graphs of {location}\n", encoding="utf-8")
    return target


def start_oxigraph(location: Path, workdir: Path, default_graphs: list[str], name: str = "oxigraph") -> Target:
    oxigraph = shutil.which("oxigraph", path=str(VENV_BIN)) or shutil.which("oxigraph")
    if oxigraph is None:
        raise RuntimeError("the oxigraph server binary is missing (pip package `oxigraph`)")
    port = free_port()
    log = workdir / f"{name}-serve.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([oxigraph, "serve-read-only", "--location", str(location),
                                    "--bind", f"127.0.0.1:{port}"], stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/query"
    target = Target(name, url, params=[("default-graph-uri", g) for g in default_graphs],
                    process=process, log_path=log)
    try:
        _wait_http(url, process, log)
    except Exception:
        target.stop()
        raise
    version = subprocess.run([oxigraph, "--version"], capture_output=True, text=True).stdout.strip()
    target.info = {"version": version, "location": str(location)}
    return target


# --- Virtuoso -------------------------------------------------------------------------------

VIRTUOSO_INI = """\
; Virtuoso for the Schakel benchmark: loopback only, its own folder, sized for a 2-core, 24 GiB machine.
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
ServerThreads = 20
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {dir}
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 256
MaxMemPoolSize = 200000000
MaxQueryMem = 2G
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
; 8 KiB pages: about 2.6 GiB of buffers (the store is about 2.6 M quads)
NumberOfBuffers = 340000
MaxDirtyBuffers = 250000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}/www
MaxClientConnections = 40
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
MaxKeepAlives = 40
KeepAliveTimeout = 10
MaxCachedProxyConnections = 10
ProxyConnectionCacheTimeout = 15
HTTPThreads = 20
HttpPrintWarningsInOutput = 0
Charset = UTF-8
EnabledGzipContent = 0

[AutoRepair]
BadParentLinks = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 120
DeferInferenceRulesInit = 0
MaxSortedTopRows = 100000
ShortenLongURIs = 1
"""


def virtuoso_binaries() -> tuple[str, str]:
    server = shutil.which("virtuoso-t")
    isql = shutil.which("isql-vt") or shutil.which("isql")
    if server is None or isql is None:
        raise RuntimeError("Virtuoso is missing: apt-get install virtuoso-opensource")
    return server, isql


def _isql(isql: str, port: int, sql: str, timeout: float = 3600) -> str:
    proc = subprocess.run([isql, f"127.0.0.1:{port}", "dba", "dba", "VERBOSE=OFF", "BANNER=OFF",
                           "PROMPT=OFF", "ECHO=OFF", "ERRORS=STDOUT", f"EXEC={sql}"],
                          capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0 or "*** Error" in out:
        raise RuntimeError(f"isql failed ({proc.returncode}) on {sql!r}:\n{out[-3000:]}")
    return out


def start_virtuoso(workdir: Path, nquads: Path, default_graphs: list[str], stamp: str) -> Target:
    """Virtuoso in `workdir` (kept between runs): loads `nquads` once per `stamp` (the store
    generation), then serves /sparql on a loopback port."""
    server, isql = virtuoso_binaries()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "www").mkdir(exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    (workdir / "virtuoso.ini").write_text(VIRTUOSO_INI.format(dir=workdir, sql_port=sql_port, http_port=http_port),
                                          encoding="utf-8")
    loaded_stamp = workdir / "loaded-generation"
    if loaded_stamp.exists() and loaded_stamp.read_text().strip() != stamp:
        for name in ("virtuoso.db", "virtuoso.trx", "virtuoso-temp.db", "virtuoso-temp.trx", "virtuoso.pxa"):
            (workdir / name).unlink(missing_ok=True)
        loaded_stamp.unlink()
    log = workdir / "virtuoso-stdout.log"
    with open(log, "ab") as out:
        process = subprocess.Popen([server, "+foreground", "+configfile", str(workdir / "virtuoso.ini")],
                                   stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    target = Target("virtuoso", f"http://127.0.0.1:{http_port}/sparql",
                    params=[("default-graph-uri", g) for g in default_graphs], process=process, log_path=log)
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {process.returncode}; see {workdir / 'virtuoso.log'}")
            try:
                _isql(isql, sql_port, "status('');", timeout=20)
                break
            except (RuntimeError, subprocess.TimeoutExpired):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        load_seconds = None
        if not loaded_stamp.exists():
            load_dir = nquads.parent
            started = time.monotonic()
            _isql(isql, sql_port, f"ld_dir('{load_dir}', '{nquads.name}', 'urn:schakel:default');")
            _isql(isql, sql_port, "rdf_loader_run();")
            _isql(isql, sql_port, "checkpoint;")
            load_seconds = time.monotonic() - started
            failed = _last_number(_isql(isql, sql_port,
                                        "SELECT COUNT(*) FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;"))
            if failed:
                errors = _isql(isql, sql_port, "SELECT ll_file, ll_error FROM DB.DBA.LOAD_LIST WHERE ll_error IS NOT NULL;")
                raise RuntimeError(f"Virtuoso's bulk loader failed on {failed} file(s):\n{errors[-2000:]}")
            loaded_stamp.write_text(stamp)
        _wait_http(target.url, process, log)
        count = _isql(isql, sql_port, "SPARQL SELECT COUNT(*) WHERE { GRAPH ?g { ?s ?p ?o } };")
        version = subprocess.run([server, "-?"], capture_output=True, text=True)
        first = next((line for line in (version.stdout + version.stderr).splitlines() if "Version" in line), "")
        target.info = {"version": first.strip(), "load_seconds": load_seconds,
                       "quads": _last_number(count), "workdir": str(workdir)}
    except Exception:
        target.stop()
        raise
    return target


def _last_number(text: str) -> int | None:
    numbers = re.findall(r"^\s*(\d+)\s*$", text, re.MULTILINE)
    return int(numbers[-1]) if numbers else None


WKT_LITERAL = "^^<http://www.opengis.net/ont/geosparql#wktLiteral>"
# Virtuoso 7 parses geo:wktLiteral values into its own geometry type and aborts the whole bulk
# load on the first one it cannot read (Lambert 72 points with a CRS IRI, polygons:
# "RDFGE: RDF box with a geometry RDF type and a non-geometry content"). Its copy gets these
# literals with this datatype instead; no query of the mix reads geometries.
WKT_STAND_IN = "^^<https://w3id.org/schakel/ns#wktText>"


def dump_nquads(location: Path, dest: Path) -> tuple[Path, int, int]:
    """An N-Quads dump of a (copied) generation for Virtuoso's bulk loader, with the WKT
    literals retyped (see WKT_STAND_IN). Returns (path, quads, retyped literals)."""
    import pyoxigraph as ox

    counts = dest.with_suffix(".counts")
    if dest.exists() and counts.exists():
        quads, retyped = (int(x) for x in counts.read_text().split())
        return dest, quads, retyped
    store = ox.Store.read_only(str(location))
    raw = dest.with_suffix(".raw")
    store.dump(str(raw), format=ox.RdfFormat.N_QUADS)
    del store
    quads = retyped = 0
    tmp = dest.with_suffix(".tmp")
    with open(raw, encoding="utf-8") as src, open(tmp, "w", encoding="utf-8") as out:
        for line in src:
            quads += 1
            if WKT_LITERAL in line:
                line = line.replace(WKT_LITERAL, WKT_STAND_IN)
                retyped += 1
            out.write(line)
    raw.unlink()
    os.replace(tmp, dest)
    counts.write_text(f"{quads} {retyped}")
    return dest, quads, retyped
