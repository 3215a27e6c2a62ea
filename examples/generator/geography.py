"""The GIS source: streets, the address register, buildings and cadastral parcels (Lambert 72).

Streets come from `data/streets.csv` (real names of Tienen plus a marked set of synthetic ones),
deelgemeente centres from `data/deelgemeenten.csv` (real locality centres). Each street is a
straight segment near its deelgemeente centre; odd numbers on one side, even on the other.
A house number with boxes (apartments) has only box addresses, no bare house-number address, so
`Veemarkt 12` without a box is genuinely incomplete text.
"""

from __future__ import annotations

import csv
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

from .common import INNER_L72, POSTCODE, address_text, largest_remainder, rng_for, scaled, write_feature_collection

DATA = Path(__file__).resolve().parent / "data"

ADDRESS_ID_BASE = 2_000_000
STREET_ID_BASE = 50_000
BUILDING_ID_BASE = 3_000_000


@dataclass(slots=True)
class Deelgemeente:
    naam: str
    x: float
    y: float
    share: float
    spread: float
    afdelingen: list[str]


@dataclass(slots=True)
class Street:
    straatnaam_id: int
    naam: str
    deelgemeente: str
    bron: str
    x0: float = 0.0
    y0: float = 0.0
    ux: float = 1.0
    uy: float = 0.0
    spacing: float = 9.0


@dataclass(slots=True)
class Address:
    adres_id: int
    street: Street
    huisnummer: str
    busnummer: str | None
    status: str
    x: float
    y: float
    side: int  # +1 / -1: which side of the street (for building/parcel orientation)

    @property
    def text(self) -> str:
        return address_text(self.street.naam, self.huisnummer, self.busnummer)


@dataclass(slots=True)
class Building:
    gebouw_id: int
    status: str
    adres_ids: list[int]
    ring: list[list[float]]


@dataclass(slots=True)
class Parcel:
    capakey: str
    adres_ids: list[int]
    ring: list[list[float]]


@dataclass
class Geography:
    deelgemeenten: list[Deelgemeente]
    streets: list[Street]
    addresses: list[Address]
    buildings: list[Building] = field(default_factory=list)
    parcels: list[Parcel] = field(default_factory=list)
    by_id: dict[int, Address] = field(default_factory=dict)
    by_text_key: dict[tuple[str, str, str | None], int] = field(default_factory=dict)

    def __post_init__(self):
        self.by_id = {a.adres_id: a for a in self.addresses}
        self.by_text_key = {(a.street.naam, a.huisnummer, a.busnummer): a.adres_id for a in self.addresses}
        self.in_use = [a.adres_id for a in self.addresses if a.status == "inGebruik"]
        self.proposed = [a.adres_id for a in self.addresses if a.status == "voorgesteld"]
        self.squares = [a.adres_id for a in self.addresses
                        if a.status == "inGebruik" and a.street.naam.lower().endswith(("markt", "plein"))]
        self.street_by_name = {s.naam: s for s in self.streets}
        self.max_number: dict[str, int] = {}
        for a in self.addresses:
            n = int("".join(ch for ch in a.huisnummer if ch.isdigit()))
            self.max_number[a.street.naam] = max(self.max_number.get(a.street.naam, 0), n)

    def lookup(self, straatnaam: str, huisnummer: str, busnummer: str | None = None) -> int:
        return self.by_text_key[(straatnaam, huisnummer, busnummer)]

    def text(self, adres_id: int) -> str:
        return self.by_id[adres_id].text


def load_deelgemeenten() -> list[Deelgemeente]:
    with open(DATA / "deelgemeenten.csv", encoding="utf-8", newline="") as fh:
        return [Deelgemeente(r["naam"], float(r["x_lambert72"]), float(r["y_lambert72"]),
                             float(r["aandeel_adressen"]), float(r["spreiding_m"]),
                             r["kadastrale_afdelingen"].split(";"))
                for r in csv.DictReader(fh)]


def load_streets() -> list[Street]:
    with open(DATA / "streets.csv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))]
    return [Street(STREET_ID_BASE + i + 1, r["straatnaam"], r["deelgemeente"], r["bron"])
            for i, r in enumerate(rows)]


def _street_weight(name: str) -> float:
    low = name.lower()
    if low.endswith(("steenweg", "vest", "laan")):
        return 2.0
    if low.endswith(("markt", "plein", "dreef", "veld", "hol", "dries", "plaats")):
        return 0.6
    if low.endswith("weg"):
        return 0.8
    return 1.0


def _clamp(x: float, y: float) -> tuple[float, float]:
    return (min(max(x, INNER_L72[0]), INNER_L72[2]), min(max(y, INNER_L72[1]), INNER_L72[3]))


def _place_street(rng: random.Random, s: Street, dg: Deelgemeente, n_numbers: int) -> None:
    """Give a street a straight centreline near its deelgemeente centre."""
    s.spacing = 9.0 if dg.naam == "Tienen" else 14.0
    length = max(20.0, (n_numbers + 1) / 2 * s.spacing)
    angle = rng.uniform(0, math.pi)
    s.ux, s.uy = math.cos(angle), math.sin(angle)
    if s.naam == "Grote Markt":
        cx, cy = dg.x, dg.y  # the market square is the centre
    else:
        r = abs(rng.gauss(0, dg.spread)) + 60
        phi = rng.uniform(0, 2 * math.pi)
        cx, cy = dg.x + r * math.cos(phi), dg.y + r * math.sin(phi)
    s.x0, s.y0 = _clamp(cx - s.ux * length / 2, cy - s.uy * length / 2)


def _house_numbers(rng: random.Random, target: int, required: set[str], apartment_p: float,
                   max_boxes: int) -> list[tuple[str, list[str | None]]]:
    """House numbers 1, 2, 3, ... with occasional letter suffixes and apartment buildings,
    until `target` addresses exist; required plain numbers are always present."""
    out: list[tuple[str, list[str | None]]] = []
    count, n = 0, 0
    while count < target:
        n += 1
        hn = str(n)
        if hn in required or rng.random() >= apartment_p or target - count < 2:
            boxes: list[str | None] = [None]
        else:
            k = min(rng.randint(2, max_boxes), target - count)
            boxes = [str(b) for b in range(1, k + 1)] if rng.random() < 0.8 else \
                [f"{fl}{b:02d}" for fl in range(0, (k + 1) // 2) for b in (1, 2)][:k]
        out.append((hn, boxes))
        count += len(boxes)
        if count < target and hn not in required and rng.random() < 0.03:
            out.append((hn + "A", [None]))
            count += 1
    have = {hn for hn, _ in out}
    for hn in sorted(required - have, key=int):
        out.append((hn, [None]))
    return out


def build_geography(seed: int, scale: float, required: list[tuple[str, str]]) -> Geography:
    rng = rng_for(seed, "geography")
    deelgemeenten = load_deelgemeenten()
    dg_by_name = {d.naam: d for d in deelgemeenten}
    streets = load_streets()
    n_addresses = scaled(17_000, scale, 30)

    # addresses per deelgemeente, then per street (weighted by street kind)
    per_dg = largest_remainder(n_addresses, [d.share for d in deelgemeenten])
    street_targets: dict[int, int] = {}
    for d, total in zip(deelgemeenten, per_dg):
        ss = [s for s in streets if s.deelgemeente == d.naam]
        for s, n in zip(ss, largest_remainder(total, [_street_weight(s.naam) for s in ss])):
            street_targets[s.straatnaam_id] = n

    req_by_street: dict[str, set[str]] = {}
    for straat, hn in required:
        req_by_street.setdefault(straat, set()).add(hn)

    addresses: list[Address] = []
    next_id = ADDRESS_ID_BASE + 1
    for s in streets:
        d = dg_by_name[s.deelgemeente]
        req = req_by_street.get(s.naam, set())
        target = street_targets[s.straatnaam_id]
        if target == 0 and not req:
            _place_street(rng, s, d, 2)
            continue
        centre = d.naam == "Tienen"
        numbers = _house_numbers(rng, target, req, 0.12 if centre else 0.03, 10 if centre else 4)
        max_n = max(int("".join(ch for ch in hn if ch.isdigit())) for hn, _ in numbers)
        _place_street(rng, s, d, max_n)
        nx, ny = -s.uy, s.ux
        for hn, boxes in numbers:
            num = int("".join(ch for ch in hn if ch.isdigit()))
            side = 1 if num % 2 else -1
            pos = ((num - 1) // 2) * s.spacing + (s.spacing * 0.45 if not hn.isdigit() else 0.0)
            jitter_a, jitter_n = rng.uniform(-1.5, 1.5), rng.uniform(-1.5, 1.5)
            x = s.x0 + s.ux * (pos + jitter_a) + nx * side * (9.0 + jitter_n)
            y = s.y0 + s.uy * (pos + jitter_a) + ny * side * (9.0 + jitter_n)
            x, y = _clamp(x, y)
            u = rng.random()
            status = "inGebruik" if (hn in req or u < 0.95) else ("gehistoreerd" if u < 0.975 else "voorgesteld")
            for b in boxes:
                addresses.append(Address(next_id, s, hn, b, status, round(x, 2), round(y, 2), side))
                next_id += 1

    geo = Geography(deelgemeenten, streets, addresses)
    _build_buildings_and_parcels(geo, rng, scale)
    return geo


def _rect(cx: float, cy: float, ux: float, uy: float, half_w: float, half_d: float) -> list[list[float]]:
    nx, ny = -uy, ux
    pts = []
    for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        pts.append([round(cx + ux * a * half_w + nx * b * half_d, 2), round(cy + uy * a * half_w + ny * b * half_d, 2)])
    pts.append(pts[0])
    return pts


def _build_buildings_and_parcels(geo: Geography, rng: random.Random, scale: float) -> None:
    # one group per (street, house number), in register order
    groups: list[list[Address]] = []
    index: dict[tuple[int, str], int] = {}
    for a in geo.addresses:
        key = (a.street.straatnaam_id, a.huisnummer)
        if key not in index:
            index[key] = len(groups)
            groups.append([])
        groups[index[key]].append(a)

    n_buildings = scaled(12_000, scale, 20)
    n_annex = max(1, round(n_buildings * 0.04))
    n_addressed = max(1, n_buildings - n_annex)
    # merge neighbouring plain houses (semi-detached / terraced blocks registered as one
    # building) until the building count is realistic
    merges_needed = max(0, len(groups) - n_addressed)
    # neighbours = next plain house on the same side of the same street
    last_on_side: dict[tuple[int, int], int] = {}
    candidates: list[tuple[int, int]] = []
    for i, g in enumerate(groups):
        key = (g[0].street.straatnaam_id, g[0].side)
        j = last_on_side.get(key)
        if j is not None and len(g) == 1 and len(groups[j]) == 1 and groups[j][0].status == g[0].status:
            candidates.append((j, i))
        last_on_side[key] = i
    rng.shuffle(candidates)
    owner = list(range(len(groups)))
    used: set[int] = set()
    for i, j in candidates:
        if merges_needed == 0:
            break
        if i in used or j in used:
            continue
        used.update((i, j))
        owner[j] = i
        merges_needed -= 1
    block_of: dict[int, list[Address]] = {}
    for i, g in enumerate(groups):
        block_of.setdefault(owner[i], []).extend(g)
    blocks = list(block_of.values())

    dg_by_name = {d.naam: d for d in geo.deelgemeenten}
    parcel_keys = _CapakeyMinter(rng)
    gid = BUILDING_ID_BASE + 1
    houses = []
    for block in blocks:
        s = block[0].street
        xs = [a.x for a in block]
        ys = [a.y for a in block]
        cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
        span = max(abs((a.x - cx) * s.ux + (a.y - cy) * s.uy) for a in block)
        centre = s.deelgemeente == "Tienen"
        if len(block) > 1 and block[0].busnummer is not None:
            half_w = rng.uniform(7, 12)
        else:
            half_w = span + rng.uniform(3, 4.5) if centre else span + rng.uniform(4, 6)
        half_d = rng.uniform(4.5, 7)
        statuses = {a.status for a in block}
        if statuses == {"voorgesteld"}:
            status = "gepland" if rng.random() < 0.7 else "inAanbouw"
        elif statuses == {"gehistoreerd"}:
            status = "gehistoreerd"
        else:
            status = "gerealiseerd"
        ids = [a.adres_id for a in block]
        geo.buildings.append(Building(gid, status, ids, _rect(cx, cy, s.ux, s.uy, half_w, half_d)))
        gid += 1
        side = block[0].side
        nx, ny = -s.uy * side, s.ux * side  # away from the street
        garden = rng.uniform(6, 20) if centre else rng.uniform(12, 35)
        px, py = cx + nx * garden / 2, cy + ny * garden / 2
        dg = dg_by_name[s.deelgemeente]
        geo.parcels.append(Parcel(parcel_keys.mint(dg, px, py), ids,
                                  _rect(px, py, s.ux, s.uy, half_w + rng.uniform(0.5, 2), half_d + garden / 2 + 1)))
        houses.append((cx, cy, s, side, half_d))

    # annexes without an address (garages, sheds) behind houses
    for _ in range(n_annex):
        cx, cy, s, side, half_d = houses[rng.randrange(len(houses))]
        nx, ny = -s.uy * side, s.ux * side
        ax, ay = cx + nx * (half_d + 6), cy + ny * (half_d + 6)
        geo.buildings.append(Building(gid, "gerealiseerd", [], _rect(ax, ay, s.ux, s.uy, rng.uniform(2, 4), rng.uniform(2, 3))))
        gid += 1

    # land parcels without an address (fields, meadows, gardens) around the villages and town
    n_parcels = scaled(14_000, scale, 25)
    for _ in range(max(0, n_parcels - len(geo.parcels))):
        dg = rng.choices(geo.deelgemeenten, weights=[d.share + 0.05 for d in geo.deelgemeenten], k=1)[0]
        r = dg.spread * (1.2 + abs(rng.gauss(0, 0.8)))
        phi = rng.uniform(0, 2 * math.pi)
        px, py = _clamp(dg.x + r * math.cos(phi), dg.y + r * math.sin(phi))
        ang = rng.uniform(0, math.pi)
        geo.parcels.append(Parcel(parcel_keys.mint(dg, px, py), [],
                                  _rect(px, py, math.cos(ang), math.sin(ang), rng.uniform(15, 60), rng.uniform(30, 120))))


class _CapakeyMinter:
    """Capakeys `AAAAASNNNN/BBEEEE`: afdeling (5 digits), sectie letter, grondnummer, '/',
    bisnummer, exponent letter (`_` for none) and cijferexponent. Tienen itself is split over
    four afdelingen by quadrant; each deelgemeente is one afdeling; the sectie is the compass
    sector around the centre. Unique because grondnummers only increase per afdeling+sectie."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.next: dict[tuple[str, str], int] = {}

    def mint(self, dg: Deelgemeente, x: float, y: float) -> str:
        if len(dg.afdelingen) == 4:
            afd = dg.afdelingen[(x >= dg.x) + 2 * (y < dg.y)]
        else:
            afd = dg.afdelingen[0]
        sector = int(((math.atan2(y - dg.y, x - dg.x) + math.pi) / (2 * math.pi)) * 8) % 8
        sectie = "ABCDEFGH"[sector]
        n = self.next.get((afd, sectie), self.rng.randint(1, 40)) + self.rng.randint(1, 2)
        self.next[(afd, sectie)] = n
        bis = 0 if self.rng.random() < 0.85 else self.rng.randint(2, 12)
        exp = "_" if self.rng.random() < 0.6 else self.rng.choice("ABCDEFGHKLMNPRSTVWXZ")
        return f"{afd}{sectie}{n:04d}/{bis:02d}{exp}000"


def write_gis(geo: Geography, out: Path) -> dict[str, int]:
    d = out / "gis"
    write_feature_collection(d / "adressen.geojson", [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [a.x, a.y]},
         "properties": {"adres_id": a.adres_id, "straatnaam_id": a.street.straatnaam_id, "straatnaam": a.street.naam,
                        "huisnummer": a.huisnummer, "busnummer": a.busnummer, "postcode": POSTCODE,
                        "deelgemeente": a.street.deelgemeente, "status": a.status}}
        for a in geo.addresses])
    write_feature_collection(d / "gebouwen.geojson", [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [b.ring]},
         "properties": {"gebouw_id": b.gebouw_id, "status": b.status, "adres_ids": b.adres_ids}}
        for b in geo.buildings])
    write_feature_collection(d / "percelen.geojson", [
        {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [p.ring]},
         "properties": {"capakey": p.capakey, "adres_ids": p.adres_ids}}
        for p in geo.parcels])
    return {"adressen": len(geo.addresses), "gebouwen": len(geo.buildings), "percelen": len(geo.parcels)}
