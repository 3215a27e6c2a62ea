"""Running a source's declarative mapping (YARRRML, executed by Morph-KGC) over its extracted
tables."""

from __future__ import annotations

import csv
import hashlib
import logging
import os
import pickle
import re
import tempfile
from operator import methodcaller
from pathlib import Path

from graph_server.config import Config
from graph_server.ingest.records import Extract, SourceError

MAPPINGS_DIR = Path(__file__).resolve().parents[2] / "mappings"
_PLACEHOLDER = re.compile(r"\$\{([A-Z]+)\}")
# The staging folder differs per run; parsed mappings are cached with this in its place.
_STAGING_TOKEN = "/schakel-staging-folder"


def mapping_text(mapping_file: Path, config: Config, staging: Path) -> str:
    """The mapping with the shared prefixes prepended and `${...}` placeholders filled from
    the configuration, so that one mapping serves every municipality."""
    values = {"BASE": config.city.base_iri, "NIS": config.city.nis_code, "CITY": config.city.name,
              "STAGING": str(staging)}
    text = (mapping_file.parent / "_prefixes.yml").read_text(encoding="utf-8") + "\n" + mapping_file.read_text(encoding="utf-8")

    def fill(match: re.Match) -> str:
        if match[1] not in values:
            raise SourceError(f"{mapping_file}: unknown placeholder ${{{match[1]}}}")
        return values[match[1]]

    return _PLACEHOLDER.sub(fill, text)


def write_tables(extract: Extract, staging: Path, mapping: str) -> None:
    """One CSV per table; tables the mapping reads but the extract left empty get a header-only
    file so that Morph-KGC sees an empty source rather than a missing one."""
    staging.mkdir(parents=True, exist_ok=True)
    for name, rows in extract.tables.items():
        columns = list(rows[0]) if rows else []
        with (staging / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    for referenced in set(re.findall(rf"{re.escape(str(staging))}/(\w+)\.csv", mapping)):
        path = staging / f"{referenced}.csv"
        if not path.exists():
            columns = sorted(set(re.findall(r"\$\((\w+)\)", mapping)))
            path.write_text(",".join(columns) + "\n", encoding="utf-8")


def _ini(source: str, mapping_path: Path) -> str:
    # Only the empty string means "no value": Morph-KGC's default also drops "NA", "None",
    # "null" and "nan", which are legitimate names and descriptions.
    return (
        "[CONFIGURATION]\n"
        "output_format=N-QUADS\n"
        "number_of_processes=1\n"
        "na_values=\n"
        "logging_level=WARNING\n"
        f"[{source}]\n"
        f"mappings={mapping_path}\n"
    )


def _parse_rules(source: str, mapping_file: Path, text: str, staging: Path, cache_dir: Path | None):
    """Morph-KGC's mapping rules (its rule, function and HTTP tables) for the mapping `text`,
    rendered with a stand-in for the per-run staging folder, which is filled in afterwards.
    Translating YARRRML to RML and querying that with rdflib's SPARQL costs 0.5-1 s of CPU per
    source and depends on nothing but the mapping text and the library versions, so the rules
    are kept in `cache_dir`."""
    import pandas
    from morph_kgc._version import __version__ as morph_kgc_version
    from morph_kgc.args_parser import load_config_from_argument
    from morph_kgc.mapping.mapping_parser import retrieve_mappings

    key = hashlib.sha256("\0".join((morph_kgc_version, pandas.__version__, _ini(source, Path("m.yml")), text))
                         .encode("utf-8")).hexdigest()[:32]
    cached = cache_dir / f"{source}-{key}.pickle" if cache_dir is not None else None
    rules = None
    if cached is not None and cached.is_file():
        try:
            # The cache lives in the store folder, written by this function only.
            rules = pickle.loads(cached.read_bytes())
        except Exception:  # unreadable (disk trouble, a library changed underneath): parse again
            rules = None
    if rules is None:
        staging.mkdir(parents=True, exist_ok=True)
        mapping_path = staging / f"{mapping_file.stem}.rules.yml"
        mapping_path.write_text(text, encoding="utf-8")
        rules = retrieve_mappings(load_config_from_argument(_ini(source, mapping_path)))
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cached.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(rules, handle)
            os.replace(tmp, cached)
            # Earlier versions of this mapping; a source named "{source}-x" has entries of its own.
            earlier = re.compile(rf"{re.escape(source)}-[0-9a-f]{{32}}\.pickle")
            for stale in cached.parent.iterdir():
                if stale != cached and earlier.fullmatch(stale.name):
                    stale.unlink(missing_ok=True)
    rml_df, fnml_df, http_api_df = rules
    real = str(staging)
    for column in rml_df.columns[rml_df.dtypes == object]:
        rml_df[column] = rml_df[column].map(lambda v: v.replace(_STAGING_TOKEN, real) if isinstance(v, str) else v)
    return rml_df, fnml_df, http_api_df


def _materialize(source: str, rules, staging: Path) -> set[str]:
    """`morph_kgc.materialize_set` from already parsed rules: the same steps, in one process
    (the pipeline runs sources in parallel itself). These are Morph-KGC's internals: the
    Makefile pins its version, and a new version also changes the cache key."""
    from morph_kgc.args_parser import load_config_from_argument
    from morph_kgc.constants import RML_TRIPLES_MAP_CLASS
    from morph_kgc.materializer import _materialize_mapping_group_to_set

    rml_df, fnml_df, http_api_df = rules
    morph_config = load_config_from_argument(_ini(source, staging / "unused.yml"))
    morph_config.set("CONFIGURATION", "http_api_df", http_api_df.to_csv())
    asserted = rml_df.loc[rml_df["triples_map_type"] == RML_TRIPLES_MAP_CLASS]
    triples: set[str] = set()
    for _partition, group in asserted.groupby(by="mapping_partition"):
        triples.update(_materialize_mapping_group_to_set(group, rml_df, fnml_df, morph_config))
    return triples


def run_mapping(extract: Extract, mapping_file: Path, config: Config, staging: Path,
                allowed_graphs: set[str], cache_dir: Path | None = None) -> list[str]:
    """Materialise the mapping; returns N-Quads lines (without the final ' .')."""
    text = mapping_text(mapping_file, config, Path(_STAGING_TOKEN))
    write_tables(extract, staging, text.replace(_STAGING_TOKEN, str(staging)))
    logging.getLogger("morph_kgc").setLevel(logging.WARNING)
    try:
        rules = _parse_rules(extract.source, mapping_file, text, staging, cache_dir)
        lines = list(_materialize(extract.source, rules, staging))
    except SourceError:
        raise
    except Exception as exc:  # Morph-KGC raises bare exceptions with long traces
        raise SourceError(f"{mapping_file}: mapping failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    allowed = tuple(f" <{graph}>" for graph in allowed_graphs)
    if not all(map(methodcaller("endswith", allowed), lines)):  # no Python code per line: the lines are many
        graph = min(line[line.rindex(" ") + 1:] for line in lines if not line.endswith(allowed))
        raise SourceError(
            f"{mapping_file}: writes outside the graphs declared for source {extract.source!r} "
            f"in mappings/sources.toml ({graph[1:-1] if graph.startswith('<') else 'default graph'})")
    return lines
