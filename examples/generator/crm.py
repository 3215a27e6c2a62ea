"""The case-management source (`crm/crm.sqlite`): contacts, dossiers and their status history.

Dossiers are opened on working days between 2024-01-01 and 2026-11-28. Each type has a
typical lead time; a dossier whose lead time has passed by the export date is closed
(`afgesloten` or `geweigerd`, with `afgesloten` = the date of its last history entry), the
others stop part-way along their path. The history always starts with `ontvangen` on `geopend`
and ends with the dossier's status; timestamps never decrease.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from .common import (PERIOD_END, PERIOD_START, format_rrn_dotted, local_iso, local_to_utc, rng_for, scaled)
from .dirt import (
    UNKNOWN_DOSSIER_STATUS, DirtLog, address_variant, assign, dirty_addresses, invalid_date, unknown_address,
)
from .geography import Geography
from .population import Person

# type, prefix, weight, unit, lead time (days) range, probability of refusal
TYPES = [
    ("eid", "EID", 0.26, "BURG", (10, 28), 0.01),
    ("uittreksel", "UIT", 0.16, "BURG", (0, 2), 0.01),
    ("reispas", "RP", 0.10, "BURG", (5, 15), 0.01),
    ("rijbewijs", "RB", 0.11, "BURG", (2, 12), 0.02),
    ("adreswijziging", "AW", 0.14, "BURG", (7, 40), 0.03),
    ("omgevingsvergunning", "OV", 0.09, "OMG", (30, 150), 0.08),
    ("premie", "PR", 0.08, "MIL", (20, 90), 0.10),
    ("evenement", "EV", 0.04, "EVE", (20, 70), 0.05),
    ("huwelijk", "HW", 0.02, "BURG", (30, 180), 0.01),
]
TYPE_INFO = {t[0]: t for t in TYPES}
STATUSES = ["ontvangen", "in_behandeling", "wacht_op_aanvrager", "beslist", "afgesloten", "geweigerd"]
CLOSED = ("afgesloten", "geweigerd")

# month -> relative demand (passports before the summer, events in spring)
SEASON = {"reispas": {3: 1.5, 4: 1.7, 5: 1.8, 6: 1.6}, "evenement": {2: 1.6, 3: 1.8, 4: 1.6, 5: 1.3},
          "omgevingsvergunning": {8: 0.7}, "huwelijk": {4: 1.4, 5: 1.6, 6: 1.8, 7: 1.5, 8: 1.6, 9: 1.4}}

OMSCHRIJVING = {
    "eid": ["Aanvraag eID: vervaldatum bereikt", "Aanvraag eID na verlies", "Vernieuwing eID", "Kids-ID voor kind",
            "eID dringende procedure", "Vervanging eID na diefstal"],
    "uittreksel": ["Uittreksel strafregister model 595", "Uittreksel strafregister model 596.2 (werken met minderjarigen)",
                   "Bewijs van goed gedrag en zeden voor sollicitatie", "Uittreksel strafregister voor vereniging"],
    "reispas": ["Reispas volwassene", "Reispas minderjarige", "Reispas spoedprocedure", "Vernieuwing reispas"],
    "rijbewijs": ["Omzetting voorlopig rijbewijs", "Rijbewijs bankkaartmodel", "Internationaal rijbewijs",
                  "Vernieuwing vervallen rijbewijs", "Duplicaat rijbewijs na verlies"],
    "adreswijziging": ["Verhuis binnen Tienen", "Inschrijving na verhuis van buiten Tienen", "Adreswijziging gezin",
                       "Adreswijziging na scheiding"],
    "omgevingsvergunning": ["Verbouwing woning: uitbreiding achterbouw", "Nieuwbouw eengezinswoning",
                            "Plaatsen van zonnepanelen op plat dak", "Regularisatie tuinhuis", "Afbraak bijgebouw",
                            "Verkaveling in 3 loten", "Gevelrenovatie", "Functiewijziging handelspand naar woning",
                            "Bouwen carport", "Opsplitsing woning in 2 appartementen"],
    "premie": ["Premie regenwaterput", "Premie isolatie dak", "Premie warmtepomp", "Premie groendak",
               "Premie herbruikbare luiers", "Premie afkoppeling hemelwater", "Premie elektrische fiets"],
    "evenement": ["Buurtfeest", "Rommelmarkt", "Sportevenement", "Optreden op het plein", "Wielerwedstrijd",
                  "Schoolfeest", "Kerstmarkt", "Jeugdfuif"],
    "huwelijk": ["Aangifte huwelijk", "Huwelijk op zaterdag", "Huwelijk op weekdag"],
}


@dataclass
class Dossier:
    type: str
    geopend: date
    person: Person
    adres_id: int
    omschrijving: str
    unit: str
    history: list[tuple[str, datetime, str]] = field(default_factory=list)  # status, local wall time, login
    status: str = "ontvangen"
    afgesloten: date | None = None
    id: int = 0
    nummer: str = ""
    contact_id: int = 0


def _path(rng: random.Random, typ: str, refused: bool) -> list[str]:
    steps = ["ontvangen", "in_behandeling"]
    if typ in ("omgevingsvergunning", "premie", "evenement", "adreswijziging", "huwelijk") and rng.random() < 0.3:
        steps += ["wacht_op_aanvrager", "in_behandeling"]
    if refused:
        return steps + ["geweigerd"]
    if typ != "uittreksel":
        steps.append("beslist")
    return steps + ["afgesloten"]


def _open_date(rng: random.Random, typ: str) -> date:
    season = SEASON.get(typ, {})
    top = max(season.values(), default=1.0)
    span = (PERIOD_END - PERIOD_START).days
    while True:
        d = PERIOD_START + timedelta(days=rng.randint(0, span))
        if d.weekday() == 6 or (d.weekday() == 5 and (TYPE_INFO[typ][3] != "BURG" or rng.random() > 0.05)):
            continue
        if rng.random() * top <= season.get(d.month, 1.0):
            return d


def _office_time(rng: random.Random, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 8, 30) + timedelta(minutes=rng.randint(0, 8 * 60))


def _make_history(rng: random.Random, d: Dossier, staff: dict[str, list[tuple[str, str]]]) -> None:
    typ, _, _, unit, (lo, hi), p_refuse = TYPE_INFO[d.type]
    lead = rng.randint(lo, hi)
    path = _path(rng, d.type, rng.random() < p_refuse)
    offsets = [0] + sorted(rng.randint(0, lead) for _ in range(len(path) - 2)) + [lead]
    elapsed = (PERIOD_END - d.geopend).days
    handlers = [login for login, _ in staff[unit]]
    front = [login for login, _ in staff["ONTH"]] + ["eloket"]
    last = None
    for status, off in zip(path, offsets):
        if off > elapsed:
            break
        day = d.geopend + timedelta(days=off)
        if day.weekday() >= 5 and day - timedelta(days=day.weekday() - 4) >= d.geopend:
            day -= timedelta(days=day.weekday() - 4)  # nobody works the weekend: back to Friday
        when = _office_time(rng, day)
        if last is not None and when <= last:
            when = last + timedelta(minutes=rng.randint(2, 40))
        who = rng.choice(front if status == "ontvangen" and unit == "BURG" and rng.random() < 0.5 else handlers)
        d.history.append((status, when, who))
        last = when
    d.status = d.history[-1][0]
    d.afgesloten = d.history[-1][1].date() if d.status in CLOSED else None


def _phone_variant(rng: random.Random, phone: str | None) -> str | None:
    if phone is None:
        return None
    digits = phone.replace(" ", "")
    r = rng.random()
    if r < 0.4:
        return phone
    if r < 0.6:
        return digits
    if r < 0.8:
        return f"+32 {digits[1:4]} {digits[4:6]} {digits[6:8]} {digits[8:]}" if len(digits) == 10 else f"+32 {digits[1:]}"
    return f"{digits[:4]}/{digits[4:6]}.{digits[6:8]}.{digits[8:]}"


def build_crm(seed: int, scale: float, geo: Geography, persons: list[Person],
              staff: dict[str, list[tuple[str, str]]], log: DirtLog) -> dict:
    rng = rng_for(seed, "crm")
    n = scaled(25_000, scale, 40)
    adults = [p for p in persons if p.age_on(PERIOD_START) >= 18]
    pool = rng.sample(adults, min(len(adults), max(5, round(0.6 * n))))
    types, weights = [t[0] for t in TYPES], [t[2] for t in TYPES]

    dossiers: list[Dossier] = []
    for _ in range(n):
        typ = rng.choices(types, weights=weights, k=1)[0]
        person = rng.choice(pool)
        opened = _open_date(rng, typ)
        if typ == "omgevingsvergunning" and rng.random() < 0.3:
            adres = rng.choice(geo.proposed or geo.in_use) if rng.random() < 0.4 else rng.choice(geo.in_use)
        elif typ == "evenement" and rng.random() < 0.6 and geo.squares:
            adres = rng.choice(geo.squares)
        else:
            adres = person.adres_id
        unit = TYPE_INFO[typ][3]
        dossiers.append(Dossier(typ, opened, person, adres, rng.choice(OMSCHRIJVING[typ]), unit))
    dossiers.sort(key=lambda d: d.geopend)  # stable: ties keep draw order
    seq: dict[tuple[str, int], int] = {}
    for i, d in enumerate(dossiers, start=1):
        d.id = i
        prefix = TYPE_INFO[d.type][1]
        k = (prefix, d.geopend.year)
        seq[k] = seq.get(k, 0) + 1
        d.nummer = f"{prefix}-{d.geopend.year}-{seq[k]:06d}"
        _make_history(rng, d, staff)

    # contacts: one row per person at their first dossier; a share of persons with several
    # dossiers got a second row later (typed again at the counter, number formatted otherwise)
    by_person: dict[str, list[Dossier]] = {}
    for d in dossiers:
        by_person.setdefault(d.person.rrn, []).append(d)
    crm_rrns = list(by_person)  # first-appearance order
    multi = [r for r in crm_rrns if len(by_person[r]) >= 2]
    n_dup = min(len(multi), max(1, round(0.06 * len(crm_rrns))))
    dup_set = set(rng.sample(multi, n_dup))
    primary_dotted = {r: rng.random() < 0.08 for r in crm_rrns}

    contacts: list[dict] = []
    contact_person: list[Person] = []
    primary_id: dict[str, int] = {}
    dup_id: dict[str, int] = {}
    seen_count: dict[str, int] = {}

    def new_contact(p: Person, duplicate: bool) -> int:
        cid = len(contacts) + 1
        dotted = primary_dotted[p.rrn] != duplicate
        achternaam = p.achternaam.upper() if duplicate and rng.random() < 0.3 else p.achternaam
        email = p.email
        if duplicate:
            r = rng.random()
            email = None if r < 0.3 else (email if r < 0.7 or email is None else email.split("@")[0] + "@gmail.com")
        contacts.append({"id": cid, "rijksregisternummer": format_rrn_dotted(p.rrn) if dotted else p.rrn,
                         "voornaam": p.voornaam, "achternaam": achternaam, "geboortedatum": p.geboortedatum.isoformat(),
                         "email": email, "telefoon": _phone_variant(rng, p.telefoon), "adres_tekst": geo.text(p.adres_id)})
        contact_person.append(p)
        return cid

    for d in dossiers:
        r = d.person.rrn
        seen_count[r] = seen_count.get(r, 0) + 1
        if r not in primary_id:
            primary_id[r] = new_contact(d.person, False)
            d.contact_id = primary_id[r]
        elif r in dup_set and r not in dup_id:
            dup_id[r] = new_contact(d.person, True)
            d.contact_id = dup_id[r]
        elif r in dup_id and rng.random() < 0.5:
            d.contact_id = dup_id[r]
        else:
            d.contact_id = primary_id[r]
    for r in dup_id:
        log.add("crm", "duplicate_person", str(dup_id[r]))

    # dirt on contacts (never on the duplicate rows themselves) and on dossiers
    dup_rows = {cid - 1 for cid in dup_id.values()}
    contact_adres = [p.adres_id for p in contact_person]
    picks = assign(rng, len(contacts), [("address_variant", lambda i: i not in dup_rows),
                                        ("unknown_address", lambda i: i not in dup_rows)])
    contact_kind = ["exact"] * len(contacts)
    for i in picks["address_variant"]:
        text = address_variant(rng, geo.by_id[contact_adres[i]])
        contacts[i]["adres_tekst"] = text
        contact_kind[i] = "variant"
        log.add("crm", "address_variant", {"record": str(contacts[i]["id"]), "entity": "contact",
                                           "adres_id": contact_adres[i], "text": text})
    for i in picks["unknown_address"]:
        contacts[i]["adres_tekst"] = unknown_address(rng, geo)
        contact_kind[i] = "unknown"
        contact_adres[i] = None
        log.add("crm", "unknown_address", str(contacts[i]["id"]))
    for c, a, k, p in zip(contacts, contact_adres, contact_kind, contact_person):
        log.truth_address("crm", "contact", str(c["id"]), a, k)
        log.truth_person("crm", "contact", str(c["id"]), p.rrn)

    rows = []
    for d in dossiers:
        rows.append({"id": d.id, "dossiernummer": d.nummer, "type": d.type, "status": d.status,
                     "geopend": d.geopend.isoformat(), "afgesloten": d.afgesloten.isoformat() if d.afgesloten else None,
                     "behandelende_dienst": d.unit, "aanvrager_id": d.contact_id, "adres_tekst": geo.text(d.adres_id),
                     "omschrijving": d.omschrijving})
    picks = assign(rng, len(rows), [("address_variant", None), ("unknown_address", None), ("missing_mandatory", None),
                                     ("invalid_date", None), ("unknown_code", None)])
    kind = ["exact"] * len(rows)
    truth = [d.adres_id for d in dossiers]
    dirty_addresses(rng, geo, log, "crm", "dossier", rows, picks, id_field="dossiernummer",
                    text_field="adres_tekst", truth=truth, kinds=kind)
    for i in picks["missing_mandatory"]:
        rows[i]["type"] = None
        log.add("crm", "missing_mandatory", rows[i]["dossiernummer"])
    for i in picks["invalid_date"]:
        field_name = "afgesloten" if rows[i]["afgesloten"] and rng.random() < 0.3 else "geopend"
        rows[i][field_name] = invalid_date(rng, date.fromisoformat(rows[i][field_name]))
        log.add("crm", "invalid_date", rows[i]["dossiernummer"])
    for i in picks["unknown_code"]:
        rows[i]["status"] = rng.choice(UNKNOWN_DOSSIER_STATUS)
        log.add("crm", "unknown_code", rows[i]["dossiernummer"])
    for r, a, k in zip(rows, truth, kind):
        log.truth_address("crm", "dossier", r["dossiernummer"], a, k)

    history = []
    for d in dossiers:
        for status, when, who in d.history:
            history.append((len(history) + 1, d.id, status, local_iso(local_to_utc(when)), who))

    log.ensure("crm", ["duplicate_person", "address_variant", "unknown_address", "missing_mandatory",
                       "invalid_date", "unknown_code"])
    log.count("crm", "contact", len(contacts))
    log.count("crm", "dossier", len(rows))
    log.count("crm", "statushistoriek", len(history))
    return {"contacts": contacts, "dossiers": rows, "history": history, "crm_rrns": crm_rrns}


SCHEMA = [
    "CREATE TABLE contact(id INTEGER PRIMARY KEY, rijksregisternummer TEXT, voornaam TEXT, achternaam TEXT, "
    "geboortedatum TEXT, email TEXT, telefoon TEXT, adres_tekst TEXT)",
    "CREATE TABLE dossier(id INTEGER PRIMARY KEY, dossiernummer TEXT, type TEXT, status TEXT, geopend TEXT, "
    "afgesloten TEXT, behandelende_dienst TEXT, aanvrager_id INTEGER, adres_tekst TEXT, omschrijving TEXT)",
    "CREATE TABLE statushistoriek(id INTEGER PRIMARY KEY, dossier_id INTEGER, status TEXT, tijdstip TEXT, medewerker TEXT)",
    "CREATE INDEX statushistoriek_dossier ON statushistoriek(dossier_id)",
    "CREATE INDEX dossier_aanvrager ON dossier(aanvrager_id)",
]


def write_crm(crm: dict, out: Path) -> dict[str, int]:
    """Fresh file, one transaction, fixed statement order: the same data gives the same bytes."""
    d = out / "crm"
    d.mkdir(parents=True, exist_ok=True)
    path = d / "crm.sqlite"
    for p in (path, d / "crm.sqlite-journal"):
        if p.exists():
            p.unlink()
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA page_size=4096")
        con.execute("PRAGMA journal_mode=DELETE")
        with con:
            for stmt in SCHEMA:
                con.execute(stmt)
            cols = ["id", "rijksregisternummer", "voornaam", "achternaam", "geboortedatum", "email", "telefoon", "adres_tekst"]
            con.executemany(f"INSERT INTO contact VALUES ({','.join('?' * len(cols))})",
                            ([c[k] for k in cols] for c in crm["contacts"]))
            cols = ["id", "dossiernummer", "type", "status", "geopend", "afgesloten", "behandelende_dienst",
                    "aanvrager_id", "adres_tekst", "omschrijving"]
            con.executemany(f"INSERT INTO dossier VALUES ({','.join('?' * len(cols))})",
                            ([r[k] for k in cols] for r in crm["dossiers"]))
            con.executemany("INSERT INTO statushistoriek VALUES (?,?,?,?,?)", crm["history"])
    finally:
        con.close()
    return {"contact": len(crm["contacts"]), "dossier": len(crm["dossiers"]), "statushistoriek": len(crm["history"])}
