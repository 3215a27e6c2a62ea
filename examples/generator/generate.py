"""Entry point: `generate(out, scale, seed)` writes every source export of docs/sources.md, the
dirt report and the truth tables, and returns a summary.

Order of construction: geography (with the organisation's locations forced into the register)
-> population -> organisation/staff -> products -> crm -> meldingen -> social -> sensors. Each
step draws from its own seeded stream, so the output is byte-identical for the same seed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from .crm import build_crm, write_crm
from .dirt import RATES, DirtLog
from .geography import build_geography, write_gis
from .meldingen import build_meldingen, write_meldingen
from .organisation import REQUIRED_ADDRESSES, build_organisation, build_staff, write_organisation
from .population import build_population
from .products import build_products, write_products
from .sensors import build_sensors, write_sensors
from .social import build_social, write_social

MAX_SCALE = 10.0

# folder -> files, as documented in docs/sources.md
LAYOUT = {
    "gis": ["adressen.geojson", "gebouwen.geojson", "percelen.geojson"],
    "crm": ["crm.sqlite"],
    "meldingen": ["meldingen.json"],
    "productcatalogus": ["producten.json"],
    "organisatie": ["organisatie.json"],
    "sensoren": ["sensoren.csv", "metingen.csv"],
    "sociaal": ["dossiers.csv"],
}


@dataclass
class GenerationSummary:
    out: Path
    seed: int
    scale: float
    persons: int
    records: dict[str, dict[str, int]] = field(default_factory=dict)  # source -> entity -> count
    dirt: dict[str, dict[str, int]] = field(default_factory=dict)     # source -> kind -> count
    files: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"Generated synthetic source exports in {self.out} (scale {self.scale:g}, seed {self.seed}, "
               f"{self.persons} synthetic residents)"]
        for source, entities in self.records.items():
            counts = ", ".join(f"{v} {k}" for k, v in entities.items())
            dirt = ", ".join(f"{k} {v}" for k, v in self.dirt.get(source, {}).items() if v)
            out.append(f"  {source:<17} {counts}" + (f"  | dirt: {dirt}" if dirt else ""))
        out.append(f"  dirt report: {self.out / 'dirt_report.json'}; truth: {self.out / 'truth'}")
        return out


def generate(out: Path, scale: float = 1.0, seed: int = 24107, progress: bool = False) -> GenerationSummary:
    out = Path(out)
    if not (isinstance(scale, (int, float)) and math.isfinite(scale) and scale > 0):
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    if scale > MAX_SCALE:
        raise ValueError(f"scale must be at most {MAX_SCALE:g}, got {scale:g}")
    if out.exists() and not out.is_dir():
        raise ValueError(f"output path {out} exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)

    steps = ["gis", "personen", "organisatie", "productcatalogus", "crm", "meldingen", "sociaal", "sensoren", "rapport"]
    bar = None
    if progress:
        from tqdm import tqdm
        bar = tqdm(total=len(steps), desc="generate", unit="step", leave=False)

    def step(done: str) -> None:
        if bar:
            bar.set_postfix_str(f"{done} done")
            bar.update(1)

    log = DirtLog(seed, scale)
    records: dict[str, dict[str, int]] = {}
    geo = build_geography(seed, scale, REQUIRED_ADDRESSES)
    records["gis"] = write_gis(geo, out)
    step("gis")
    persons = build_population(seed, scale, geo)
    step("personen")
    staff = build_staff(seed)
    records["organisatie"] = write_organisation(build_organisation(seed, geo), out)
    step("organisatie")
    records["productcatalogus"] = write_products(build_products(seed), out)
    step("productcatalogus")
    crm = build_crm(seed, scale, geo, persons, staff, log)
    records["crm"] = write_crm(crm, out)
    step("crm")
    records["meldingen"] = write_meldingen(build_meldingen(seed, scale, geo, persons, crm["crm_rrns"], log), out)
    step("meldingen")
    records["sociaal"] = write_social(build_social(seed, scale, geo, persons, crm["crm_rrns"], staff, log), out)
    step("sociaal")
    sensor_rows, measurements = build_sensors(seed, scale, geo, log, progress=progress)
    records["sensoren"] = write_sensors(sensor_rows, measurements, out)
    step("sensoren")
    log.write(out)
    step("rapport")
    if bar:
        bar.close()

    files = [out / folder / name for folder, names in LAYOUT.items() for name in names]
    files += [out / "dirt_report.json", out / "truth" / "adressen.csv", out / "truth" / "personen.csv"]
    return GenerationSummary(out=out, seed=seed, scale=scale, persons=len(persons), records=records,
                             dirt=log.counts(), files=files)


__all__ = ["generate", "GenerationSummary", "LAYOUT", "RATES", "MAX_SCALE"]
