"""The ingest pipeline: extract → link → map → SHACL gate → load, per source, swapped into
the store together at the end (see graph_server/store.py for why)."""

from __future__ import annotations

import multiprocessing as mp
import tempfile
import time
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from graph_server.config import PROJECT_ROOT, Config
from graph_server.ingest import provenance
from graph_server.ingest.extract import EXTRACTORS
from graph_server.ingest.extract.common import ExtractContext, NearestAddress, require_file
from graph_server.ingest.gate import ShaclGate
from graph_server.ingest.link import AddressRegister, Pseudonymiser
from graph_server.ingest.mapping import MAPPINGS_DIR, run_mapping
from graph_server.ingest.records import Extract, SourceError
from graph_server.store import GenerationBuilder, GraphStore, ingest_lock, remove_abandoned_generations

SHAPES_DIR = PROJECT_ROOT / "shapes"
# Morph-KGC's parsed mapping rules, kept in the store folder (see mapping._parse_rules).
MAPPING_CACHE = "mapping-cache"
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"


@dataclass(frozen=True)
class SourceSpec:
    name: str
    folder: str
    files: tuple[str, ...]
    mapping: Path
    graphs: tuple[str, ...]


@dataclass
class IngestReport:
    run_id: str
    runs: list[provenance.SourceRun] = field(default_factory=list)
    graph_sizes: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    address_links: dict = field(default_factory=dict)
    unresolved_addresses: list[tuple[str, str]] = field(default_factory=list)
    cpu_seconds: Counter = field(default_factory=Counter)  # stage -> CPU seconds, workers and main together

    @property
    def ok(self) -> bool:
        return all(run.outcome == "loaded" and run.reconciles for run in self.runs)


def load_source_specs(config: Config, path: Path | None = None) -> dict[str, SourceSpec]:
    path = path or MAPPINGS_DIR / "sources.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SourceError(f"{path}: cannot read sources file: {exc}") from None
    specs = {}
    for name, spec in raw.get("sources", {}).items():
        unknown = [g for g in spec.get("graphs", []) if g not in config.graphs]
        if unknown:
            raise SourceError(f"{path}: source {name!r} fills graph(s) {unknown} that {config.path} does not declare")
        if name not in EXTRACTORS:
            raise SourceError(f"{path}: source {name!r} has no extractor (known: {', '.join(EXTRACTORS)})")
        specs[name] = SourceSpec(name, spec.get("folder", name), tuple(spec.get("files", [])),
                                 path.parent / spec["mapping"], tuple(spec.get("graphs", [])))
    return specs


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _build_context(config: Config, gis: Extract | None) -> ExtractContext:
    secret, _development = config.pseudonym_secret()
    register = AddressRegister(postcodes=config.city.postcodes,
                               place_names=(config.city.name, *config.city.deelgemeenten),
                               threshold=config.address_link_threshold)
    deelgemeente_of: dict[int, str] = {}
    nearest = NearestAddress()
    for row in (gis.tables.get("adres", []) if gis else []):
        try:
            adres_id = int(row["adres_id"])
        except (TypeError, ValueError):
            continue
        register.add(adres_id, row["straatnaam"], row["huisnummer"], row["busnummer"])
        deelgemeente_of[adres_id] = row["deelgemeente_key"]
        nearest.add(row["lon"], row["lat"], row["deelgemeente_key"])
    register.freeze()
    return ExtractContext(register=register, pseudonymiser=Pseudonymiser(secret), city_name=config.city.name,
                          deelgemeente_of_address=deelgemeente_of, nearest_address=nearest)


@dataclass
class PreparedSource:
    """One source extracted, mapped and validated, ready to load: what a worker sends back."""

    run: provenance.SourceRun
    accepted: list[bytes] = field(default_factory=list)  # N-Quads chunks of the accepted triples (own graphs only)
    quarantine: bytes = b""  # N-Triples of the sk:QuarantinedRecord descriptions
    link_stats: dict = field(default_factory=dict)
    unresolved: list = field(default_factory=list)
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # stage -> CPU seconds in the worker


class _Stopwatch:
    """CPU seconds per stage (process time: this process's own work, whatever else the machine runs)."""

    def __init__(self, into: dict[str, float]):
        self.into, self.last = into, time.process_time()

    def restart(self) -> None:
        self.last = time.process_time()

    def lap(self, stage: str) -> None:
        now = time.process_time()
        self.into[stage] = self.into.get(stage, 0.0) + now - self.last
        self.last = now


@dataclass
class _Job:
    """Everything a worker needs; set before the worker processes fork so it is inherited,
    not pickled (the address register is large)."""

    config: Config
    specs: dict[str, SourceSpec]
    sources_dir: Path
    staging_root: Path
    context: ExtractContext
    extracts: dict[str, Extract | None]
    errors: dict[str, str]
    run_id: str


_JOB: _Job | None = None
_GATE: ShaclGate | None = None


def _worker_gate(config: Config) -> ShaclGate:
    global _GATE
    if _GATE is None:
        _GATE = ShaclGate(SHAPES_DIR, config.shacl_engine)
    return _GATE


def _prepare(name: str) -> PreparedSource:
    job = _JOB
    assert job is not None
    config, register = job.config, job.context.register
    run = provenance.SourceRun(source=name, started=_now())
    out = PreparedSource(run)
    register.stats.clear()
    register.unresolved.clear()
    t0 = time.perf_counter()
    watch = _Stopwatch(out.cpu_seconds)
    try:
        spec = job.specs.get(name)
        if spec is None:
            raise SourceError(f"unknown source {name!r} (sources.toml knows: {', '.join(job.specs)})")
        if name in job.errors:
            raise SourceError(job.errors[name])
        extract = job.extracts.get(name) or _extract(name, spec, job.sources_dir, job.context)
        run.input_files = [(f"{spec.folder}/{p.name}", provenance.file_checksum(p), p.stat().st_size)
                           for p in (job.sources_dir / spec.folder / f for f in spec.files)]
        run.mapping_version = provenance.mapping_version(spec.mapping)
        watch.lap("extract")
        graph_iris = {config.graph_iri(g) for g in spec.graphs}
        with tempfile.TemporaryDirectory(prefix=f"schakel-{name}-", dir=job.staging_root) as staging:
            lines = run_mapping(extract, spec.mapping, config, Path(staging), graph_iris,
                                cache_dir=job.staging_root / MAPPING_CACHE)
        watch.lap("map")
        result = _worker_gate(config).check(name, lines, graph_iris)
        del lines
        rejected = extract.rejected + result.rejected
        quarantined = {r.record for r in extract.rejected} | set(result.quarantined)
        run.records_read = extract.records_read
        run.records_quarantined = len(quarantined)
        run.records_loaded = len(result.records_seen - quarantined)
        run.warnings = result.warnings
        out.accepted = result.accepted
        for graph in spec.graphs:
            run.triples_loaded[config.graph_iri(graph)] = result.triples_per_graph.get(config.graph_iri(graph), 0)
        for _record, reason in {(r.record, r.reason) for r in rejected}:
            run.reasons[reason] = run.reasons.get(reason, 0) + 1
        out.quarantine = ox.serialize(
            provenance.quarantine_triples(config.city.base_iri, job.run_id, name, rejected, result.quarantined),
            format=ox.RdfFormat.N_TRIPLES)
        watch.lap("gate")
        run.outcome = "loaded"
    except SourceError as exc:
        run.error = str(exc)
        run.outcome = "failed"
    run.duration_seconds = time.perf_counter() - t0
    run.ended = _now()
    out.link_stats = dict(register.stats)
    out.unresolved = list(register.unresolved)
    return out


def _input_size(sources_dir: Path, spec: SourceSpec | None) -> int:
    if spec is None:
        return 0
    return sum(p.stat().st_size for p in (sources_dir / spec.folder / f for f in spec.files) if p.is_file())


def run_ingest(sources_dir: Path, config: Config, *, store_root: Path | None = None, only: list[str] | None = None,
               progress: bool = False, before_swap=None, log=print, workers: int = 2) -> IngestReport:
    """Ingest the sources (all of them, or `only`) into a new store generation and swap it in.

    Sources are prepared in parallel worker processes (extract, link, map, SHACL) and loaded
    by this process as they finish. `before_swap` runs just before the swap (tests crash there)."""
    global _JOB
    store_root = store_root or config.store_path
    specs = load_source_specs(config)
    wanted = list(specs) if not only else list(dict.fromkeys(only))
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    report = IngestReport(run_id)
    started = _now()
    if not sources_dir.is_dir():
        raise SourceError(f"{sources_dir}: sources folder not found")
    if config.pseudonym_secret()[1]:
        report.warnings.append(f"{config.pseudonym_secret_env} is not set: persons are pseudonymised with the "
                               f"development key (fine for the demo, never for real data)")

    with ingest_lock(store_root):
        remove_abandoned_generations(store_root)
        store = GraphStore(store_root)
        builder = GenerationBuilder(store)
        try:
            main_watch = _Stopwatch(report.cpu_seconds)
            extracts: dict[str, Extract | None] = {}
            errors: dict[str, str] = {}
            # The address register comes from the GIS export even when only other sources are
            # ingested: they link their addresses to it.
            if "gis" in specs:
                try:
                    extracts["gis"] = _extract("gis", specs["gis"], sources_dir, None)
                except SourceError as exc:
                    errors["gis"] = str(exc)
            context = _build_context(config, extracts.get("gis"))
            if extracts.get("gis") is None:
                report.warnings.append("no usable address register (gis): addresses stay text and are reported unresolved")

            main_watch.lap("extract")
            _JOB = _Job(config, specs, sources_dir, store_root, context, extracts, errors, run_id)
            # Largest exports first, so that the two workers finish at about the same time.
            order = sorted(wanted, key=lambda n: -_input_size(sources_dir, specs.get(n)))
            pool = mp.get_context("fork").Pool(min(workers, len(order))) if workers > 1 and len(order) > 1 else None
            bar = None
            if progress:
                from tqdm import tqdm
                bar = tqdm(total=len(order), desc="sources", unit="source", leave=False)
            quarantine_data: list[bytes] = []
            loaded_sources: list[str] = []
            links: Counter = Counter()
            try:
                prepared_runs = pool.imap_unordered(_prepare, order) if pool else map(_prepare, order)
                for prepared in prepared_runs:
                    run = prepared.run
                    report.runs.append(run)
                    links.update(prepared.link_stats)
                    report.unresolved_addresses += prepared.unresolved
                    report.cpu_seconds.update(prepared.cpu_seconds)
                    if run.outcome == "loaded":
                        main_watch.restart()
                        builder.put_nquads(prepared.accepted, list(run.triples_loaded), checked=True)
                        prepared.accepted = []  # not held while waiting for the next source
                        main_watch.lap("load")
                        quarantine_data.append(prepared.quarantine)
                        loaded_sources.append(run.source)
                    if bar is not None:
                        bar.set_postfix_str(run.source)
                        bar.update(1)
                    if log:
                        log(_reconciliation_line(run))
            finally:
                if pool is not None:
                    pool.terminate()
                if bar is not None:
                    bar.close()
                _JOB = None
            report.runs.sort(key=lambda r: wanted.index(r.source))
            report.address_links = dict(links)

            main_watch.restart()
            _load_ontology(builder, config)
            prefixes = tuple(provenance.quarantine_prefix(config.city.base_iri, s) for s in loaded_sources)
            quarantine_iri = config.graph_iri("quarantaine")
            if quarantine_iri in store.graph_iris():
                builder.carry_over(quarantine_iri, keep=lambda q: not q.subject.value.startswith(prefixes))
            for data in quarantine_data:
                builder.add_triples(quarantine_iri, (ox.Triple(q.subject, q.predicate, q.object)
                                                     for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)))
            builder.add_triples(quarantine_iri, [])
            provenance_iri = config.graph_iri("provenance")
            if provenance_iri in store.graph_iris():
                builder.carry_over(provenance_iri)
            builder.add_triples(provenance_iri, provenance.run_triples(config.city.base_iri, run_id, started, _now(), report.runs))
            if before_swap is not None:
                before_swap()
        except BaseException:
            builder.abandon()
            store.close()
            raise
        builder.commit()
        main_watch.lap("finish")
    live = GraphStore(store_root, read_only=True)
    # Counting every graph scans the whole store (a second at scale 1, with both cores idle);
    # the graphs this run loaded hold exactly the triples it counted.
    loaded = {graph: count for run in report.runs if run.outcome == "loaded" for graph, count in run.triples_loaded.items()}
    sizes = {graph: loaded[graph] if graph in loaded else live.graph_size(graph) for graph in live.graph_iris()}
    report.graph_sizes = {graph: count for graph, count in sizes.items() if count}
    live.close()
    return report


def _extract(name: str, spec: SourceSpec, sources_dir: Path, context: ExtractContext | None) -> Extract:
    folder = sources_dir / spec.folder
    if not folder.is_dir():
        raise SourceError(f"{folder}: source folder not found")
    for file_name in spec.files:
        require_file(folder / file_name)
    try:
        return EXTRACTORS[name](folder, context)
    except PermissionError as exc:
        raise SourceError(f"{exc.filename}: not readable (permission denied)") from None


def _load_ontology(builder: GenerationBuilder, config: Config) -> None:
    """The application profile and codelists go into their own public graph: labels for
    answers and entity linking."""
    if "ontologie" not in config.graphs:
        return
    store = ox.Store()
    for path in sorted(ONTOLOGY_DIR.rglob("*.ttl")):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    builder.put_graph(config.graph_iri("ontologie"), data)


def _reconciliation_line(run: provenance.SourceRun) -> str:
    if run.outcome != "loaded":
        return f"{run.source:<17} FAILED  {run.error}"
    check = "ok" if run.reconciles else f"MISMATCH ({run.records_read - run.records_loaded - run.records_quarantined} unaccounted)"
    triples = sum(run.triples_loaded.values())
    return (f"{run.source:<17} read {run.records_read:>8,}  = loaded {run.records_loaded:>8,} + quarantined "
            f"{run.records_quarantined:>6,}  [{check}]  warnings {run.warnings:,}  triples {triples:,}  "
            f"{run.duration_seconds:.1f}s")

