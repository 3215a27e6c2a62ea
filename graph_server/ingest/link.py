"""Linking keys across applications: address text to the address register, national register
numbers to pseudonymous person keys."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

# Abbreviations counter staff type; applied to whole words after lower-casing.
_ABBREVIATIONS = {
    "mkt": "markt", "str": "straat", "stwg": "steenweg", "stw": "steenweg", "stwg.": "steenweg",
    "ln": "laan", "pl": "plein", "st": "sint", "gen": "generaal", "o.l.": "oude leuvense",
}
_ADDRESS = re.compile(
    r"^(?P<street>.*?)[\s,]+(?P<number>\d+)\s*(?P<suffix>[a-z]?)"
    r"(?:\s*(?:bus|bte|b|/)\s*(?P<box>[0-9a-z]+))?$"
)


_SEPARATORS = re.compile(r"[^\w/]+")


@lru_cache(maxsize=65536)
def normalise_text(text: str) -> str:
    """Lower case, no accents, single spaces, hyphens and punctuation as spaces."""
    if not text.isascii():
        text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", text.lower().replace("_", " ")).strip()


def normalise_street(street: str) -> str:
    words = []
    for word in normalise_text(street).split():
        words.append(_ABBREVIATIONS.get(word, word))
    joined = " ".join(words)
    return joined


def _normalise_box(box: str | None) -> str:
    if not box:
        return ""
    box = box.lower().lstrip("0") or "0"
    return box


@dataclass(frozen=True)
class ParsedAddress:
    street: str
    number: str
    box: str


@lru_cache(maxsize=65536)
def parse_address(text: str, postcodes: tuple[str, ...], place_names: tuple[str, ...]) -> ParsedAddress | None:
    """Split counter-typed address text into street, house number and box."""
    cleaned = normalise_text(text.replace("/", " / "))
    # Drop a trailing "3300 tienen" / "3300" / "tienen" that is not part of the street.
    for code in postcodes:
        cleaned = re.sub(rf"\s*\b{code}\b.*$", "", cleaned)
    names = sorted((normalise_text(n) for n in place_names), key=len, reverse=True)
    for name in names:
        if cleaned.endswith(" " + name):
            cleaned = cleaned[: -len(name) - 1].rstrip(" ,")
    match = _ADDRESS.match(cleaned.strip(" ,"))
    if not match:
        return None
    return ParsedAddress(
        street=normalise_street(match["street"]),
        number=match["number"] + (match["suffix"] or ""),
        box=_normalise_box(match["box"]),
    )


@dataclass(frozen=True)
class AddressMatch:
    adres_id: int | None
    confidence: float
    method: str  # exact | box-missing | fuzzy-street | unparsed | not-found | ambiguous


@dataclass
class AddressRegister:
    """The address register (GIS export) as a lookup index."""

    postcodes: tuple[str, ...]
    place_names: tuple[str, ...]
    threshold: float = 0.9
    _by_key: dict[tuple[str, str, str], int] = field(default_factory=dict)
    _boxes: dict[tuple[str, str], list[tuple[str, int]]] = field(default_factory=dict)
    _streets: list[str] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (record, text)

    def add(self, adres_id: int, street: str, number: str, box: str | None) -> None:
        street_key = normalise_street(street)
        number_key = normalise_text(number).replace(" ", "")
        self._by_key[(street_key, number_key, _normalise_box(box))] = adres_id
        self._boxes.setdefault((street_key, number_key), []).append((_normalise_box(box), adres_id))

    def freeze(self) -> None:
        self._streets = sorted({key[0] for key in self._by_key})

    def __len__(self) -> int:
        return len(self._by_key)

    def match(self, text: str | None) -> AddressMatch:
        if not text or not text.strip():
            return AddressMatch(None, 0.0, "empty")
        parsed = parse_address(text, self.postcodes, self.place_names)
        if parsed is None:
            return AddressMatch(None, 0.0, "unparsed")
        street, confidence = parsed.street, 1.0
        if (street, parsed.number) not in self._boxes:
            if not self._streets:
                return AddressMatch(None, 0.0, "not-found")
            best = process.extractOne(street, self._streets, scorer=fuzz.ratio)
            if best is None:
                return AddressMatch(None, 0.0, "not-found")
            street, score = best[0], best[1] / 100.0
            if (street, parsed.number) not in self._boxes:
                return AddressMatch(None, score, "not-found")
            confidence = score
        exact = self._by_key.get((street, parsed.number, parsed.box))
        if exact is not None:
            return AddressMatch(exact, confidence, "exact" if confidence == 1.0 else "fuzzy-street")
        candidates = self._boxes[(street, parsed.number)]
        if not parsed.box and len(candidates) > 1:
            # Box number missing while the register has several: do not guess.
            return AddressMatch(None, 0.5 * confidence, "ambiguous")
        if not parsed.box:
            return AddressMatch(candidates[0][1], confidence, "exact" if confidence == 1.0 else "fuzzy-street")
        # A box the register does not know on an existing number: the building is right, the unit is not.
        return AddressMatch(None, 0.5 * confidence, "unknown-box")

    def link(self, record: str, text: str | None) -> AddressMatch:
        """Match and keep statistics; below the threshold the address stays text only."""
        found = self.match(text)
        if found.adres_id is not None and found.confidence >= self.threshold:
            self.stats["linked"] += 1
            return found
        if text and text.strip():
            self.stats["unresolved"] += 1
            self.unresolved.append((record, text))
        else:
            self.stats["empty"] += 1
        return AddressMatch(None, found.confidence, found.method)


_RRN_DIGITS = re.compile(r"\D")


def normalise_national_number(value: str | None) -> str | None:
    """The 11 digits of a Belgian national register number if its checksum holds, else None."""
    if not value:
        return None
    digits = _RRN_DIGITS.sub("", str(value))
    if len(digits) != 11:
        return None
    body, check = int(digits[:9]), int(digits[9:])
    if 97 - body % 97 == check or 97 - int("2" + digits[:9]) % 97 == check:
        return digits
    return None


class Pseudonymiser:
    """Keyed HMAC of the national register number: stable for one secret, not reversible
    without it, and the number itself never leaves this object."""

    def __init__(self, secret: bytes):
        self._secret = secret
        self.stats: Counter = Counter()

    def person_key(self, national_number: str | None) -> str | None:
        digits = normalise_national_number(national_number)
        if digits is None:
            self.stats["invalid" if national_number else "missing"] += 1
            return None
        self.stats["pseudonymised"] += 1
        return hmac.new(self._secret, digits.encode(), hashlib.sha256).hexdigest()[:32]
