"""Running a source's declarative mapping (YARRRML, executed by Morph-KGC) over its extracted
tables."""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path

from graph_server.config import Config
from graph_server.ingest.records import Extract, SourceError

MAPPINGS_DIR = Path(__file__).resolve().parents[2] / "mappings"
_PLACEHOLDER = re.compile(r"\$\{([A-Z]+)\}")
_GRAPH_TERM = re.compile(r"<([^>]+)>\s*$")


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


def run_mapping(extract: Extract, mapping_file: Path, config: Config, staging: Path,
                allowed_graphs: set[str]) -> list[str]:
    """Materialise the mapping; returns N-Quads lines (without the final ' .')."""
    import morph_kgc  # heavy import, only when ingesting

    text = mapping_text(mapping_file, config, staging)
    write_tables(extract, staging, text)
    mapping_path = staging / f"{mapping_file.stem}.mapping.yml"
    mapping_path.write_text(text, encoding="utf-8")
    # Only the empty string means "no value": Morph-KGC's default also drops "NA", "None",
    # "null" and "nan", which are legitimate names and descriptions.
    ini = (
        "[CONFIGURATION]\n"
        "output_format=N-QUADS\n"
        "number_of_processes=1\n"
        "na_values=\n"
        "logging_level=WARNING\n"
        f"[{extract.source}]\n"
        f"mappings={mapping_path}\n"
    )
    logging.getLogger("morph_kgc").setLevel(logging.WARNING)
    try:
        quads = morph_kgc.materialize_set(ini)
    except Exception as exc:  # Morph-KGC raises bare exceptions with long traces
        raise SourceError(f"{mapping_file}: mapping failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
    lines = list(quads)
    for line in lines:
        graph = _GRAPH_TERM.search(line)
        if graph is None or graph[1] not in allowed_graphs:
            raise SourceError(
                f"{mapping_file}: writes outside the graphs declared for source {extract.source!r} "
                f"in mappings/sources.toml ({graph[1] if graph else 'default graph'})")
    return lines
