"""Dirt injected at known rates, and the record of what was done.

Every applicable record set gets exactly `rate_count(rate, n)` records of each kind (round half
up, at least one), chosen with a seeded shuffle. Kinds are disjoint per record set: a record
carries at most one dirt kind, so a quarantined record is never also counted as a linking case.
`DirtLog` collects the report (`dirt_report.json`) and the truth tables (`truth/`).
"""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

from .common import POSTCODE, rate_count, write_csv, write_json
from .geography import Address, Geography

RATES = {
    "duplicate_person": 0.06,   # of the distinct persons in crm: an extra contact row
    "address_variant": 0.03,    # of the records with an address text
    "unknown_address": 0.01,    # of the records with an address text
    "missing_mandatory": 0.005,
    "invalid_date": 0.005,
    "outside_city": 0.005,      # of the records with coordinates
    "unknown_code": 0.005,
}

UNKNOWN_DOSSIER_STATUS = ["gesloten", "on_hold", "afgehandeld", "geannuleerd", "in_wacht"]
UNKNOWN_MELDING_TYPE = ["hondenpoep", "parkeerhinder", "andere", "bouwovertreding", "dierenoverlast"]
UNKNOWN_STEUNVORM = ["huisvesting", "voedselhulp", "studietoelage", "kinderopvang"]
UNKNOWN_GROOTHEID = ["PM1", "O3", "CO2", "SO2"]

# Streets that do not exist in Tienen's register, and addresses outside the city.
_FAKE_STREETS = ["Zonnebloemstraat", "Koekoekslaan", "Populierenlaan", "Nachtegaalstraat", "Berkenhof",
                 "Klaprozenstraat", "Meidoornweg", "Hazelaarstraat"]
_ELSEWHERE = [("Naamsestraat", "3000 Leuven"), ("Diestsestraat", "3000 Leuven"), ("Tiensestraat", "3320 Hoegaarden"),
              ("Leuvensesteenweg", "3370 Boutersem"), ("Houtemstraat", "3380 Glabbeek"), ("Stationsplein", "3400 Landen")]

_ABBREVIATIONS = [("Grote Markt", "Grote Mkt"), ("steenweg", "stwg."), ("straat", "str."), ("plein", "pl."),
                  ("laan", "ln."), ("Sint-", "St-"), ("Oude ", "O. "), ("Generaal ", "Gen. ")]


def assign(rng: random.Random, n: int, plan: list[tuple[str, object]]) -> dict[str, list[int]]:
    """Pick disjoint record indices per dirt kind. `plan` is [(kind, eligible)] where eligible
    is None (all records) or a predicate on the index. Count = rate of the eligible records."""
    order = list(range(n))
    rng.shuffle(order)
    used: set[int] = set()
    out: dict[str, list[int]] = {}
    for kind, eligible in plan:
        pool = [i for i in order if i not in used and (eligible is None or eligible(i))]
        n_eligible = n if eligible is None else sum(1 for i in range(n) if eligible(i))
        picked = pool[:rate_count(RATES[kind], n_eligible)]
        used.update(picked)
        out[kind] = sorted(picked)
    return out


def _abbreviate(street: str) -> str:
    for full, short in _ABBREVIATIONS:
        if full in street:
            return street.replace(full, short, 1)
    return street


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 6:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def address_variant(rng: random.Random, a: Address) -> str:
    """The same register address, typed the way people do: abbreviated, lower/upper case, box
    number missing or written differently, postcode missing, deelgemeente instead of Tienen,
    a typo. Never equal to the canonical text."""
    street, hn, bus = a.street.naam, a.huisnummer, a.busnummer
    b = f" bus {bus}" if bus else ""
    canonical = a.text
    options: list[tuple[str, float]] = [
        (f"{_abbreviate(street)} {hn}{b}, {POSTCODE} Tienen", 3.0),
        (canonical.lower(), 2.0),
        (canonical.upper(), 1.0),
        (f"{street} {hn}{b}, Tienen", 2.0),
        (f"{street} {hn}{b}", 2.0),
        (f"{street} {hn}{b} {POSTCODE} TIENEN", 1.0),
        (f"{street} nr. {hn}{b}, {POSTCODE} Tienen", 0.7),
        (f"{_typo(rng, street)} {hn}{b}, {POSTCODE} Tienen", 1.0),
    ]
    if bus:
        options += [(f"{street} {hn}, {POSTCODE} Tienen", 4.0), (f"{street} {hn}/{bus}, {POSTCODE} Tienen", 1.5),
                    (f"{street} {hn} b{bus} {POSTCODE} Tienen", 1.0)]
    if a.street.deelgemeente != "Tienen":
        options.append((f"{street} {hn}{b}, {POSTCODE} {a.street.deelgemeente}", 2.0))
    if " " in street:
        options.append((f"{street.replace(' ', '')} {hn}{b}, {POSTCODE} Tienen", 1.0))
    options = [(t, w) for t, w in options if t != canonical]
    return rng.choices([t for t, _ in options], weights=[w for _, w in options], k=1)[0]


def unknown_address(rng: random.Random, geo: Geography) -> str:
    """Text that refers to no address in the register: a house number beyond the end of a real
    street, a street Tienen does not have, or an address in a neighbouring town."""
    r = rng.random()
    if r < 0.5:
        street = rng.choice([s.naam for s in geo.streets if s.naam in geo.max_number])
        return f"{street} {geo.max_number[street] + rng.randint(150, 600)}, {POSTCODE} Tienen"
    if r < 0.75:
        fakes = [s for s in _FAKE_STREETS if s not in geo.street_by_name]
        return f"{rng.choice(fakes)} {rng.randint(1, 80)}, {POSTCODE} Tienen"
    street, city = rng.choice(_ELSEWHERE)
    return f"{street} {rng.randint(1, 150)}, {city}"


def dirty_addresses(rng: random.Random, geo: Geography, log: "DirtLog", source: str, entity: str,
                    records: list[dict], picks: dict[str, list[int]], *, id_field: str, text_field: str,
                    truth: list[str | None], kinds: list[str]) -> None:
    """Address text as it gets typed: the picked records get a variant of the register's
    spelling or an address the register does not have; `truth` and `kinds` follow suit."""
    for i in picks["address_variant"]:
        text = address_variant(rng, geo.by_id[truth[i]])
        records[i][text_field] = text
        kinds[i] = "variant"
        log.add(source, "address_variant", {"record": records[i][id_field], "entity": entity,
                                            "adres_id": truth[i], "text": text})
    for i in picks["unknown_address"]:
        records[i][text_field] = unknown_address(rng, geo)
        kinds[i], truth[i] = "unknown", None
        log.add(source, "unknown_address", records[i][id_field])


def invalid_date(rng: random.Random, d: date) -> str:
    """A date that fails xsd:date: an impossible day, or the Belgian dd/mm/yyyy notation."""
    r = rng.random()
    if r < 0.35:
        return f"{d.year}-02-{rng.choice((30, 31))}"
    if r < 0.55:
        return f"{d.year}-{rng.choice((4, 6, 9, 11)):02d}-31"
    if r < 0.85:
        return f"{d:%d/%m/%Y}"
    return f"31/02/{d.year}"


def invalid_datetime(rng: random.Random, iso: str) -> str:
    """Same for an ISO datetime with offset (`2025-03-14T10:23:00+01:00`)."""
    d = date.fromisoformat(iso[:10])
    time, offset = iso[11:19], iso[19:]
    bad = invalid_date(rng, d)
    if "/" in bad:
        return f"{bad} {time[:5]}"
    return f"{bad}T{time}{offset}"


class DirtLog:
    def __init__(self, seed: int, scale: float):
        self.seed, self.scale = seed, scale
        self.sources: dict[str, dict[str, list]] = {}
        self.records: dict[str, dict[str, int]] = {}
        self.address_truth: list[tuple[str, str, str, int | None, str]] = []
        self.person_truth: list[tuple[str, str, str, str]] = []

    def add(self, source: str, kind: str, entry) -> None:
        self.sources.setdefault(source, {}).setdefault(kind, []).append(entry)

    def ensure(self, source: str, kinds: list[str]) -> None:
        """Make the listed kinds present (possibly empty) so the report shape is stable."""
        for k in kinds:
            self.sources.setdefault(source, {}).setdefault(k, [])

    def count(self, source: str, entity: str, n: int) -> None:
        self.records.setdefault(source, {})[entity] = n

    def truth_address(self, source: str, entity: str, record: str, adres_id: int | None, kind: str) -> None:
        self.address_truth.append((source, entity, record, adres_id, kind))

    def truth_person(self, source: str, entity: str, record: str, rrn: str | None) -> None:
        self.person_truth.append((source, entity, record, rrn or ""))

    def counts(self) -> dict[str, dict[str, int]]:
        return {s: {k: len(v) for k, v in kinds.items()} for s, kinds in self.sources.items()}

    def write(self, out: Path) -> None:
        write_json(out / "dirt_report.json", {
            "seed": self.seed, "scale": self.scale, "rates": RATES,
            "records": self.records, "sources": self.sources})
        write_csv(out / "truth" / "adressen.csv", ["source", "entity", "record", "adres_id", "kind"],
                  ([s, e, r, "" if a is None else a, k] for s, e, r, a, k in self.address_truth))
        write_csv(out / "truth" / "personen.csv", ["source", "entity", "record", "rijksregisternummer"],
                  self.person_truth)
