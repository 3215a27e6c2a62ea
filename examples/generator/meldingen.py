"""Citizen reports (`meldingen/meldingen.json`), as the reporting app's API dump.

A report is made at a register address; most carry the address as text, many carry the phone's
GPS position (WGS84) a few metres from it, some only one of the two. Identified reporters are
residents (often the same people the CRM knows); the rest report anonymously.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

from .common import (EXPORTED_AT, PERIOD_END, PERIOD_START, format_rrn_dotted, lambert72_to_wgs84, local_iso,
                     local_to_utc, rng_for, scaled, write_json)
from .dirt import UNKNOWN_MELDING_TYPE, DirtLog, assign, dirty_addresses, invalid_datetime
from .geography import Geography
from .population import Person

# type, weight, resolution days (lo, hi)
TYPES = [
    ("sluikstort", 0.18, (1, 7)), ("zwerfvuil", 0.12, (2, 14)), ("straatverlichting", 0.12, (3, 20)),
    ("wegdek", 0.13, (5, 60)), ("voetpad", 0.10, (7, 60)), ("groen", 0.10, (5, 45)), ("riolering", 0.06, (2, 30)),
    ("verkeersbord", 0.07, (3, 30)), ("graffiti", 0.05, (5, 40)), ("geluidsoverlast", 0.07, (1, 21)),
]
DESCRIPTIONS = {
    "sluikstort": ["Zakken huisvuil gedumpt naast de glasbol", "Oude matras en kasten op de stoep gezet",
                   "Bouwafval gestort in de berm", "Sluikstort aan de bushalte", "Autobanden gedumpt langs de weg"],
    "zwerfvuil": ["Veel blikjes en plastic in de berm", "Vuilnisbak puilt uit, afval waait weg",
                  "Zwerfvuil rond de speeltuin", "Sigarettenpeuken en verpakkingen op het plein"],
    "straatverlichting": ["Straatlamp brandt niet meer", "Lichtpaal knippert de hele nacht", "Meerdere lampen defect in de straat",
                          "Straatlicht brandt overdag"],
    "wegdek": ["Diepe put in het wegdek", "Verzakking ter hoogte van het rioolputje", "Losliggende kasseien",
               "Scheuren in het asfalt na de vorst"],
    "voetpad": ["Losliggende tegels op het voetpad", "Boomwortels duwen het voetpad omhoog", "Voetpad versperd door haag",
                "Putdeksel op het voetpad ligt los"],
    "groen": ["Haag belemmert het zicht op het kruispunt", "Gras in de berm te hoog", "Omgevallen boom na storm",
              "Overhangende takken boven het fietspad"],
    "riolering": ["Rioolgeur in de straat", "Kolk verstopt, water blijft staan", "Wateroverlast na hevige regen",
                  "Rioolputdeksel rammelt"],
    "verkeersbord": ["Verkeersbord omvergereden", "Bord zone 30 onleesbaar", "Verkeersbord gedraaid", "Spiegel aan kruispunt kapot"],
    "graffiti": ["Graffiti op de gevel van het stadhuis", "Tags op het bushokje", "Graffiti op de brugpijler",
                 "Bekladding van straatmeubilair"],
    "geluidsoverlast": ["Luide muziek tot diep in de nacht", "Blaffende hond hele dag", "Lawaai van werf voor 7 uur",
                        "Geluidsoverlast van café"],
}
ANON_DOMAINS = ["gmail.com", "hotmail.com", "telenet.be", "outlook.com"]


def _created(rng) -> datetime:
    """Local wall time of a report: any day, mostly daytime and evening."""
    span = (PERIOD_END - PERIOD_START).days
    day = PERIOD_START + timedelta(days=rng.randint(0, span))
    hour = rng.choices(range(24), weights=[1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 10, 10, 9, 9, 9, 9, 9, 10, 10, 9, 8, 6, 4, 2], k=1)[0]
    if day == PERIOD_END:
        hour = min(hour, 21)
    local = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), rng.randint(0, 59))
    if local.month in (3, 10) and local.weekday() == 6 and local.day > 24 and hour == 2:
        local = local.replace(hour=3)  # avoid the missing/duplicated DST hour
    return local


def build_meldingen(seed: int, scale: float, geo: Geography, persons: list[Person], crm_rrns: list[str],
                    log: DirtLog) -> list[dict]:
    rng = rng_for(seed, "meldingen")
    n = scaled(8_000, scale, 20)
    adults = [p for p in persons if p.age_on(PERIOD_START) >= 16]
    by_rrn = {p.rrn: p for p in persons}
    crm_people = [by_rrn[r] for r in crm_rrns if r in by_rrn]
    centre = [a for a in geo.in_use if geo.by_id[a].street.deelgemeente == "Tienen"]
    types, weights = [t[0] for t in TYPES], [t[1] for t in TYPES]
    resolution = {t[0]: t[2] for t in TYPES}
    export_utc = datetime(2026, 11, 28, 22, 0, 0)

    drafts = []
    for _ in range(n):
        typ = rng.choices(types, weights=weights, k=1)[0]
        created_local = _created(rng)
        adres = rng.choice(centre) if rng.random() < 0.7 and centre else rng.choice(geo.in_use)
        drafts.append((created_local, typ, adres))
    drafts.sort(key=lambda t: t[0])

    seq: dict[int, int] = {}
    out: list[dict] = []
    truth: list[int | None] = []
    kinds: list[str] = []
    people: list[str | None] = []
    for created_local, typ, adres_id in drafts:
        year = created_local.year
        seq[year] = seq.get(year, 0) + 1
        mid = f"M-{year}-{seq[year]:05d}"
        created_utc = local_to_utc(created_local)
        lo, hi = resolution[typ]
        solve = timedelta(days=rng.uniform(lo, hi))
        age = export_utc - created_utc
        if age > solve:
            status = "opgelost" if rng.random() < 0.88 else "afgewezen"
            changed = created_utc + solve
        elif age > solve * 0.2:
            status = "in_behandeling"
            changed = created_utc + age * rng.uniform(0.1, 0.9)
        else:
            status, changed = "nieuw", created_utc
        changed = changed.replace(microsecond=0)
        a = geo.by_id[adres_id]
        has_text = rng.random() < 0.8
        has_loc = (not has_text) or rng.random() < 0.6
        locatie = None
        if has_loc:
            ang, dist = rng.uniform(0, 2 * math.pi), rng.uniform(0, 20)
            lon, lat = lambert72_to_wgs84(a.x + dist * math.cos(ang), a.y + dist * math.sin(ang))
            locatie = {"lat": round(lat, 6), "lon": round(lon, 6)}
        # reporter
        r = rng.random()
        if r < 0.72:
            p = rng.choice(crm_people) if (crm_people and rng.random() < 0.45) else rng.choice(adults)
            rrn = format_rrn_dotted(p.rrn) if rng.random() < 0.1 else p.rrn
            melder = {"rijksregisternummer": rrn, "naam": f"{p.voornaam} {p.achternaam}", "email": p.email}
            people.append(p.rrn)
        else:
            email = f"melder{rng.randint(100, 9999)}@{rng.choice(ANON_DOMAINS)}" if rng.random() < 0.5 else None
            melder = {"rijksregisternummer": None, "naam": None, "email": email}
            people.append(None)
        out.append({"id": mid, "type": typ, "beschrijving": rng.choice(DESCRIPTIONS[typ]),
                    "adres": a.text if has_text else None, "locatie": locatie, "status": status,
                    "aangemaakt": local_iso(created_utc), "gewijzigd": local_iso(changed), "melder": melder})
        truth.append(adres_id)
        kinds.append("exact" if has_text else "location_only")

    picks = assign(rng, len(out), [
        ("address_variant", lambda i: out[i]["adres"] is not None),
        ("unknown_address", lambda i: out[i]["adres"] is not None),
        ("missing_mandatory", None), ("invalid_date", None),
        ("outside_city", lambda i: out[i]["locatie"] is not None),
        ("unknown_code", None)])
    dirty_addresses(rng, geo, log, "meldingen", "melding", out, picks, id_field="id", text_field="adres",
                    truth=truth, kinds=kinds)
    for i in picks["missing_mandatory"]:
        out[i]["type"] = None
        log.add("meldingen", "missing_mandatory", out[i]["id"])
    for i in picks["invalid_date"]:
        out[i]["aangemaakt"] = invalid_datetime(rng, out[i]["aangemaakt"])
        log.add("meldingen", "invalid_date", out[i]["id"])
    for i in picks["outside_city"]:
        loc = out[i]["locatie"]
        r = rng.random()
        if r < 0.4:  # latitude and longitude swapped by the app
            out[i]["locatie"] = {"lat": loc["lon"], "lon": loc["lat"]}
        elif r < 0.7:  # GPS fix of nothing
            out[i]["locatie"] = {"lat": 0.0, "lon": 0.0}
        else:  # reported from Leuven
            out[i]["locatie"] = {"lat": round(50.879 + rng.uniform(-0.01, 0.01), 6), "lon": round(4.701 + rng.uniform(-0.01, 0.01), 6)}
        log.add("meldingen", "outside_city", out[i]["id"])
    for i in picks["unknown_code"]:
        out[i]["type"] = rng.choice(UNKNOWN_MELDING_TYPE)
        log.add("meldingen", "unknown_code", out[i]["id"])

    crm_set = set(crm_rrns)
    for m, a, k, p in zip(out, truth, kinds, people):
        log.truth_address("meldingen", "melding", m["id"], a, k)
        log.truth_person("meldingen", "melding", m["id"], p)
        if p is not None and p in crm_set:
            log.add("meldingen", "duplicate_person", m["id"])
    log.ensure("meldingen", ["duplicate_person", "address_variant", "unknown_address", "missing_mandatory",
                             "invalid_date", "outside_city", "unknown_code"])
    log.count("meldingen", "melding", len(out))
    return out


def write_meldingen(meldingen: list[dict], out: Path) -> dict[str, int]:
    write_json(out / "meldingen" / "meldingen.json", {"exported_at": EXPORTED_AT, "meldingen": meldingen})
    return {"meldingen": len(meldingen)}
