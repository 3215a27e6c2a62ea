"""Gold answers for the held-out questions, computed from the generated SOURCE FILES with plain
Python (json, csv, sqlite3; pyproj only to place bare coordinates). Nothing here reads the
graph, the mappings or the translator: the point is an independent second opinion.

Conventions (they follow the data model; `schakel eval` reports against them)
---------------------------------------------------------------------------------
* Quarantine. Records the dirt report lists under `missing_mandatory`, `invalid_date`,
  `outside_city` or `unknown_code` are quarantined at ingest and are excluded from every
  answer. `address_variant`, `unknown_address` and `duplicate_person` records are kept (they are
  linked or reported, not quarantined). A quarantined sensor (`outside_city`) is excluded with
  all its measurements; measurements listed as invalid_date/unknown_code are excluded.
* Persons. One person = one national register number (digits only), however many CRM contact
  rows it has. A person is named "voornaam achternaam" as typed on their first contact row.
* Open dossier: no closing date and status not `afgesloten`/`geweigerd`.
  Open melding: status `nieuw` or `in_behandeling`.
* A dossier's period questions use `geopend` ("dossiers geopend dit jaar"); `closed_period`
  uses `afgesloten`. A melding's period uses the local date of `aangemaakt`, `changed_period`
  the local date of `gewijzigd`.
* A melding's deelgemeente is the deelgemeente of its linked register address (the address its
  text refers to, from truth/adressen.csv kinds `exact`/`variant`), else the deelgemeente of
  the register address nearest to its `locatie`; a melding with an unknown address and no
  location has no deelgemeente and is left out of per-deelgemeente figures. "Meldingen op
  adres X" and "dossiers op adres X" use the linked address only (a bare GPS point is not a
  link). The deelgemeenten are those of the address register.
* Address counts count register entries (every box address is an address) of every status;
  "huisnummers" are the distinct house numbers of a street.
* "today" is injectable (default 2026-11-29, the day after the export). Periods are closed
  date intervals in local time:
    today/yesterday; this_week (Monday .. today); last_week (previous Monday .. Sunday);
    this_month (1st .. today); last_month (the previous calendar month);
    last_N_months (same day N months ago .. today); this_year = since_january (1 Jan .. today);
    last_year (the previous calendar year); last_N_days (today-(N-1) .. today);
    year:YYYY; month:YYYY-MM; range:YYYY-MM-DD..YYYY-MM-DD (the end may be `today`).
* Sensors: "latest" is the measurement with the greatest timestamp in the export (the store
  has no clock); a day is a local calendar day; averages are over the hourly values; "hours
  above X" counts hourly values strictly greater than X; "days above X" are days whose mean of
  hourly values is strictly greater than X.
* Products: a product's base price is its cost described "normale procedure" if it has one,
  else its first cost. "Free" means every cost is 0. Opening hours "op afspraak" do not change
  whether a counter is open.
* Superlatives with ties accept any of the tied answers (kind `one_of`).

Gold values
-----------
A gold answer is a `Gold`: `kind` is `scalar` (one item), `set` (every item expected),
`one_of` (any single item is right) or `empty` (nothing exists: the answer must not invent
rows). An item is a tuple of components; a component is a tuple of acceptable alternatives
(e.g. a unit's name or its code). A row matches an item when every component matches one of the
row's cells (see nl2sparql/evaluate.py for the normalisation).
"""

from __future__ import annotations

import csv
import json
import math
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

DEFAULT_TODAY = date(2026, 11, 29)
QUARANTINE_KINDS = ("missing_mandatory", "invalid_date", "outside_city", "unknown_code")
CLOSED_DOSSIER = ("afgesloten", "geweigerd")
OPEN_MELDING = ("nieuw", "in_behandeling")
DAYS_NL = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
DAYS_EN = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


class GoldError(Exception):
    """The question cannot be given a gold answer on this dataset (e.g. a named product is
    not in the catalogue). The evaluator reports and skips such questions."""


# --- gold values ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Component:
    alternatives: tuple  # raw values (str, int, float, date, datetime)
    tol: float = 0.0     # absolute tolerance for numbers
    rel: float = 0.0     # relative tolerance for numbers

    def to_json(self):
        alts = [a.isoformat() if isinstance(a, (date, datetime)) else a for a in self.alternatives]
        return alts[0] if len(alts) == 1 else alts


@dataclass(frozen=True)
class Gold:
    kind: str                                  # scalar | set | one_of | empty
    items: tuple[tuple[Component, ...], ...] = ()
    note: str = ""
    count: bool = False                        # a count of records: listing exactly that many rows also answers it

    def to_json(self) -> dict:
        out = {"kind": self.kind, "items": [[c.to_json() for c in item] for item in self.items], "note": self.note}
        if self.count:
            out["count"] = True
        return out

    @property
    def size(self) -> int:
        return len(self.items)


def comp(*alternatives, tol: float = 0.0, rel: float = 0.0) -> Component:
    alts = tuple(dict.fromkeys(a for a in alternatives if a is not None and a != ""))
    return Component(alts, tol, rel)


def scalar(*alternatives, tol: float = 0.0, rel: float = 0.0, note: str = "") -> Gold:
    return Gold("scalar", ((comp(*alternatives, tol=tol, rel=rel),),), note)


def number(value, note: str = "") -> Gold:
    """A count (exact) or a measured/average value (rounding to one decimal is accepted)."""
    if isinstance(value, float) and not value.is_integer():
        return scalar(round(value, 6), tol=0.051, rel=0.001, note=note)
    return scalar(int(value), note=note)


def count_of(n: int, note: str = "") -> Gold:
    """How many records: the answer may give the number or list exactly that many records."""
    return Gold("scalar", ((comp(int(n)),),), note, count=True)


def items_gold(kind: str, items, note: str = "") -> Gold:
    items = tuple(items)
    if not items:
        return Gold("empty", (), note or "nothing matches")
    return Gold(kind, items, note)


def value_set(values, note: str = "") -> Gold:
    """A set of single-component items; each value may be a Component or a raw value."""
    out = []
    for v in values:
        out.append((v if isinstance(v, Component) else comp(v),))
    # de-duplicate while keeping order
    seen, uniq = set(), []
    for item in out:
        key = tuple(c.alternatives for c in item)
        if key not in seen:
            seen.add(key)
            uniq.append(item)
    return items_gold("set", uniq, note)


def one_of(values, note: str = "") -> Gold:
    g = value_set(values, note)
    if g.kind == "set" and g.size == 1:
        return Gold("scalar", g.items, note)
    return Gold("one_of", g.items, note) if g.kind == "set" else g


def pairs(rows, note: str = "") -> Gold:
    """Items of several components: rows of (component | raw value, ...)."""
    items = [tuple(v if isinstance(v, Component) else comp(v) for v in row) for row in rows]
    return items_gold("set", items, note)


# --- small helpers ----------------------------------------------------------------------------

def fold(text: str) -> str:
    """Lower case, accents off, punctuation to spaces: for matching names typed at a counter."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def rrn_digits(value) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def _parse_date(text) -> date | None:
    try:
        return date.fromisoformat(str(text)[:10]) if text and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(text)[:10]) else None
    except ValueError:
        return None


def _parse_dt(text) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text))
    except (TypeError, ValueError):
        return None


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    y, m = d.year + y, m + 1
    last = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(d.day, last))


def resolve_period(spec: str | None, today: date) -> tuple[date, date] | None:
    """A period keyword (see the module docstring) -> inclusive (start, end) dates."""
    if not spec:
        return None
    spec = str(spec).strip()
    if spec == "today":
        return today, today
    if spec == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if spec == "this_week":
        return today - timedelta(days=today.weekday()), today
    if spec == "last_week":
        monday = today - timedelta(days=today.weekday() + 7)
        return monday, monday + timedelta(days=6)
    if spec == "this_month":
        return today.replace(day=1), today
    if spec == "last_month":
        first = today.replace(day=1)
        return _add_months(first, -1), first - timedelta(days=1)
    if spec in ("this_year", "since_january"):
        return date(today.year, 1, 1), today
    if spec == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    m = re.fullmatch(r"last_(\d+)_days", spec)
    if m:
        return today - timedelta(days=int(m.group(1)) - 1), today
    m = re.fullmatch(r"last_(\d+)_months", spec)
    if m:
        return _add_months(today, -int(m.group(1))), today
    m = re.fullmatch(r"year:(\d{4})", spec)
    if m:
        return date(int(m.group(1)), 1, 1), date(int(m.group(1)), 12, 31)
    m = re.fullmatch(r"month:(\d{4})-(\d{2})", spec)
    if m:
        first = date(int(m.group(1)), int(m.group(2)), 1)
        return first, _add_months(first, 1) - timedelta(days=1)
    m = re.fullmatch(r"range:(\S+)\.\.(\S+)", spec)
    if m:
        a, b = (today if x == "today" else date.fromisoformat(x) for x in m.groups())
        return a, b
    raise GoldError(f"unknown period {spec!r}")


def _in(d: date | None, period: tuple[date, date] | None) -> bool:
    if period is None:
        return True
    return d is not None and period[0] <= d <= period[1]


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple, set)) else [value]


def _truthy(value) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "ja")
    return bool(value)


# --- the source exports -----------------------------------------------------------------------

class SourceData:
    """Lazy, read-only view of one `schakel generate` output folder, with quarantined records
    already removed. Every property reads its file once."""

    def __init__(self, root: Path | str):
        self.root = Path(root)
        if not (self.root / "dirt_report.json").is_file():
            raise GoldError(f"{self.root}: not a generated sources folder (no dirt_report.json)")

    # -- dirt
    @cached_property
    def dirt(self) -> dict:
        return json.loads((self.root / "dirt_report.json").read_text(encoding="utf-8"))

    def quarantined(self, source: str) -> set[str]:
        kinds = self.dirt.get("sources", {}).get(source, {})
        return {str(x) for k in QUARANTINE_KINDS for x in kinds.get(k, [])}

    # -- truth
    @cached_property
    def address_truth(self) -> dict[tuple[str, str, str], tuple[int | None, str]]:
        out = {}
        with open(self.root / "truth" / "adressen.csv", encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                a = int(row["adres_id"]) if row["adres_id"] else None
                out[(row["source"], row["entity"], row["record"])] = (a, row["kind"])
        return out

    def linked_address(self, source: str, entity: str, record: str) -> int | None:
        """The register address an address TEXT refers to (exact or variant), else None."""
        a, kind = self.address_truth.get((source, entity, str(record)), (None, ""))
        return a if kind in ("exact", "variant") else None

    # -- GIS
    def _features(self, name: str) -> list[dict]:
        data = json.loads((self.root / "gis" / name).read_text(encoding="utf-8"))
        return data["features"]

    @cached_property
    def addresses(self) -> list[dict]:
        out = []
        for f in self._features("adressen.geojson"):
            p = dict(f["properties"])
            p["x"], p["y"] = f["geometry"]["coordinates"][:2]
            out.append(p)
        return out

    @cached_property
    def address_by_id(self) -> dict[int, dict]:
        return {a["adres_id"]: a for a in self.addresses}

    @cached_property
    def buildings(self) -> list[dict]:
        return [f["properties"] for f in self._features("gebouwen.geojson")]

    @cached_property
    def parcels(self) -> list[dict]:
        return [f["properties"] for f in self._features("percelen.geojson")]

    @cached_property
    def city_name(self) -> str:
        """The city's own name, from the canonical address text of its locations ("…, 3300 Tienen")."""
        for loc in self.organisation["locaties"]:
            m = re.search(r",\s*\d{4}\s+(.+)$", loc.get("adres_tekst") or "")
            if loc.get("adres_id") is not None and m:
                return m.group(1).strip()
        return ""

    @cached_property
    def deelgemeenten(self) -> list[str]:
        return sorted({a["deelgemeente"] for a in self.addresses})

    @cached_property
    def streets(self) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = defaultdict(list)
        for a in self.addresses:
            out[a["straatnaam"]].append(a)
        return dict(out)

    def street(self, name: str) -> list[dict]:
        key = fold(name)
        for s, rows in self.streets.items():
            if fold(s) == key:
                return rows
        raise GoldError(f"no street {name!r} in the address register")

    def deelgemeente(self, name: str) -> str:
        key = fold(name)
        for d in self.deelgemeenten:
            if fold(d) == key:
                return d
        raise GoldError(f"no deelgemeente {name!r} in the address register")

    @staticmethod
    def address_text(a: dict) -> str:
        box = f" bus {a['busnummer']}" if a.get("busnummer") else ""
        return f"{a['straatnaam']} {a['huisnummer']}{box}, {a['postcode']} Tienen"

    def address_component(self, adres_id: int) -> Component:
        a = self.address_by_id[int(adres_id)]
        box = f" bus {a['busnummer']}" if a.get("busnummer") else ""
        return comp(self.address_text(a), f"{a['straatnaam']} {a['huisnummer']}{box}",
                    f"{a['straatnaam']} {a['huisnummer']}{box}, {a['postcode']} {a['deelgemeente']}")

    @cached_property
    def _grid(self) -> dict[tuple[int, int], list[dict]]:
        grid: dict[tuple[int, int], list[dict]] = defaultdict(list)
        for a in self.addresses:
            grid[(int(a["x"] // 250), int(a["y"] // 250))].append(a)
        return grid

    @cached_property
    def _to_lambert(self):
        from pyproj import Transformer
        return Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True)

    def nearest_address(self, lon: float, lat: float) -> dict | None:
        x, y = self._to_lambert.transform(lon, lat)
        cx, cy = int(x // 250), int(y // 250)
        best, best_d = None, math.inf
        for ring in range(0, 40):
            for gx in range(cx - ring, cx + ring + 1):
                for gy in range(cy - ring, cy + ring + 1):
                    if max(abs(gx - cx), abs(gy - cy)) != ring:
                        continue
                    for a in self._grid.get((gx, gy), ()):
                        d = (a["x"] - x) ** 2 + (a["y"] - y) ** 2
                        if d < best_d:
                            best, best_d = a, d
            if best is not None and math.sqrt(best_d) <= ring * 250:
                return best
        return best

    # -- organisation and catalogue
    @cached_property
    def organisation(self) -> dict:
        return json.loads((self.root / "organisatie" / "organisatie.json").read_text(encoding="utf-8"))

    @cached_property
    def units(self) -> dict[str, dict]:
        return {d["code"]: d for d in self.organisation["diensten"]}

    @cached_property
    def locations(self) -> dict[str, dict]:
        return {loc["id"]: loc for loc in self.organisation["locaties"]}

    @cached_property
    def counters(self) -> dict[str, dict]:
        return {c["id"]: c for c in self.organisation["loketten"]}

    def unit(self, ref: str) -> dict:
        if ref in self.units:
            return self.units[ref]
        for u in self.units.values():
            if fold(u["naam"]) == fold(ref):
                return u
        raise GoldError(f"no unit {ref!r}")

    def unit_component(self, code: str) -> Component:
        u = self.units.get(code)
        return comp(u["naam"], code) if u else comp(code)

    def counter(self, ref: str) -> dict:
        if ref in self.counters:
            return self.counters[ref]
        for c in self.counters.values():
            if fold(c["naam"]) == fold(ref):
                return c
        raise GoldError(f"no counter {ref!r}")

    def location(self, ref: str) -> dict:
        if ref in self.locations:
            return self.locations[ref]
        for loc in self.locations.values():
            if fold(loc["naam"]) == fold(ref):
                return loc
        raise GoldError(f"no location {ref!r}")

    @cached_property
    def products(self) -> list[dict]:
        return json.loads((self.root / "productcatalogus" / "producten.json").read_text(encoding="utf-8"))["producten"]

    def product(self, ref: str) -> dict:
        for p in self.products:
            if p["id"] == ref or fold(p["naam"]) == fold(ref):
                return p
        raise GoldError(f"no product {ref!r} in the catalogue")

    # -- CRM
    def _sqlite(self):
        return sqlite3.connect(f"file:{self.root / 'crm' / 'crm.sqlite'}?mode=ro", uri=True)

    @cached_property
    def contacts(self) -> dict[int, dict]:
        con = self._sqlite()
        try:
            con.row_factory = sqlite3.Row
            return {r["id"]: dict(r) for r in con.execute("SELECT * FROM contact ORDER BY id")}
        finally:
            con.close()

    @cached_property
    def dossiers(self) -> list[dict]:
        """Clean dossiers (quarantined ones removed), with parsed dates and the person key."""
        bad = self.quarantined("crm")
        con = self._sqlite()
        try:
            con.row_factory = sqlite3.Row
            rows = [dict(r) for r in con.execute("SELECT * FROM dossier ORDER BY id")]
        finally:
            con.close()
        out = []
        for r in rows:
            if r["dossiernummer"] in bad:
                continue
            r["geopend_d"] = _parse_date(r["geopend"])
            r["afgesloten_d"] = _parse_date(r["afgesloten"])
            contact = self.contacts.get(r["aanvrager_id"])
            r["person"] = rrn_digits(contact["rijksregisternummer"]) if contact else None
            r["open"] = not r["afgesloten"] and r["status"] not in CLOSED_DOSSIER
            out.append(r)
        return out

    @cached_property
    def dossier_by_number(self) -> dict[str, dict]:
        return {d["dossiernummer"]: d for d in self.dossiers}

    def dossier(self, number: str) -> dict:
        d = self.dossier_by_number.get(str(number).strip().upper())
        if d is None:
            raise GoldError(f"no clean dossier {number!r}")
        return d

    @cached_property
    def history(self) -> dict[int, list[dict]]:
        con = self._sqlite()
        try:
            con.row_factory = sqlite3.Row
            out: dict[int, list[dict]] = defaultdict(list)
            for r in con.execute("SELECT * FROM statushistoriek ORDER BY dossier_id, tijdstip, id"):
                out[r["dossier_id"]].append(dict(r))
            return dict(out)
        finally:
            con.close()

    @cached_property
    def persons(self) -> dict[str, dict]:
        """rrn digits -> {name, voornaam, achternaam, contacts}; the name from the first row."""
        out: dict[str, dict] = {}
        for c in self.contacts.values():
            key = rrn_digits(c["rijksregisternummer"])
            p = out.setdefault(key, {"voornaam": c["voornaam"], "achternaam": c["achternaam"],
                                     "name": f"{c['voornaam']} {c['achternaam']}", "contacts": []})
            p["contacts"].append(c["id"])
        return out

    def persons_named(self, name: str) -> list[str]:
        key = fold(name)
        found = [k for k, p in self.persons.items()
                 if key in (fold(f"{p['voornaam']} {p['achternaam']}"), fold(f"{p['achternaam']} {p['voornaam']}"))]
        if not found:
            raise GoldError(f"no CRM person named {name!r}")
        return found

    # -- meldingen
    @cached_property
    def meldingen(self) -> list[dict]:
        bad = self.quarantined("meldingen")
        data = json.loads((self.root / "meldingen" / "meldingen.json").read_text(encoding="utf-8"))
        out = []
        for m in data["meldingen"]:
            if m["id"] in bad:
                continue
            m = dict(m)
            m["aangemaakt_d"] = _parse_date(m["aangemaakt"])
            m["gewijzigd_d"] = _parse_date(m["gewijzigd"])
            m["open"] = m["status"] in OPEN_MELDING
            m["adres_id"] = self.linked_address("meldingen", "melding", m["id"]) if m.get("adres") else None
            m["deelgemeente"] = self._melding_deelgemeente(m)
            out.append(m)
        return out

    def _melding_deelgemeente(self, m: dict) -> str | None:
        if m["adres_id"] is not None and m["adres_id"] in self.address_by_id:
            return self.address_by_id[m["adres_id"]]["deelgemeente"]
        loc = m.get("locatie")
        if loc:
            a = self.nearest_address(float(loc["lon"]), float(loc["lat"]))
            return a["deelgemeente"] if a else None
        return None

    @cached_property
    def melding_by_id(self) -> dict[str, dict]:
        return {m["id"]: m for m in self.meldingen}

    def melding(self, ref: str) -> dict:
        m = self.melding_by_id.get(str(ref).strip().upper())
        if m is None:
            raise GoldError(f"no clean melding {ref!r}")
        return m

    # -- sociaal
    @cached_property
    def social(self) -> list[dict]:
        bad = self.quarantined("sociaal")
        out = []
        with open(self.root / "sociaal" / "dossiers.csv", encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                if r["dossier_id"] in bad:
                    continue
                r["geopend_d"] = _parse_date(r["geopend"])
                r["afgesloten_d"] = _parse_date(r["afgesloten"])
                out.append(r)
        return out

    # -- sensors
    @cached_property
    def sensor_rows(self) -> list[dict]:
        bad = self.quarantined("sensoren")
        with open(self.root / "sensoren" / "sensoren.csv", encoding="utf-8", newline="") as f:
            return [r for r in csv.DictReader(f) if r["sensor_id"] not in bad]

    @cached_property
    def sensors(self) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for r in self.sensor_rows:
            s = out.setdefault(r["sensor_id"], {"id": r["sensor_id"], "type": r["type"], "naam": r["naam"],
                                                "geplaatst": r["geplaatst"], "grootheden": {}})
            s["grootheden"][r["grootheid"]] = r["eenheid"]
        return out

    def sensor(self, ref: str) -> dict:
        if ref in self.sensors:
            return self.sensors[ref]
        for s in self.sensors.values():
            if fold(s["naam"]) == fold(ref):
                return s
        raise GoldError(f"no clean sensor {ref!r}")

    def sensor_component(self, sensor_id: str) -> Component:
        return comp(sensor_id, self.sensors[sensor_id]["naam"])

    @cached_property
    def measurements(self) -> dict[tuple[str, str], list[tuple[datetime, str, float]]]:
        """(sensor, grootheid) -> [(aware datetime, local ISO text, value)] sorted by time."""
        bad = self.quarantined("sensoren")
        out: dict[tuple[str, str], list] = defaultdict(list)
        with open(self.root / "sensoren" / "metingen.csv", encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                sid, q, t = r["sensor_id"], r["grootheid"], r["tijdstip"]
                if sid not in self.sensors or q not in self.sensors[sid]["grootheden"]:
                    continue
                if f"{sid}|{q}|{t}" in bad:
                    continue
                when = _parse_dt(t)
                if when is None:
                    continue
                out[(sid, q)].append((when, t, float(r["waarde"])))
        for series in out.values():
            series.sort(key=lambda m: m[0])
        return dict(out)

    def series(self, sensor: str, grootheid: str, day=None, start=None, end=None) -> list[tuple[datetime, str, float]]:
        s = self.sensor(sensor)
        if grootheid not in s["grootheden"]:
            raise GoldError(f"sensor {s['id']} does not measure {grootheid}")
        rows = self.measurements.get((s["id"], grootheid), [])
        if day:
            d = str(day)[:10]
            rows = [m for m in rows if m[1][:10] == d]
        if start or end:
            a, b = str(start or "0000-00-00")[:10], str(end or "9999-99-99")[:10]
            rows = [m for m in rows if a <= m[1][:10] <= b]
        return rows


# --- gold functions ---------------------------------------------------------------------------

GOLD: dict[str, Callable[..., Gold]] = {}


def gold_function(fn):
    GOLD[fn.__name__] = fn
    return fn


def compute(data: SourceData, name: str, args: dict | None, today: date = DEFAULT_TODAY) -> Gold:
    fn = GOLD.get(name)
    if fn is None:
        raise GoldError(f"unknown gold function {name!r}")
    try:
        return fn(data, today=today, **(args or {}))
    except TypeError as exc:
        raise GoldError(f"{name}({args}): {exc}") from None


@gold_function
def nothing(data: SourceData, today: date) -> Gold:
    return Gold("empty", (), "no such record")


# products

def _base_cost(p: dict) -> float:
    for k in p["kosten"]:
        if "normale procedure" in k["omschrijving"]:
            return k["bedrag"]
    return p["kosten"][0]["bedrag"] if p["kosten"] else 0.0


@gold_function
def product_costs(data: SourceData, today: date, product: str, omschrijving: str | None = None) -> Gold:
    p = data.product(product)
    costs = [k for k in p["kosten"] if not omschrijving or fold(omschrijving) in fold(k["omschrijving"])]
    if not costs:
        raise GoldError(f"{p['naam']}: no cost described {omschrijving!r}")
    amounts = list(dict.fromkeys(k["bedrag"] for k in costs))
    return number(amounts[0], note=costs[0]["omschrijving"]) if len(amounts) == 1 else value_set(amounts)


@gold_function
def product_documents(data: SourceData, today: date, product: str) -> Gold:
    return value_set(b["naam"] for b in data.product(product)["bewijsstukken"])


@gold_function
def product_conditions(data: SourceData, today: date, product: str) -> Gold:
    return value_set(data.product(product)["voorwaarden"])


@gold_function
def product_channels(data: SourceData, today: date, product: str) -> Gold:
    alias = {"email": ("email", "e-mail"), "balie": ("balie", "loket")}
    return value_set(comp(*alias.get(k["type"], (k["type"],))) for k in data.product(product)["kanalen"])


@gold_function
def product_unit(data: SourceData, today: date, product: str) -> Gold:
    return Gold("scalar", ((data.unit_component(data.product(product)["bevoegde_dienst"]),),))


@gold_function
def product_lead_time(data: SourceData, today: date, product: str) -> Gold:
    days = data.product(product)["doorlooptijd_dagen"]
    return Gold("empty", (), "no lead time") if days is None else number(days)


@gold_function
def product_locations(data: SourceData, today: date, product: str) -> Gold:
    unit = data.product(product)["bevoegde_dienst"]
    out = []
    for c in data.counters.values():
        if c["dienst"] == unit:
            loc = data.locations[c["locatie"]]
            out.append(comp(loc["naam"], c["naam"], loc["adres_tekst"]))
    return value_set(out)


@gold_function
def products_of_unit(data: SourceData, today: date, unit: str, type: str | None = None) -> Gold:
    code = data.unit(unit)["code"]
    return value_set(p["naam"] for p in data.products if p["bevoegde_dienst"] == code and (not type or p["type"] == type))


@gold_function
def products_requiring_document(data: SourceData, today: date, document: str) -> Gold:
    return value_set(p["naam"] for p in data.products if any(fold(b["naam"]) == fold(document) for b in p["bewijsstukken"]))


@gold_function
def count_products(data: SourceData, today: date, thema: str | None = None, unit: str | None = None,
                   free: bool | None = None) -> Gold:
    n = 0
    for p in data.products:
        if thema and p["thema"] != thema:
            continue
        if unit and p["bevoegde_dienst"] != data.unit(unit)["code"]:
            continue
        if free is not None and all(k["bedrag"] == 0 for k in p["kosten"]) != bool(free):
            continue
        n += 1
    return count_of(n)


@gold_function
def paid_products(data: SourceData, today: date, unit: str) -> Gold:
    code = data.unit(unit)["code"]
    return value_set(p["naam"] for p in data.products
                     if p["bevoegde_dienst"] == code and any(k["bedrag"] > 0 for k in p["kosten"]))


@gold_function
def products_without_channel(data: SourceData, today: date, unit: str, channel: str) -> Gold:
    code = data.unit(unit)["code"]
    return value_set(p["naam"] for p in data.products
                     if p["bevoegde_dienst"] == code and all(k["type"] != channel for k in p["kanalen"]))


@gold_function
def products_without_documents(data: SourceData, today: date, unit: str) -> Gold:
    code = data.unit(unit)["code"]
    return value_set(p["naam"] for p in data.products if p["bevoegde_dienst"] == code and not p["bewijsstukken"])


@gold_function
def products_without_lead_time(data: SourceData, today: date) -> Gold:
    return value_set(p["naam"] for p in data.products if p["doorlooptijd_dagen"] is None)


@gold_function
def most_expensive_product(data: SourceData, today: date, unit: str | None = None) -> Gold:
    pool = [p for p in data.products if not unit or p["bevoegde_dienst"] == data.unit(unit)["code"]]
    top = max(max(k["bedrag"] for k in p["kosten"]) for p in pool)
    return one_of(p["naam"] for p in pool if max(k["bedrag"] for k in p["kosten"]) == top)


@gold_function
def more_expensive(data: SourceData, today: date, products: list[str]) -> Gold:
    pool = [data.product(p) for p in products]
    top = max(_base_cost(p) for p in pool)
    return one_of(p["naam"] for p in pool if _base_cost(p) == top)


# organisation

def _day_comp(dag: str) -> Component:
    i = DAYS_NL.index(dag)
    return comp(dag, DAYS_EN[i])


def _hhmm(t: str) -> str:
    return t[:5]


@gold_function
def counter_hours(data: SourceData, today: date, counter: str, dag=None) -> Gold:
    c = data.counter(counter)
    days = _as_list(dag)
    slots = [s for s in c["openingsuren"] if not days or s["dag"] in days]
    if len(days) == 1:
        return pairs([(_hhmm(s["van"]), _hhmm(s["tot"])) for s in slots], note=f"{c['naam']} op {days[0]}")
    return pairs([(_day_comp(s["dag"]), _hhmm(s["van"]), _hhmm(s["tot"])) for s in slots], note=c["naam"])


@gold_function
def counter_days(data: SourceData, today: date, counter: str) -> Gold:
    c = data.counter(counter)
    return value_set(_day_comp(d) for d in DAYS_NL if any(s["dag"] == d for s in c["openingsuren"]))


def _open_on(c: dict, dag: str, tijd: str | None = None) -> bool:
    return any(s["dag"] == dag and (tijd is None or _hhmm(s["van"]) <= tijd < _hhmm(s["tot"])) for s in c["openingsuren"])


@gold_function
def counters_open_on(data: SourceData, today: date, dag: str) -> Gold:
    return value_set(c["naam"] for c in data.counters.values() if _open_on(c, dag))


@gold_function
def counters_open_at(data: SourceData, today: date, dag: str, tijd: str) -> Gold:
    return value_set(c["naam"] for c in data.counters.values() if _open_on(c, dag, tijd))


@gold_function
def counters_closed_on(data: SourceData, today: date, dag: str) -> Gold:
    return value_set(c["naam"] for c in data.counters.values() if not _open_on(c, dag))


@gold_function
def counters_without_appointment(data: SourceData, today: date) -> Gold:
    return value_set(c["naam"] for c in data.counters.values() if not any(s["op_afspraak"] for s in c["openingsuren"]))


@gold_function
def latest_closing_counter(data: SourceData, today: date, dag: str) -> Gold:
    closing = {c["naam"]: max(_hhmm(s["tot"]) for s in c["openingsuren"] if s["dag"] == dag)
               for c in data.counters.values() if _open_on(c, dag)}
    top = max(closing.values())
    return one_of(n for n, t in closing.items() if t == top)


def _location_component(data: SourceData, loc: dict) -> Component:
    if loc.get("adres_id") is not None and loc["adres_id"] in data.address_by_id:
        base = data.address_component(loc["adres_id"])
        return comp(loc["adres_tekst"], *base.alternatives)
    return comp(loc["adres_tekst"])


@gold_function
def location_address(data: SourceData, today: date, location: str) -> Gold:
    return Gold("scalar", ((_location_component(data, data.location(location)),),))


@gold_function
def counters_at_location(data: SourceData, today: date, location: str) -> Gold:
    loc = data.location(location)
    return value_set(c["naam"] for c in data.counters.values() if c["locatie"] == loc["id"])


@gold_function
def counter_location(data: SourceData, today: date, counter: str) -> Gold:
    loc = data.locations[data.counter(counter)["locatie"]]
    return scalar(loc["naam"], *_location_component(data, loc).alternatives)


@gold_function
def locations_without_address(data: SourceData, today: date) -> Gold:
    return value_set(loc["naam"] for loc in data.locations.values() if loc.get("adres_id") is None)


@gold_function
def unit_contact(data: SourceData, today: date, unit: str, field: str) -> Gold:
    return scalar(data.unit(unit)[field])


@gold_function
def units_under(data: SourceData, today: date, unit: str) -> Gold:
    code = data.unit(unit)["code"]
    return value_set(data.unit_component(u["code"]) for u in data.units.values() if u["bovenliggend"] == code)


@gold_function
def units_without_counter(data: SourceData, today: date) -> Gold:
    with_counter = {c["dienst"] for c in data.counters.values()}
    return value_set(data.unit_component(code) for code in data.units if code not in with_counter)


# addresses, buildings, parcels

@gold_function
def street_deelgemeente(data: SourceData, today: date, straat: str) -> Gold:
    return one_of(sorted({a["deelgemeente"] for a in data.street(straat)}))


@gold_function
def street_house_numbers(data: SourceData, today: date, straat: str) -> Gold:
    return value_set(sorted({a["huisnummer"] for a in data.street(straat)}, key=_house_key))


def _house_key(h: str):
    m = re.match(r"(\d+)(.*)", h)
    return (int(m.group(1)), m.group(2)) if m else (10 ** 9, h)


@gold_function
def count_house_numbers(data: SourceData, today: date, straat: str) -> Gold:
    return count_of(len({a["huisnummer"] for a in data.street(straat)}))


@gold_function
def count_addresses(data: SourceData, today: date, deelgemeente: str | None = None, straat: str | None = None,
                    status: str | None = None) -> Gold:
    pool = data.street(straat) if straat else data.addresses
    if deelgemeente:
        d = data.deelgemeente(deelgemeente)
        pool = [a for a in pool if a["deelgemeente"] == d]
    return count_of(sum(1 for a in pool if not status or a["status"] == status))


@gold_function
def addresses(data: SourceData, today: date, straat: str, status: str | None = None, not_status: str | None = None) -> Gold:
    pool = [a for a in data.street(straat)
            if (not status or a["status"] == status) and (not not_status or a["status"] != not_status)]
    return value_set(data.address_component(a["adres_id"]) for a in pool)


@gold_function
def streets_in_deelgemeente(data: SourceData, today: date, deelgemeente: str) -> Gold:
    d = data.deelgemeente(deelgemeente)
    return value_set(sorted({a["straatnaam"] for a in data.addresses if a["deelgemeente"] == d}))


@gold_function
def count_streets(data: SourceData, today: date, deelgemeente: str) -> Gold:
    d = data.deelgemeente(deelgemeente)
    return count_of(len({a["straatnaam"] for a in data.addresses if a["deelgemeente"] == d}))


@gold_function
def address_parcels(data: SourceData, today: date, adres_id) -> Gold:
    return value_set(p["capakey"] for p in data.parcels if int(adres_id) in p["adres_ids"])


@gold_function
def parcel_addresses(data: SourceData, today: date, capakey: str) -> Gold:
    for p in data.parcels:
        if p["capakey"] == capakey:
            return value_set(data.address_component(a) for a in p["adres_ids"] if a in data.address_by_id)
    raise GoldError(f"no parcel {capakey!r}")


@gold_function
def count_parcel_addresses(data: SourceData, today: date, capakey: str) -> Gold:
    for p in data.parcels:
        if p["capakey"] == capakey:
            return count_of(len(p["adres_ids"]))
    raise GoldError(f"no parcel {capakey!r}")


@gold_function
def street_parcels(data: SourceData, today: date, straat: str) -> Gold:
    ids = {a["adres_id"] for a in data.street(straat)}
    return value_set(p["capakey"] for p in data.parcels if ids & set(p["adres_ids"]))


@gold_function
def count_parcels(data: SourceData, today: date, straat: str) -> Gold:
    ids = {a["adres_id"] for a in data.street(straat)}
    return count_of(sum(1 for p in data.parcels if ids & set(p["adres_ids"])))


@gold_function
def address_building_status(data: SourceData, today: date, adres_id) -> Gold:
    return value_set(sorted({b["status"] for b in data.buildings if int(adres_id) in b["adres_ids"]}))


@gold_function
def count_address_buildings(data: SourceData, today: date, adres_id) -> Gold:
    return count_of(sum(1 for b in data.buildings if int(adres_id) in b["adres_ids"]))


@gold_function
def street_buildings(data: SourceData, today: date, straat: str, status: str | None = None) -> Gold:
    ids = {a["adres_id"] for a in data.street(straat)}
    return value_set(b["gebouw_id"] for b in data.buildings
                     if ids & set(b["adres_ids"]) and (not status or b["status"] == status))


@gold_function
def count_buildings(data: SourceData, today: date, status: str | None = None) -> Gold:
    return count_of(sum(1 for b in data.buildings if not status or b["status"] == status))


@gold_function
def box_numbers(data: SourceData, today: date, straat: str, huisnummer: str) -> Gold:
    return value_set(sorted(a["busnummer"] for a in data.street(straat)
                            if a["huisnummer"] == str(huisnummer) and a.get("busnummer")))


@gold_function
def address_status(data: SourceData, today: date, adres_id) -> Gold:
    return scalar(data.address_by_id[int(adres_id)]["status"])


@gold_function
def address_postcode_deelgemeente(data: SourceData, today: date, adres_id, field: str | None = None) -> Gold:
    a = data.address_by_id[int(adres_id)]
    if field:
        return scalar(a[field])
    return pairs([(a["postcode"], a["deelgemeente"])])


@gold_function
def street_with_most_addresses(data: SourceData, today: date, deelgemeente: str | None = None) -> Gold:
    c = Counter(a["straatnaam"] for a in data.addresses
                if not deelgemeente or a["deelgemeente"] == data.deelgemeente(deelgemeente))
    top = max(c.values())
    return one_of(sorted(s for s, n in c.items() if n == top))


@gold_function
def deelgemeente_fewest_addresses(data: SourceData, today: date) -> Gold:
    c = Counter(a["deelgemeente"] for a in data.addresses)
    low = min(c.values())
    return one_of(sorted(d for d, n in c.items() if n == low))


@gold_function
def meldingen_at_address(data: SourceData, today: date, adres_id) -> Gold:
    return value_set(m["id"] for m in data.meldingen if m["adres_id"] == int(adres_id))


@gold_function
def dossiers_at_address(data: SourceData, today: date, adres_id) -> Gold:
    return value_set(d["dossiernummer"] for d in data.dossiers
                     if data.linked_address("crm", "dossier", d["dossiernummer"]) == int(adres_id))


# dossiers

def _dossier_filter(data: SourceData, today: date, *, type=None, status=None, not_status=None, open=None,
                    dienst=None, period=None, closed_period=None, person=None) -> list[dict]:
    p = resolve_period(period, today)
    cp = resolve_period(closed_period, today)
    types, statuses, not_statuses = _as_list(type), _as_list(status), _as_list(not_status)
    unit = data.unit(dienst)["code"] if dienst else None
    out = []
    for d in data.dossiers:
        if types and d["type"] not in types:
            continue
        if statuses and d["status"] not in statuses:
            continue
        if not_statuses and d["status"] in not_statuses:
            continue
        if open is not None and d["open"] != _truthy(open):
            continue
        if unit and d["behandelende_dienst"] != unit:
            continue
        if p and not _in(d["geopend_d"], p):
            continue
        if cp and not _in(d["afgesloten_d"], cp):
            continue
        if person is not None and d["person"] not in person:
            continue
        out.append(d)
    return out


@gold_function
def dossier_status(data: SourceData, today: date, dossiernummer: str) -> Gold:
    return scalar(data.dossier(dossiernummer)["status"])


@gold_function
def dossier_attr(data: SourceData, today: date, dossiernummer: str, attr: str) -> Gold:
    d = data.dossier(dossiernummer)
    if attr == "behandelende_dienst":
        return Gold("scalar", ((data.unit_component(d[attr]),),))
    if attr in ("geopend", "afgesloten"):
        value = d[f"{attr}_d"]
        return Gold("empty", (), f"no {attr} date") if value is None else scalar(value)
    return scalar(d[attr])


@gold_function
def dossier_history(data: SourceData, today: date, dossiernummer: str) -> Gold:
    d = data.dossier(dossiernummer)
    return value_set(dict.fromkeys(h["status"] for h in data.history.get(d["id"], [])))


@gold_function
def dossier_last_change(data: SourceData, today: date, dossiernummer: str) -> Gold:
    d = data.dossier(dossiernummer)
    last = data.history[d["id"]][-1]["tijdstip"]
    return scalar(date.fromisoformat(last[:10]), note=last)


@gold_function
def dossier_applicant(data: SourceData, today: date, dossiernummer: str) -> Gold:
    d = data.dossier(dossiernummer)
    c = data.contacts[d["aanvrager_id"]]
    p = data.persons[rrn_digits(c["rijksregisternummer"])]
    return scalar(p["name"], f"{c['voornaam']} {c['achternaam']}", f"{p['achternaam']} {p['voornaam']}")


@gold_function
def dossiers_of_person(data: SourceData, today: date, naam: str, open=None, type=None, period=None) -> Gold:
    who = set(data.persons_named(naam))
    return value_set(d["dossiernummer"] for d in _dossier_filter(data, today, person=who, open=open, type=type, period=period))


@gold_function
def count_dossiers_of_person(data: SourceData, today: date, naam: str) -> Gold:
    who = set(data.persons_named(naam))
    return count_of(len(_dossier_filter(data, today, person=who)))


@gold_function
def count_dossiers(data: SourceData, today: date, **filters) -> Gold:
    return count_of(len(_dossier_filter(data, today, **filters)))


@gold_function
def dossier_ids(data: SourceData, today: date, **filters) -> Gold:
    return value_set(d["dossiernummer"] for d in _dossier_filter(data, today, **filters))


@gold_function
def dossiers_per_type(data: SourceData, today: date, **filters) -> Gold:
    c = Counter(d["type"] for d in _dossier_filter(data, today, **filters))
    return pairs(sorted(c.items()))


@gold_function
def dossiers_per_unit(data: SourceData, today: date, **filters) -> Gold:
    c = Counter(d["behandelende_dienst"] for d in _dossier_filter(data, today, **filters))
    return pairs([(data.unit_component(u), n) for u, n in sorted(c.items())])


@gold_function
def top_dossier_type(data: SourceData, today: date, **filters) -> Gold:
    c = Counter(d["type"] for d in _dossier_filter(data, today, **filters))
    if not c:
        return Gold("empty")
    top = max(c.values())
    return one_of(sorted(t for t, n in c.items() if n == top))


@gold_function
def top_unit_open_dossiers(data: SourceData, today: date) -> Gold:
    c = Counter(d["behandelende_dienst"] for d in _dossier_filter(data, today, open=True))
    if not c:
        return Gold("empty")
    top = max(c.values())
    return one_of(data.unit_component(u) for u, n in sorted(c.items()) if n == top)


@gold_function
def oldest_open_dossier(data: SourceData, today: date, type=None) -> Gold:
    pool = [d for d in _dossier_filter(data, today, open=True, type=type) if d["geopend_d"]]
    if not pool:
        return Gold("empty", (), "no open dossier")
    first = min(d["geopend_d"] for d in pool)
    return one_of(d["dossiernummer"] for d in pool if d["geopend_d"] == first)


@gold_function
def avg_dossier_duration(data: SourceData, today: date, **filters) -> Gold:
    pool = [d for d in _dossier_filter(data, today, **filters) if d["geopend_d"] and d["afgesloten_d"]]
    if not pool:
        return Gold("empty", (), "no closed dossier")
    avg = sum((d["afgesloten_d"] - d["geopend_d"]).days for d in pool) / len(pool)
    return scalar(round(avg, 6), tol=0.51, note=f"mean over {len(pool)} closed dossiers")


# meldingen

def _melding_filter(data: SourceData, today: date, *, open=None, status=None, type=None, not_type=None,
                    deelgemeente=None, period=None, changed_period=None, anonymous=None) -> list[dict]:
    p, cp = resolve_period(period, today), resolve_period(changed_period, today)
    types, not_types, statuses = _as_list(type), _as_list(not_type), _as_list(status)
    d = data.deelgemeente(deelgemeente) if deelgemeente else None
    out = []
    for m in data.meldingen:
        if open is not None and m["open"] != _truthy(open):
            continue
        if statuses and m["status"] not in statuses:
            continue
        if types and m["type"] not in types:
            continue
        if not_types and m["type"] in not_types:
            continue
        if d and m["deelgemeente"] != d:
            continue
        if p and not _in(m["aangemaakt_d"], p):
            continue
        if cp and not _in(m["gewijzigd_d"], cp):
            continue
        if anonymous is not None and (m["melder"]["rijksregisternummer"] is None) != _truthy(anonymous):
            continue
        out.append(m)
    return out


@gold_function
def melding_status(data: SourceData, today: date, melding: str) -> Gold:
    return scalar(data.melding(melding)["status"])


@gold_function
def melding_attr(data: SourceData, today: date, melding: str, attr: str) -> Gold:
    return scalar(data.melding(melding)[attr])


@gold_function
def melding_address(data: SourceData, today: date, melding: str) -> Gold:
    m = data.melding(melding)
    if not m.get("adres"):
        raise GoldError(f"melding {melding} has no address text")
    if m["adres_id"] is not None:
        return Gold("scalar", ((comp(m["adres"], *data.address_component(m["adres_id"]).alternatives),),))
    return scalar(m["adres"])


@gold_function
def count_meldingen(data: SourceData, today: date, **filters) -> Gold:
    return count_of(len(_melding_filter(data, today, **filters)))


@gold_function
def melding_ids(data: SourceData, today: date, **filters) -> Gold:
    return value_set(m["id"] for m in _melding_filter(data, today, **filters))


@gold_function
def meldingen_per_deelgemeente(data: SourceData, today: date, **filters) -> Gold:
    c = Counter(m["deelgemeente"] for m in _melding_filter(data, today, **filters) if m["deelgemeente"])
    return pairs(sorted(c.items()))


@gold_function
def meldingen_per_type(data: SourceData, today: date, **filters) -> Gold:
    c = Counter(m["type"] for m in _melding_filter(data, today, **filters))
    return pairs(sorted(c.items()))


@gold_function
def top_deelgemeente_meldingen(data: SourceData, today: date, **filters) -> Gold:
    c = Counter(m["deelgemeente"] for m in _melding_filter(data, today, **filters) if m["deelgemeente"])
    if not c:
        return Gold("empty")
    top = max(c.values())
    return one_of(sorted(d for d, n in c.items() if n == top))


@gold_function
def compare_deelgemeenten_meldingen(data: SourceData, today: date, a: str, b: str, **filters) -> Gold:
    na = len(_melding_filter(data, today, deelgemeente=a, **filters))
    nb = len(_melding_filter(data, today, deelgemeente=b, **filters))
    da, db = data.deelgemeente(a), data.deelgemeente(b)
    if na == nb:
        return one_of([da, db], note=f"tie: {na} each")
    return scalar(da if na > nb else db, note=f"{da} {na}, {db} {nb}")


@gold_function
def top_melding_type(data: SourceData, today: date, **filters) -> Gold:
    c = Counter(m["type"] for m in _melding_filter(data, today, **filters))
    if not c:
        return Gold("empty")
    top = max(c.values())
    return one_of(sorted(t for t, n in c.items() if n == top))


@gold_function
def deelgemeenten_without_meldingen(data: SourceData, today: date, **filters) -> Gold:
    seen = {m["deelgemeente"] for m in _melding_filter(data, today, **filters)}
    return value_set(d for d in data.deelgemeenten if d not in seen)


# sociaal

def _social_filter(data: SourceData, today: date, steunvorm=None, status=None, period=None) -> list[dict]:
    p = resolve_period(period, today)
    return [r for r in data.social if (not steunvorm or r["steunvorm"] == steunvorm)
            and (not status or r["status"] == status) and (not p or _in(r["geopend_d"], p))]


@gold_function
def count_social(data: SourceData, today: date, **filters) -> Gold:
    return count_of(len(_social_filter(data, today, **filters)))


@gold_function
def social_per_steunvorm(data: SourceData, today: date, **filters) -> Gold:
    return pairs(sorted(Counter(r["steunvorm"] for r in _social_filter(data, today, **filters)).items()))


@gold_function
def social_steunvormen(data: SourceData, today: date, naam: str) -> Gold:
    key = fold(naam)
    rows = [r for r in data.social if fold(f"{r['voornaam']} {r['achternaam']}") == key]
    if not rows:
        raise GoldError(f"no social client {naam!r}")
    return value_set(sorted({r["steunvorm"] for r in rows}))


# sensors

@gold_function
def sensor_latest(data: SourceData, today: date, sensor: str, grootheid: str) -> Gold:
    rows = data.series(sensor, grootheid)
    if not rows:
        return Gold("empty")
    when, text, value = rows[-1]
    g = number(value, note=text)
    return g


@gold_function
def sensor_latest_time(data: SourceData, today: date, sensor: str, grootheid: str) -> Gold:
    rows = data.series(sensor, grootheid)
    return scalar(rows[-1][0], note=rows[-1][1]) if rows else Gold("empty")


@gold_function
def sensor_value_at(data: SourceData, today: date, sensor: str, grootheid: str, tijdstip: str) -> Gold:
    want = _parse_dt(tijdstip)
    for when, text, value in data.series(sensor, grootheid):
        if when == want:
            return number(value, note=text)
    return Gold("empty", (), f"no measurement at {tijdstip}")


def _stat(values: list[float], stat: str) -> float:
    if stat == "avg":
        return sum(values) / len(values)
    if stat == "sum":
        return sum(values)
    if stat == "max":
        return max(values)
    if stat == "min":
        return min(values)
    raise GoldError(f"unknown statistic {stat!r}")


@gold_function
def sensor_stat(data: SourceData, today: date, sensor: str, grootheid: str, stat: str, day=None, **period) -> Gold:
    rows = data.series(sensor, grootheid, day=day, start=period.get("from"), end=period.get("to"))
    if not rows:
        return Gold("empty", (), "no measurements")
    value = _stat([v for _, _, v in rows], stat)
    if stat in ("sum", "max", "min") and float(value).is_integer():
        return number(int(value), note=f"{len(rows)} values")
    return number(float(value), note=f"{len(rows)} values")


@gold_function
def sensor_hours_above(data: SourceData, today: date, sensor: str, grootheid: str, threshold: float, **period) -> Gold:
    rows = data.series(sensor, grootheid, start=period.get("from"), end=period.get("to"))
    return count_of(sum(1 for _, _, v in rows if v > float(threshold)))


@gold_function
def sensor_days_above(data: SourceData, today: date, sensor: str, grootheid: str, threshold: float, **period) -> Gold:
    per_day: dict[str, list[float]] = defaultdict(list)
    for _, text, v in data.series(sensor, grootheid, start=period.get("from"), end=period.get("to")):
        per_day[text[:10]].append(v)
    return value_set(date.fromisoformat(d) for d, vs in sorted(per_day.items()) if sum(vs) / len(vs) > float(threshold))


@gold_function
def sensors_measuring(data: SourceData, today: date, grootheid: str) -> Gold:
    return value_set(data.sensor_component(s) for s, v in sorted(data.sensors.items()) if grootheid in v["grootheden"])


@gold_function
def sensors_of_type(data: SourceData, today: date, type: str) -> Gold:
    return value_set(data.sensor_component(s) for s, v in sorted(data.sensors.items()) if v["type"] == type)


@gold_function
def sensors_not_measuring(data: SourceData, today: date, grootheid: str, type: str | None = None) -> Gold:
    return value_set(data.sensor_component(s) for s, v in sorted(data.sensors.items())
                     if (not type or v["type"] == type) and grootheid not in v["grootheden"])


@gold_function
def count_sensors(data: SourceData, today: date, type: str | None = None) -> Gold:
    return count_of(sum(1 for v in data.sensors.values() if not type or v["type"] == type))


@gold_function
def sensor_quantities(data: SourceData, today: date, sensor: str) -> Gold:
    return value_set(sorted(data.sensor(sensor)["grootheden"]))


@gold_function
def quantity_unit(data: SourceData, today: date, grootheid: str) -> Gold:
    units = {v["grootheden"][grootheid] for v in data.sensors.values() if grootheid in v["grootheden"]}
    return one_of(sorted(units))


@gold_function
def sensor_installed(data: SourceData, today: date, sensor: str) -> Gold:
    return scalar(date.fromisoformat(data.sensor(sensor)["geplaatst"]))


@gold_function
def top_sensor(data: SourceData, today: date, grootheid: str, stat: str = "avg", **period) -> Gold:
    scores = {}
    for s, v in data.sensors.items():
        if grootheid in v["grootheden"]:
            rows = data.series(s, grootheid, start=period.get("from"), end=period.get("to"))
            if rows:
                scores[s] = _stat([x for _, _, x in rows], stat)
    if not scores:
        return Gold("empty")
    top = max(scores.values())
    return one_of(data.sensor_component(s) for s in sorted(scores) if scores[s] == top)


@gold_function
def louder_sensor(data: SourceData, today: date, a: str, b: str, day: str) -> Gold:
    means = {}
    for s in (a, b):
        rows = data.series(s, "LAeq", day=day)
        if not rows:
            return Gold("empty", (), f"no LAeq for {s} on {day}")
        means[s] = sum(v for _, _, v in rows) / len(rows)
    top = max(means.values())
    return one_of(data.sensor_component(data.sensor(s)["id"]) for s in (a, b) if means[s] == top)


__all__ = ["Gold", "Component", "GoldError", "SourceData", "GOLD", "compute", "resolve_period", "fold",
           "DEFAULT_TODAY"]
