"""Synthetic residents: households living at in-use register addresses, each person with a
valid rijksregisternummer (YYMMDD + counter, odd for men and even for women, + mod-97 check
digits with the 2000+ rule), name, birth date, e-mail and phone."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from .common import REFERENCE_DATE, ascii_slug, make_rrn, rng_for, scaled
from .geography import Geography
from .names import NamePicker

# Belgian household sizes (roughly Statbel): 1..5 persons
HOUSEHOLD_SIZES = [1, 2, 3, 4, 5]
HOUSEHOLD_WEIGHTS = [0.34, 0.32, 0.15, 0.13, 0.06]
MAIL_DOMAINS = ["telenet.be", "gmail.com", "hotmail.com", "skynet.be", "proximus.be", "outlook.com", "yahoo.com"]
MAIL_WEIGHTS = [30, 30, 12, 8, 6, 10, 4]


@dataclass(slots=True)
class Person:
    rrn: str
    voornaam: str
    achternaam: str
    geslacht: str  # "M" / "V"
    geboortedatum: date
    adres_id: int
    email: str | None
    telefoon: str | None

    def age_on(self, day: date) -> int:
        b = self.geboortedatum
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))


class _RrnMinter:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: dict[date, set[int]] = {}

    def mint(self, birth: date, sex: str) -> str:
        used = self.used.setdefault(birth, set())
        while True:
            c = self.rng.randrange(1, 998, 2) if sex == "M" else self.rng.randrange(2, 999, 2)
            if c not in used:
                used.add(c)
                return make_rrn(birth, c)


def _birth(rng: random.Random, age: int) -> date:
    """A birth date so the person is `age` on the reference date."""
    latest = date(REFERENCE_DATE.year - age, REFERENCE_DATE.month, REFERENCE_DATE.day)
    return latest - timedelta(days=rng.randint(0, 364))


_ADULT_AGES = list(range(19, 99))
# household heads: flat 19..64 with fewer very young heads, then thinning out towards 98
_ADULT_WEIGHTS = [(0.5 if a < 24 else 1.0) if a <= 66 else max(0.04, 1.0 - (a - 66) / 34) for a in _ADULT_AGES]


def _adult_age(rng: random.Random) -> int:
    return rng.choices(_ADULT_AGES, weights=_ADULT_WEIGHTS, k=1)[0]


def _phone(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return f"04{rng.choice('5679')}{rng.randint(0, 9)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
    return f"016 {rng.randint(70, 89)} {rng.randint(10, 99)} {rng.randint(10, 99)}"


def _email(rng: random.Random, voornaam: str, achternaam: str) -> str:
    first, last = ascii_slug(voornaam), ascii_slug(achternaam)
    form = rng.random()
    local = f"{first}.{last}" if form < 0.55 else (f"{first}{last}" if form < 0.75 else f"{first[0]}{last}{rng.randint(1, 99)}")
    return f"{local}@{rng.choices(MAIL_DOMAINS, weights=MAIL_WEIGHTS, k=1)[0]}"


def build_population(seed: int, scale: float, geo: Geography) -> list[Person]:
    rng = rng_for(seed, "population")
    names = NamePicker(rng)
    minter = _RrnMinter(rng)
    n_persons = scaled(37_000, scale, 50)
    homes = list(geo.in_use)
    rng.shuffle(homes)
    persons: list[Person] = []

    def add(sex: str, age: int, surname: str, home: int) -> None:
        birth = _birth(rng, age)
        voornaam = names.given(sex)
        email = _email(rng, voornaam, surname) if age >= 14 and rng.random() < 0.72 else None
        phone = _phone(rng) if age >= 14 and rng.random() < 0.85 else None
        persons.append(Person(minter.mint(birth, sex), voornaam, surname, sex, birth, home, email, phone))

    h = 0
    while len(persons) < n_persons:
        home = homes[h % len(homes)]
        h += 1
        size = min(rng.choices(HOUSEHOLD_SIZES, weights=HOUSEHOLD_WEIGHTS, k=1)[0], n_persons - len(persons))
        head_sex = "M" if rng.random() < 0.5 else "V"
        head_age = _adult_age(rng)
        if size >= 3:
            head_age = min(head_age, rng.randint(27, 58))
        family = names.surname()
        add(head_sex, head_age, family, home)
        if size == 1:
            continue
        if size == 2 and rng.random() < 0.25 and head_age >= 38:
            # single parent with a child
            add("M" if rng.random() < 0.5 else "V", rng.randint(0, min(25, head_age - 19)), family, home)
            continue
        partner_sex = ("V" if head_sex == "M" else "M") if rng.random() < 0.96 else head_sex
        partner_age = max(19, min(98, head_age + int(rng.gauss(0, 3.5))))
        add(partner_sex, partner_age, family if rng.random() < 0.15 else names.surname(), home)
        youngest_parent = min(head_age, partner_age)
        for _ in range(size - 2):
            kid_age = rng.randint(max(0, youngest_parent - 45), max(0, min(25, youngest_parent - 19)))
            add("M" if rng.random() < 0.51 else "V", kid_age, family, home)
    return persons
