"""Slot filling: turn a question template into a concrete question, deterministically, from the
generated source exports. The same sources, question id and slot name always give the same
value, whatever the order the questions are instantiated in.

A slot is `{name}`, `{name.field}` or `{name|lower}` (filters: lower, upper). `name` is a base
slot (below) optionally followed by digits: `{straat}` and `{straat2}` in one question are
different streets. Values are picked from the clean (non-quarantined) records only.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Callable

from .gold import GoldError, SourceData, fold

SLOT_RE = re.compile(r"\{([a-z][a-z0-9_]*?)(\d*)(?:\.([a-z_]+))?(?:\|([a-z]+))?\}")
MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
             "november", "december"]


@dataclass(frozen=True)
class SlotValue:
    text: str
    fields: dict = field(default_factory=dict)

    def get(self, name: str | None):
        if not name:
            return self.text
        if name not in self.fields:
            raise GoldError(f"slot value {self.text!r} has no field {name!r}")
        return self.fields[name]


def _dutch_date(d: date) -> str:
    return f"{d.day} {MONTHS_NL[d.month - 1]} {d.year}"


# --- candidates per base slot -----------------------------------------------------------------
# Each returns a sorted list of (key, SlotValue[, tier]); the key makes the order independent of
# dict iteration and is what "distinct" compares. Values are picked from the lowest tier that
# still has a free value (tiers prefer values that make the question non-trivial).

def _products(data: SourceData):
    return [(p["id"], SlotValue(p["naam"], {"naam": p["naam"], "id": p["id"]}))
            for p in data.products if p["kosten"] and p["bewijsstukken"] and p["voorwaarden"]]


def _dossier_value(d: dict) -> SlotValue:
    return SlotValue(d["dossiernummer"], {"type": d["type"] or "", "status": d["status"]})


def _dossiers(pred):
    def pick(data: SourceData):
        return [(d["dossiernummer"], _dossier_value(d)) for d in data.dossiers if pred(d)]
    return pick


def _unique_persons(data: SourceData) -> dict[str, str]:
    """rrn -> display name, for persons whose folded name no other CRM person shares."""
    names: dict[str, set[str]] = {}
    for rrn, p in data.persons.items():
        names.setdefault(fold(p["name"]), set()).add(rrn)
    return {rrn: p["name"] for rrn, p in data.persons.items() if len(names[fold(p["name"])]) == 1}


def _applicants(only_open: bool = False, dossier_type: str | None = None):
    def pick(data: SourceData):
        unique = _unique_persons(data)
        with_dossier = {d["person"] for d in data.dossiers
                        if (d["open"] or not only_open) and (not dossier_type or d["type"] == dossier_type)}
        out = []
        for rrn, name in sorted(unique.items()):
            if rrn in with_dossier:
                p = data.persons[rrn]
                out.append((rrn, SlotValue(name, {"voornaam": p["voornaam"], "achternaam": p["achternaam"]})))
        return out
    return pick


def _meldingen(pred):
    def pick(data: SourceData):
        return [(m["id"], SlotValue(m["id"], {"type": m["type"], "status": m["status"]})) for m in data.meldingen if pred(m)]
    return pick


def _deelgemeenten(data: SourceData):
    """Tier 0: with an open melding; tier 1: with any melding; tier 2: the rest (used only
    when a question needs more distinct deelgemeenten than the better tiers hold). The
    deelgemeente that carries the city's own name is never picked (ambiguous with the city)."""
    with_open = {m["deelgemeente"] for m in data.meldingen if m["deelgemeente"] and m["open"]}
    with_any = {m["deelgemeente"] for m in data.meldingen if m["deelgemeente"]}
    # the deelgemeente named like the city itself is left out: "in Tienen" reads as the whole city
    pool = [d for d in data.deelgemeenten if fold(d) != fold(data.city_name)] or data.deelgemeenten
    return [(d, SlotValue(d), 0 if d in with_open else 1 if d in with_any else 2) for d in pool]


def _streets(data: SourceData):
    pool = [s for s, rows in data.streets.items() if len(rows) >= 3] or list(data.streets)
    return [(s, SlotValue(s)) for s in sorted(pool)]


def _streets_where(pred):
    def pick(data: SourceData):
        return [(s, SlotValue(s), 0 if pred(data, rows) else 1) for s, rows in sorted(data.streets.items())]
    return pick


def _building_statuses(data: SourceData, rows: list[dict]) -> set[str]:
    ids = {a["adres_id"] for a in rows}
    return {b["status"] for b in data.buildings if ids & set(b["adres_ids"])}


def _linked_addresses(kind: str):
    """Addresses some clean melding or dossier text refers to."""
    def pick(data: SourceData):
        if kind == "melding":
            linked = {m["adres_id"] for m in data.meldingen if m["adres_id"]}
        else:
            linked = {data.linked_address("crm", "dossier", d["dossiernummer"]) for d in data.dossiers}
        out = []
        for a in sorted(data.addresses, key=lambda a: a["adres_id"]):
            if a["adres_id"] in linked:
                box = f" bus {a['busnummer']}" if a.get("busnummer") else ""
                out.append((a["adres_id"], SlotValue(f"{a['straatnaam']} {a['huisnummer']}{box}",
                                                     {"adres_id": a["adres_id"], "straat": a["straatnaam"]})))
        return out
    return pick


def _addresses(data: SourceData):
    in_parcel = {a for p in data.parcels for a in p["adres_ids"]}
    in_building = {a for b in data.buildings for a in b["adres_ids"]}
    base = [a for a in data.addresses if a["status"] == "inGebruik" and not a.get("busnummer")]
    pool = [a for a in base if a["adres_id"] in in_parcel and a["adres_id"] in in_building] or base or data.addresses
    return [(a["adres_id"], SlotValue(f"{a['straatnaam']} {a['huisnummer']}",
                                      {"adres_id": a["adres_id"], "straat": a["straatnaam"], "huisnummer": a["huisnummer"]}))
            for a in sorted(pool, key=lambda a: a["adres_id"])]


def _addresses_with_box(data: SourceData):
    groups: dict[tuple[str, str], int] = {}
    for a in data.addresses:
        if a.get("busnummer"):
            groups[(a["straatnaam"], a["huisnummer"])] = groups.get((a["straatnaam"], a["huisnummer"]), 0) + 1
    pool = sorted(k for k, n in groups.items() if n >= 2) or sorted(groups)
    return [(f"{s}|{h}", SlotValue(f"{s} {h}", {"straat": s, "huisnummer": h})) for s, h in pool]


def _capakeys(data: SourceData):
    return [(p["capakey"], SlotValue(p["capakey"])) for p in sorted(data.parcels, key=lambda p: p["capakey"]) if p["adres_ids"]]


def _sensors(pred):
    def pick(data: SourceData):
        out = []
        for sid, s in sorted(data.sensors.items()):
            if pred(s) and any(data.measurements.get((sid, q)) for q in s["grootheden"]):
                plaats = s["naam"].split(" ", 1)[1] if " " in s["naam"] else s["naam"]
                out.append((sid, SlotValue(sid, {"naam": s["naam"], "id": sid, "plaats": plaats})))
        return out
    return pick


def _sensor_days(data: SourceData) -> list[date]:
    """Local days on which every clean series has all its hours (23-25 on DST days)."""
    per_day: dict[str, dict[tuple[str, str], int]] = {}
    for key, rows in data.measurements.items():
        for _, text, _ in rows:
            per_day.setdefault(text[:10], {}).setdefault(key, 0)
            per_day[text[:10]][key] += 1
    series = set(data.measurements)
    full = sorted(d for d, counts in per_day.items() if set(counts) == series and min(counts.values()) >= 20)
    if len(full) > 2:
        full = full[1:-1]  # keep clear of the series' edges
    return [date.fromisoformat(d) for d in full]


def _days(data: SourceData):
    return [(d.isoformat(), SlotValue(_dutch_date(d), {"iso": d.isoformat()})) for d in _sensor_days(data)]


def _periods(data: SourceData):
    days = _sensor_days(data)
    if not days:
        return []
    out = []
    span = min(7, len(days))
    for i in range(0, len(days) - span + 1):
        a, b = days[i], days[i + span - 1]
        if a.year == b.year and a.month == b.month:
            text = f"van {a.day} tot en met {b.day} {MONTHS_NL[b.month - 1]} {b.year}"
        elif a.year == b.year:
            text = f"van {a.day} {MONTHS_NL[a.month - 1]} tot en met {b.day} {MONTHS_NL[b.month - 1]} {b.year}"
        else:
            text = f"van {_dutch_date(a)} tot en met {_dutch_date(b)}"
        out.append((a.isoformat(), SlotValue(text, {"from": a.isoformat(), "to": b.isoformat()})))
    return out


def _hours(data: SourceData):
    days = {d.isoformat() for d in _sensor_days(data)}
    seen: dict[str, int] = {}
    stamps = []
    for rows in data.measurements.values():
        for _, text, _ in rows:
            seen[text] = seen.get(text, 0) + 1
    for text in sorted(seen):
        when = datetime.fromisoformat(text)
        if text[:10] in days and 7 <= when.hour <= 21:
            stamps.append(text)
    out = []
    for text in stamps:
        when = datetime.fromisoformat(text)
        out.append((text, SlotValue(f"{_dutch_date(when.date())} om {when.hour} uur", {"iso": text})))
    return out


def _social_clients(data: SourceData):
    names: dict[str, str] = {}
    for r in data.social:
        names.setdefault(fold(f"{r['voornaam']} {r['achternaam']}"), f"{r['voornaam']} {r['achternaam']}")
    return [(k, SlotValue(v)) for k, v in sorted(names.items())]


def _social_dossiers(data: SourceData):
    return [(r["dossier_id"], SlotValue(r["dossier_id"])) for r in sorted(data.social, key=lambda r: r["dossier_id"])]


SLOTS: dict[str, Callable[[SourceData], list]] = {
    "product": _products,
    "dossiernummer": _dossiers(lambda d: d["type"] and d["geopend_d"]),
    "open_dossiernummer": _dossiers(lambda d: d["open"]),
    "gesloten_dossiernummer": _dossiers(lambda d: d["afgesloten_d"] is not None),
    "ov_dossiernummer": _dossiers(lambda d: d["type"] == "omgevingsvergunning"),
    "aanvrager": _applicants(),
    "aanvrager_open": _applicants(only_open=True),
    "aanvrager_eid": _applicants(dossier_type="eid"),
    "melding": _meldingen(lambda m: bool(m.get("adres"))),
    "open_melding": _meldingen(lambda m: m["open"]),
    "deelgemeente": _deelgemeenten,
    "straat": _streets,
    "straat_voorgesteld": _streets_where(lambda data, rows: any(a["status"] == "voorgesteld" for a in rows)),
    "straat_niet_in_gebruik": _streets_where(lambda data, rows: any(a["status"] != "inGebruik" for a in rows)),
    "straat_in_aanbouw": _streets_where(lambda data, rows: "inAanbouw" in _building_statuses(data, rows)),
    "adres": _addresses,
    "adres_met_melding": _linked_addresses("melding"),
    "adres_met_dossier": _linked_addresses("dossier"),
    "adres_met_bus": _addresses_with_box,
    "capakey": _capakeys,
    "luchtsensor": _sensors(lambda s: s["type"] == "luchtkwaliteit"),
    "pm25sensor": _sensors(lambda s: "PM2.5" in s["grootheden"]),
    "geluidsmeter": _sensors(lambda s: s["type"] == "geluid"),
    "verkeersteller": _sensors(lambda s: s["type"] == "verkeer"),
    "sensordag": _days,
    "sensorperiode": _periods,
    "sensoruur": _hours,
    "sociaal_client": _social_clients,
    "sociaal_dossier": _social_dossiers,
}


class SlotFiller:
    """Caches the candidate lists per base slot for one sources folder."""

    def __init__(self, data: SourceData):
        self.data = data
        self._candidates: dict[str, list] = {}

    def candidates(self, base: str) -> list:
        if base not in SLOTS:
            raise GoldError(f"unknown slot {{{base}}} (known: {', '.join(sorted(SLOTS))})")
        if base not in self._candidates:
            self._candidates[base] = SLOTS[base](self.data)
        return self._candidates[base]

    def fill(self, question_id: str, texts: list[str]) -> dict[str, SlotValue]:
        """Pick a value for every slot that occurs in `texts`; numbered slots of one base are
        distinct from each other."""
        names: list[tuple[str, str]] = []
        for text in texts:
            for m in SLOT_RE.finditer(text):
                key = (m.group(1), m.group(2))
                if key not in names:
                    names.append(key)
        values: dict[str, SlotValue] = {}
        taken: dict[str, set] = {}
        for base, suffix in sorted(names, key=lambda k: (k[0], k[1] != "", k[1])):
            pool = self.candidates(base)
            used = taken.setdefault(base, set())
            free = [(c[0], c[1], c[2] if len(c) > 2 else 0) for c in pool if c[0] not in used]
            if not free:
                raise GoldError(f"{question_id}: no value left for slot {{{base}{suffix}}}")
            best = min(tier for _, _, tier in free)
            free = [(k, v) for k, v, tier in free if tier == best]
            rng = random.Random(f"schakel-eval|{question_id}|{base}{suffix}")
            key, value = free[rng.randrange(len(free))]
            used.add(key)
            values[base + suffix] = value
        return values


def render(text: str, values: dict[str, SlotValue]) -> str:
    def sub(m: re.Match) -> str:
        value = values[m.group(1) + m.group(2)]
        out = str(value.get(m.group(3)))
        if m.group(4) == "lower":
            out = out.lower()
        elif m.group(4) == "upper":
            out = out.upper()
        elif m.group(4):
            raise GoldError(f"unknown slot filter |{m.group(4)}")
        return out
    return SLOT_RE.sub(sub, text)


def render_args(args, values: dict[str, SlotValue]):
    """Fill slots inside gold arguments; a string that is exactly one slot keeps the field's type."""
    if isinstance(args, dict):
        return {k: render_args(v, values) for k, v in args.items()}
    if isinstance(args, list):
        return [render_args(v, values) for v in args]
    if isinstance(args, str):
        m = SLOT_RE.fullmatch(args)
        if m and not m.group(4):
            return values[m.group(1) + m.group(2)].get(m.group(3))
        return render(args, values)
    return args
