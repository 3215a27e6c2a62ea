"""Social-welfare files (`sociaal/dossiers.csv`, restricted): one row per support file of the
OCMW's social service. Most clients are also known to the CRM (half are drawn from its
persons, the rest from all adults); some clients have
two files (e.g. leefloon and energiefonds)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from .common import PERIOD_END, rng_for, scaled, write_csv
from .dirt import UNKNOWN_STEUNVORM, DirtLog, assign, dirty_addresses, invalid_date
from .geography import Geography
from .population import Person

# steunvorm, weight, duration (days) range
FORMS = [("leefloon", 0.30, (60, 900)), ("huurtoelage", 0.20, (365, 1500)), ("schuldbemiddeling", 0.20, (180, 1400)),
         ("energiefonds", 0.18, (14, 120)), ("thuiszorg", 0.12, (90, 2000))]
START = date(2019, 1, 1)
HEADER = ["dossier_id", "rijksregisternummer", "voornaam", "achternaam", "adres_tekst", "steunvorm", "status",
          "geopend", "afgesloten", "maatschappelijk_werker"]


def build_social(seed: int, scale: float, geo: Geography, persons: list[Person], crm_rrns: list[str],
                 staff: dict[str, list[tuple[str, str]]], log: DirtLog) -> list[dict]:
    rng = rng_for(seed, "social")
    n = scaled(1_500, scale, 10)
    adults = [p for p in persons if p.age_on(PERIOD_END) >= 18]
    seniors = [p for p in adults if p.age_on(PERIOD_END) >= 70] or adults
    by_rrn = {p.rrn: p for p in persons}
    crm_people = [by_rrn[r] for r in crm_rrns if r in by_rrn and by_rrn[r].age_on(PERIOD_END) >= 18]
    workers = [name for _, name in staff["OCMW-SOC"]]
    forms, weights = [f[0] for f in FORMS], [f[1] for f in FORMS]
    duration = {f[0]: f[2] for f in FORMS}
    span = (PERIOD_END - START).days

    drafts = []
    clients: list[Person] = []
    while len(drafts) < n:
        form = rng.choices(forms, weights=weights, k=1)[0]
        if clients and rng.random() < 0.12:
            p = rng.choice(clients)  # a second file for a known client
        elif form == "thuiszorg":
            p = rng.choice(seniors)
        else:
            p = rng.choice(crm_people) if (crm_people and rng.random() < 0.5) else rng.choice(adults)
        # more recent files are more common (files are archived after closing)
        opened = START + timedelta(days=int(span * (1 - rng.random() ** 1.8)))
        if p.age_on(opened) < 18:
            continue  # not a client yet when the file would have been opened: draw again
        clients.append(p)
        lo, hi = duration[form]
        end = opened + timedelta(days=rng.randint(lo, hi))
        drafts.append((opened, p, form, end if end <= PERIOD_END else None, rng.choice(workers)))
    drafts.sort(key=lambda t: t[0])

    rows, truth, kinds = [], [], []
    seq: dict[int, int] = {}
    for opened, p, form, closed, worker in drafts:
        seq[opened.year] = seq.get(opened.year, 0) + 1
        rows.append({"dossier_id": f"SOC-{opened.year}-{seq[opened.year]:04d}", "rijksregisternummer": p.rrn,
                     "voornaam": p.voornaam, "achternaam": p.achternaam, "adres_tekst": geo.text(p.adres_id),
                     "steunvorm": form, "status": "afgesloten" if closed else "lopend",
                     "geopend": opened.isoformat(), "afgesloten": closed.isoformat() if closed else None,
                     "maatschappelijk_werker": worker, "_rrn": p.rrn})
        truth.append(p.adres_id)
        kinds.append("exact")

    picks = assign(rng, len(rows), [("address_variant", None), ("unknown_address", None), ("missing_mandatory", None),
                                     ("invalid_date", None), ("unknown_code", None)])
    dirty_addresses(rng, geo, log, "sociaal", "dossier", rows, picks, id_field="dossier_id",
                    text_field="adres_tekst", truth=truth, kinds=kinds)
    for i in picks["missing_mandatory"]:
        rows[i]["steunvorm"] = None
        log.add("sociaal", "missing_mandatory", rows[i]["dossier_id"])
    for i in picks["invalid_date"]:
        rows[i]["geopend"] = invalid_date(rng, date.fromisoformat(rows[i]["geopend"]))
        log.add("sociaal", "invalid_date", rows[i]["dossier_id"])
    for i in picks["unknown_code"]:
        rows[i]["steunvorm"] = rng.choice(UNKNOWN_STEUNVORM)
        log.add("sociaal", "unknown_code", rows[i]["dossier_id"])

    crm_set = set(crm_rrns)
    for r, a, k in zip(rows, truth, kinds):
        rrn = r.pop("_rrn")
        log.truth_address("sociaal", "dossier", r["dossier_id"], a, k)
        log.truth_person("sociaal", "dossier", r["dossier_id"], rrn)
        if rrn in crm_set:
            log.add("sociaal", "duplicate_person", r["dossier_id"])
    log.ensure("sociaal", ["duplicate_person", "address_variant", "unknown_address", "missing_mandatory",
                           "invalid_date", "unknown_code"])
    log.count("sociaal", "dossier", len(rows))
    return rows


def write_social(rows: list[dict], out: Path) -> dict[str, int]:
    write_csv(out / "sociaal" / "dossiers.csv", HEADER, ([r[h] for h in HEADER] for r in rows))
    return {"dossiers": len(rows)}
