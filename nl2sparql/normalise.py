"""Dutch question normalisation: case, accents, punctuation, spelling variants, abbreviations
and typos, so that the linker and the retriever compare like with like.

`fold` is the one key function every label and every question goes through; `Normaliser`
adds the vocabulary-aware steps (variants, typo repair against the words the catalogue and
the visible labels actually use).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z]+")

# Spelling variants and abbreviations counter staff type -> the form the catalogue uses.
VARIANTS: dict[str, str] = {
    "openingstijden": "openingsuren", "openingstijd": "openingsuren", "openingsuur": "openingsuren",
    "openingsure": "openingsuren", "openinguren": "openingsuren", "uren": "uren",
    "idkaart": "identiteitskaart", "identiteitskaartje": "identiteitskaart",
    "e-id": "eid", "paspoort": "reispas", "paspoorten": "reispassen",
    "kostprijs": "kost", "tarief": "kost", "tarieven": "kost", "prijs": "kost", "kosten": "kost", "kostte": "kost",
    "straatnamen": "straten", "straatnaam": "straat", "mkt": "markt", "str": "straat", "stwg": "steenweg", "stw": "steenweg",
    "st": "sint", "ste": "sint",
    "gsm": "telefoon", "telefoonnummer": "telefoon", "nr": "nummer",
    "mail": "email", "e-mail": "email", "emailadres": "email", "mailadres": "email",
    "ocmw": "ocmw", "gemiddeld": "gemiddelde", "gemiddelden": "gemiddelde",
    "fijnstof": "fijn stof", "pm25": "pm2 5", "pm2.5": "pm2 5", "pm2,5": "pm2 5",
    "stikstof": "stikstofdioxide", "lawaai": "geluid", "decibel": "geluid",
    "auto's": "voertuigen", "autos": "voertuigen", "wagens": "voertuigen",
    "wanneer": "wanneer", "vandaag": "vandaag",
    "dossiers": "dossiers", "dosier": "dossier", "dossie": "dossier",
    "zaterdags": "zaterdag", "zondags": "zondag", "maandags": "maandag", "dinsdags": "dinsdag",
    "woensdags": "woensdag", "donderdags": "donderdag", "vrijdags": "vrijdag",
    "ma": "maandag", "di": "dinsdag", "wo": "woensdag", "do": "donderdag", "vr": "vrijdag",
    "za": "zaterdag",
    # verb forms and compounds people use for a product whose keyword is another form
    "verhuis": "verhuizen", "verhuist": "verhuizen", "verhuisd": "verhuizen", "verhuizing": "verhuizen",
    "trouw": "trouwen", "trouwt": "trouwen", "trouwde": "trouwen",
    "huisvuilzak": "huisvuil zakken", "huisvuilzakken": "huisvuil zakken", "vuilniszakken": "huisvuil zakken",
    "vuilniszak": "huisvuil zakken",
}

# "het weekend" is both weekend days; "zaterdagvoormiddag" is the day and a part of it
VARIANTS.update({"weekend": "zaterdag zondag", "weekends": "zaterdag zondag", "weekenddagen": "zaterdag zondag"})
VARIANTS.update({f"{day}{part}": f"{day} {part}"
                 for day in ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
                 for part in ("voormiddag", "namiddag", "middag", "avond", "ochtend", "morgen", "nacht")})

# Multi-word negations that mean one positive property ("niet gratis" is "betalend").
PHRASES: dict[tuple[str, ...], str] = {
    ("niet", "gratis"): "betalend", ("niet", "kosteloos"): "betalend", ("niet", "kostenloos"): "betalend",
}

# Words never "corrected" into something else (short function words, slot cues).
STOPWORDS = frozenset("""
de het een en of van voor in op aan te met bij naar om uit is zijn was waren wordt worden word
ik je u jij hij zij we wij ze mijn uw zijn haar ons onze hun er hier daar dat dit die deze
wat wie waar wanneer hoe hoeveel hoelang welk welke waarom kan kun kunt mag moet moeten zal
zou zouden heb hebt heeft hebben had niet geen wel ook nog al maar als dan tot sinds per
nu graag even eens toch dus alle alles iets
""".split())


# Real Dutch words that look like a catalogue or label word but mean something else: a typo
# repair would change the question ("duurde" is not "duurder", "zaken" not "zakken", "opende"
# not "lopende", "statussen" not "statuten").
DUTCH_WORDS = frozenset("""
duurde duurden zaken opende openden opent geeft kopen koopt woont statussen status voorgesteld
gebeurd gebeurde gemeld meldde meldden kreeg kregen kwam kwamen liep liepen lopen
""".split())


def fold(text: str) -> str:
    """Lower case, accents removed, typographic quotes and dashes made plain, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", "-")
    return _SPACE.sub(" ", text.lower()).strip()


def key(text: str) -> str:
    """The matching key of a label or phrase: folded, every non-alphanumeric run one space."""
    return _SPACE.sub(" ", _NON_WORD.sub(" ", fold(text))).strip()


def tokens(text: str) -> list[str]:
    return key(text).split()


@dataclass(frozen=True)
class Normalised:
    original: str
    text: str            # folded and repaired, words separated by single spaces
    tokens: tuple[str, ...]
    corrections: tuple[tuple[str, str], ...] = ()


def _phrases(words: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for span, replacement in PHRASES.items():
            if tuple(words[i:i + len(span)]) == span:
                out.extend(replacement.split())
                i += len(span)
                break
        else:
            out.append(words[i])
            i += 1
    return out


class Normaliser:
    """Applies the variants table and repairs typos against a known vocabulary."""

    def __init__(self, vocabulary: Iterable[str] = ()):
        words = {w for w in vocabulary if len(w) >= 3 and not w.isdigit()}
        self.vocabulary = frozenset(words)
        self._choices = sorted(words)
        self._cache: dict[str, str] = {}

    def _repair(self, word: str) -> str:
        if (word in self.vocabulary or word in STOPWORDS or word in DUTCH_WORDS or len(word) < 5
                or any(c.isdigit() for c in word)):
            return word
        if word in self._cache:
            return self._cache[word]
        cutoff = 86 if len(word) < 8 else 82
        # a typo keeps the first letter and about the length; "verwachten" -> "wachten" or
        # "voorgesteld" -> "voorstel" are other words, not repairs
        slack = 2 if len(word) < 12 else 3
        choices = [c for c in self._choices if c[0] == word[0] and abs(len(c) - len(word)) <= slack]
        found = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff)
        repaired = found[0] if found else word
        if len(self._cache) < 50_000:
            self._cache[word] = repaired
        return repaired

    def __call__(self, text: str) -> Normalised:
        words: list[str] = []
        corrections: list[tuple[str, str]] = []
        for raw in tokens(text.replace("'s ", "s ")):
            variant = VARIANTS.get(raw, raw)
            for word in variant.split():
                repaired = self._repair(word)
                if repaired != word:
                    corrections.append((word, repaired))
                words.append(repaired)
        words = _phrases(words)
        return Normalised(text, " ".join(words), tuple(words), tuple(corrections))
