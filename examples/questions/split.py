"""The split between the held-out questions and the translator's retrieval catalogue.

A held-out question clashes with a catalogue question when, after normalisation (lower case,
accents off, punctuation as spaces) and after filling the slots of both sides with the same
values, rapidfuzz's token-set ratio is >= 90. The values of a held-out question are its own slot
values plus the entities its text names (product, street, deelgemeente, day, period, ... found
with a lexicon built from the source files); each value is written as one token on both sides so
a long name cannot carry the character-based ratio on its own. The token-set ratio's subset
shortcut (every word of one text occurs in the other: 100) only counts when the shorter text
has at least 60 % of the longer one's words; below that the token-sort ratio is used.

The catalogue is read whatever its format (YAML, JSON, JSONL, TOML, CSV, text, SPARQL files
with the question in a comment). Used by tests/nl2sparql/test_question_split.py and by
`schakel eval`, which also reports its figures without the clashing questions.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .gold import fold

CATALOGUE = Path(__file__).resolve().parents[2] / "nl2sparql" / "catalogue"
THRESHOLD = 90
MIN_LENGTH_SHARE = 0.6
# keys whose string values are natural-language questions in a catalogue entry
QUESTION_KEYS = re.compile(r"^(question|questions|vraag|vragen|nl|text|tekst|utterance|utterances|template|templates|"
                           r"paraphrase|paraphrases|parafrase|parafrasen|variant|variants|varianten|example|examples|"
                           r"voorbeeld|voorbeelden|q|prompt)$", re.I)
SPARQL_HINT = re.compile(r"\b(SELECT|PREFIX|WHERE|CONSTRUCT|ASK|GRAPH)\b|\?\w+\s|<https?://", re.I)
SLOT = re.compile(r"\{\{?\s*([A-Za-z_][\w.]*)(?:\|[a-z]+)?\s*\}?\}|\$\{?([A-Za-z_]\w*)\}?|<([a-z_]+)>")


def _looks_like_question(s: str) -> bool:
    s = s.strip()
    return 2 <= len(s.split()) <= 60 and not SPARQL_HINT.search(s) and not s.startswith(("http://", "https://"))


def _walk(node, under_question_key: bool, out: list[str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _walk(v, under_question_key or bool(QUESTION_KEYS.match(str(k))), out)
    elif isinstance(node, (list, tuple)):
        for v in node:
            _walk(v, under_question_key, out)
    elif isinstance(node, str) and under_question_key and _looks_like_question(node):
        out.append(node)


def _strings_of_file(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    suffix = path.suffix.lower()
    out: list[str] = []
    if suffix in (".yaml", ".yml"):
        from ruamel.yaml import YAML
        for doc in YAML(typ="safe", pure=True).load_all(text):
            _walk(doc, False, out)
    elif suffix == ".json":
        _walk(json.loads(text), False, out)
    elif suffix == ".jsonl":
        for line in text.splitlines():
            if line.strip():
                _walk(json.loads(line), False, out)
    elif suffix == ".toml":
        _walk(tomllib.loads(text), False, out)
    elif suffix in (".csv", ".tsv"):
        reader = csv.DictReader(io.StringIO(text), delimiter="\t" if suffix == ".tsv" else ",")
        for row in reader:
            _walk(row, False, out)
    elif suffix in (".rq", ".sparql", ".ttl"):
        for line in text.splitlines():
            m = re.match(r"\s*#+\s*(?:[\w -]+:\s*)?(.+)$", line)
            if m and _looks_like_question(m.group(1)):
                out.append(m.group(1))
    elif suffix in (".txt", ".md"):
        for line in text.splitlines():
            line = re.sub(r"^\s*(?:[-*]|\d+[.)])\s+", "", line)
            if _looks_like_question(line) and not line.lstrip().startswith("#"):
                out.append(line)
    return out


def catalogue_questions(folder: Path | str = CATALOGUE) -> list[tuple[str, str]]:
    """(file, question string) for every question-like string in the catalogue."""
    folder = Path(folder)
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith(".") and path.suffix.lower() not in (".py", ".pyc", ".npy", ".bin"):
            for s in _strings_of_file(path):
                out.append((str(path.relative_to(folder)), s))
    return out


# Our slot names -> the catalogue's names for the same kind of value.
ALIASES = {
    "aanvrager": "persoon", "aanvrager_open": "persoon", "aanvrager_eid": "persoon", "sociaal_client": "persoon",
    "melding": "meldingnummer", "open_melding": "meldingnummer", "open_dossiernummer": "dossiernummer",
    "gesloten_dossiernummer": "dossiernummer", "ov_dossiernummer": "dossiernummer", "sociaal_dossier": "sociaaldossiernummer",
    "luchtsensor": "sensor", "geluidsmeter": "sensor", "verkeersteller": "sensor", "pm25sensor": "sensor",
    "sensordag": "periode", "sensorperiode": "periode", "sensoruur": "periode", "straat_voorgesteld": "straat",
    "straat_niet_in_gebruik": "straat", "straat_in_aanbouw": "straat", "adres_met_bus": "adres",
    "adres_met_melding": "adres", "adres_met_dossier": "adres",
}
_N = r"(?:\d+|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|twaalf|dertig)"
_M = r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december)"
PERIODS = [
    rf"\b(?:in |tijdens |over )?(?:de )?(?:laatste|voorbije|afgelopen|vorige) {_N} (?:dagen|weken|maanden)\b",
    rf"\bvan \d+ (?:{_M} )?tot en met \d+ {_M} \d{{4}}\b",
    rf"\bop \d+ {_M} \d{{4}}(?: om \d+ uur)?\b",
    rf"\bsinds (?:het begin van dit jaar|{_M}|\d+ {_M}(?: \d{{4}})?)\b",
    r"\b(?:in |tijdens )?(?:de zomer|het (?:eerste|tweede|derde|vierde) kwartaal) van \d{4}\b",
    rf"\b(?:in |tijdens )?(?:{_M} )?\d{{4}}\b",
    r"\b(?:vorige|verleden|deze|afgelopen|voorbije) (?:week|maand)\b",
    r"\b(?:dit|vorig|verleden) jaar\b", r"\b(?:eer)?gisteren\b", r"\bvandaag\b",
]


def _lexicon(data) -> dict[str, list[str]]:
    """Catalogue slot name -> folded entity mentions to look for in a held-out question."""
    def words(values):
        return sorted({fold(v) for v in values if v and fold(v)}, key=len, reverse=True)

    products = [p["naam"] for p in data.products] + [k for p in data.products for k in p["trefwoorden"]]
    units = [u["naam"] for u in data.units.values()]
    places = units + [c["naam"] for c in data.counters.values()] + [loc["naam"] for loc in data.locations.values()]
    sensors = [s["id"] for s in data.sensors.values()] + [s["naam"] for s in data.sensors.values()]
    return {
        "product": words(products), "deelgemeente": words(data.deelgemeenten), "straat": words(data.streets),
        "dienst": words(units), "plaats": words(places), "vestiging": words(l["naam"] for l in data.locations.values()),
        "loket": words(c["naam"] for c in data.counters.values()), "sensor": words(sensors),
        "dag": words(["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]),
        "grootheid": words(["PM10", "PM2.5", "NO2", "LAeq", "voertuigen", "fijnstof", "fijn stof", "geluid", "lawaai"]),
        "dossiertype": words(["omgevingsvergunning", "eid", "rijbewijs", "reispas", "huwelijk", "adreswijziging", "premie",
                              "evenement", "uittreksel"]),
        "meldingtype": words(["sluikstort", "zwerfvuil", "straatverlichting", "wegdek", "voetpad", "groen", "riolering",
                              "verkeersbord", "graffiti", "geluidsoverlast"]),
        "document": words(b["naam"] for p in data.products for b in p["bewijsstukken"]),
        "kanaaltype": words(["balie", "loket", "online", "telefoon", "email", "e-mail", "mail"]),
    }


# Most specific kinds first; a mention found for one kind is not reused for another.
LEXICON_ORDER = ["meldingtype", "dossiertype", "grootheid", "dag", "deelgemeente", "straat", "sensor", "loket",
                 "vestiging", "dienst", "plaats", "document", "kanaaltype", "product"]
GENERIC_WORDS = {"melding", "adres", "afspraak", "onthaal", "informatie", "attest", "balie", "loket", "online",
                 "premie", "vergunning", "huren", "wonen", "advies", "energie", "reizen", "kinderen", "senioren"}


def _values_for(inst, lexicon) -> dict[str, str]:
    """The values of one held-out question, under the catalogue's slot names: its own slot
    values, then entity mentions found in its text (fixed-text questions name their entity)."""
    text = fold(inst.text)
    values: dict[str, str] = {}
    for name, v in inst.slots.items():
        base = re.sub(r"\d+$", "", name)
        target = ALIASES.get(base, base)
        if target == "adres":
            values.setdefault("straat", str(v.fields.get("straat", "")))
            values.setdefault("huisnummer", str(v.fields.get("huisnummer", "")))
            values.setdefault("adres", v.text)
        else:
            values.setdefault(target, v.text)
    rest = f" {text} "
    for v in values.values():
        if fold(v):
            rest = rest.replace(f" {fold(v)} ", " | ")
    for pattern in PERIODS:
        m = re.search(pattern, rest)
        if m and "periode" not in values:
            values["periode"] = m.group(0).strip()
            rest = rest.replace(m.group(0), " | ")
    m = re.search(r"\b(?:[a-z]{2,3}|m|soc) \d{4} \d{4,6}\b", rest)
    if m:
        values.setdefault("dossiernummer", m.group(0))
        values.setdefault("meldingnummer", m.group(0))
        rest = rest.replace(m.group(0), " | ")
    for kind in LEXICON_ORDER:
        if kind in values:
            continue
        found = next((e for e in lexicon.get(kind, ()) if e not in GENERIC_WORDS and f" {e} " in rest), None)
        if found:
            values[kind] = found
            rest = rest.replace(f" {found} ", " | ")
    m = re.search(r"\b\d+\b", rest)
    if m:
        values.setdefault("getal", m.group(0))
    return values


def _fill(template: str, values: dict[str, str]) -> str:
    """Replace {slot}, {{slot}}, ${slot} and <slot> placeholders whose base name has a value
    (digits and .field suffixes ignored); others become the bare slot name."""
    def sub(m: re.Match) -> str:
        name = next(g for g in m.groups() if g)
        base = re.sub(r"\d+$", "", name.split(".")[0].lower())
        return values.get(base, values.get(ALIASES.get(base, base), ALIASES.get(base, base).replace("_", " ")))
    return SLOT.sub(sub, template)


def _tokenised(text: str, values: dict[str, str]) -> str:
    """Folded text with every known value written as ONE token `slot<kind>`: both sides then
    carry the same value in the same form, and a long name (a product title) cannot dominate
    the character-based ratio on its own."""
    out = f" {fold(text)} "
    for kind, value in sorted(values.items(), key=lambda kv: -len(fold(kv[1]))):
        v = fold(value)
        if v and f" {v} " in out:
            out = out.replace(f" {v} ", f" slot{kind.replace('_', '')} ")
    return " ".join(out.split())


def _similarity(fuzz, a: str, b: str) -> float:
    """Token-set ratio, except that its subset shortcut (a text whose words all occur in the
    other scores 100) only counts when the shorter text has at least MIN_LENGTH_SHARE of the
    longer one's words: "status {dossiernummer}" is not a paraphrase of every question that
    mentions a status and a dossier number."""
    ta, tb = a.split(), b.split()
    if not ta or not tb:
        return 0.0
    if min(len(ta), len(tb)) / max(len(ta), len(tb)) < MIN_LENGTH_SHARE:
        return fuzz.token_sort_ratio(a, b)
    return fuzz.token_set_ratio(a, b)


@dataclass(frozen=True)
class Clash:
    id: str
    question: str
    file: str
    catalogue_question: str
    score: float
    compared: str

    def __str__(self) -> str:
        return f"{self.id} {self.question!r} ~ {self.file}: {self.catalogue_question!r} ({self.score:.0f}: {self.compared})"


def near_duplicates(instances, lexicon, catalogue) -> list[Clash]:
    """Every (held-out instance, catalogue question) pair at or above the threshold."""
    from rapidfuzz import fuzz

    out = []
    bare_theirs = [fold(_fill(q, {})) for _, q in catalogue]
    for inst in instances:
        values = _values_for(inst, lexicon)
        mine, bare_mine = _tokenised(inst.text, values), fold(_fill(inst.question.template, {}))
        for j, (where, q) in enumerate(catalogue):
            filled = _tokenised(_fill(q, values), values)
            score = max(_similarity(fuzz, mine, filled), _similarity(fuzz, bare_mine, bare_theirs[j]))
            if score >= THRESHOLD:
                out.append(Clash(inst.id, inst.text, where, q, score, f"{mine!r} / {filled!r}"))
    return out


def lexicon(data) -> dict[str, list[str]]:
    return _lexicon(data)
