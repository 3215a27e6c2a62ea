"""Entity linking over the labels the asker may see.

Labels are fetched THROUGH the scope gate with the asker's own principal, so a role can only
ever link what it could query: a balie employee never links a social file, the public never
links a person. Person names are fetched only for roles whose graphs include the persons
graph. The label index is cached per scope (the set of graphs) and store generation.

Matching is token coverage: a label matches when (almost) all its content words occur in the
question, exactly, as part of a Dutch compound ("leefloondossier" ⊃ "leefloon") or within a
small edit distance (typos). Identifiers (dossier numbers, melding ids, capakeys), house
numbers, weekdays, clock times and plain numbers are recognised by pattern.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from graph_server.config import Config
from graph_server.scopes import Principal, ScopeGate
from nl2sparql.normalise import STOPWORDS, VARIANTS, fold, key, tokens

SK = "https://w3id.org/schakel/ns#"
CONCEPT_SCHEMES = {
    "https://w3id.org/schakel/id/conceptscheme/": None,  # local name = kind
    "https://productencatalogus.data.vlaanderen.be/id/conceptscheme/": None,
}
DAYS = {"maandag": "Monday", "dinsdag": "Tuesday", "woensdag": "Wednesday", "donderdag": "Thursday",
        "vrijdag": "Friday", "zaterdag": "Saturday", "zondag": "Sunday"}
DAY_NL = {v: k for k, v in DAYS.items()}

# Words that say nothing about which entity is meant (never enough to link on their own).
GENERIC = frozenset("""
dienst diensten loket loketten balie stad tienen straat product producten aanvraag aanvragen
procedure premie premies vergunning attest kaart huis centrum de het van voor en of in op aan met
subsidie belasting melding meldingen dossier dossiers sensor meetpunt graag info informatie
""".split())

PREFIX = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX cpsv: <http://purl.org/vocab/cpsv#>
PREFIX m8g: <http://data.europa.eu/m8g/>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX adres: <https://data.vlaanderen.be/ns/adres#>
PREFIX sosa: <http://www.w3.org/ns/sosa/>
PREFIX person: <http://www.w3.org/ns/person#>
PREFIX sk: <https://w3id.org/schakel/ns#>
"""

LABEL_QUERIES: dict[str, str] = {
    "straat": "SELECT ?e ?l WHERE { ?e a adres:Straatnaam ; rdfs:label ?l }",
    "deelgemeente": "SELECT ?e ?l WHERE { ?e a sk:Deelgemeente ; rdfs:label ?l }",
    "product": "SELECT ?e ?l ?alt WHERE { ?e a cpsv:PublicService ; dct:title ?l . OPTIONAL { ?e dcat:keyword ?alt } }",
    "dienst": "SELECT ?e ?l ?alt WHERE { ?e a org:OrganizationalUnit ; skos:prefLabel ?l . OPTIONAL { ?e skos:notation ?alt } }",
    "loket": "SELECT ?e ?l WHERE { ?e a m8g:Channel ; rdfs:label ?l ; m8g:ownedBy ?d }",
    "vestiging": "SELECT ?e ?l WHERE { ?e a org:Site ; rdfs:label ?l }",
    "sensor": "SELECT ?e ?l ?alt WHERE { ?e a sosa:Sensor ; rdfs:label ?l . OPTIONAL { ?e dct:identifier ?alt } }",
    "document": "SELECT DISTINCT ?l WHERE { ?x a m8g:Evidence ; dct:title ?l }",
    "concept": "SELECT ?e ?l ?alt ?scheme WHERE { ?e skos:inScheme ?scheme ; skos:prefLabel ?l . "
               "FILTER(LANG(?l) = 'nl') OPTIONAL { ?e skos:notation ?alt } }",
    "persoon": "SELECT ?e ?l WHERE { ?e a person:Person ; rdfs:label ?l }",
}

# Extra ways people name some concepts (by concept notation).
CONCEPT_ALIASES = {
    "eid": ["identiteitskaart", "id kaart", "eid kaart"], "uittreksel": ["uittreksels"],
    "reispas": ["reispassen", "paspoort", "paspoorten"], "rijbewijs": ["rijbewijzen"],
    "omgevingsvergunning": ["bouwvergunning", "omgevingsvergunningen", "bouwaanvraag"],
    "adreswijziging": ["verhuis", "verhuizing", "verhuizen", "adreswijzigingen"], "premie": ["premies", "premiedossier"],
    "evenement": ["evenementen", "evenementdossier"], "huwelijk": ["huwelijken", "trouw", "trouwen"],
    "in_behandeling": ["in behandeling", "lopende behandeling"], "wacht_op_aanvrager": ["wachten op aanvrager"],
    "pm10": ["pm10", "fijn stof"], "pm2_5": ["pm2 5"], "no2": ["no2", "stikstofdioxide"],
    "laeq": ["geluid", "geluidsniveau", "lawaai"], "voertuigen": ["verkeer", "voertuigen", "auto"],
    "sluikstort": ["sluikstorten", "sluikstorting", "dumping"], "straatverlichting": ["lantaarnpaal", "straatlicht"],
    "wegdek": ["put in de weg", "putten"], "groen": ["groenonderhoud"], "graffiti": ["tags"],
    "geluidsoverlast": ["lawaaihinder", "geluidshinder"], "riolering": ["riool"],
    "luchtkwaliteit": ["luchtmeetpunt", "lucht"], "geluid": ["geluidsmeter"], "verkeer": ["verkeersteller"],
    "leefloon": ["leefloondossier", "leefloondossiers"], "schuldbemiddeling": ["schulden"],
}


@dataclass(frozen=True)
class Mention:
    kind: str            # straat, deelgemeente, product, dienst, loket, vestiging, sensor, persoon,
                         # document, a concept scheme name (dossiertype, meldingtype, ...), dag,
                         # dossiernummer, meldingnummer, capakey, huisnummer, getal, tijd
    value: str           # IRI for entities, the literal for identifiers
    label: str
    score: float
    positions: frozenset[int] = frozenset()  # token positions in the normalised question
    extra: tuple = ()

    @property
    def is_iri(self) -> bool:
        return self.value.startswith("http")


@dataclass
class _Entry:
    kind: str
    iri: str
    label: str
    names: list[tuple[str, ...]] = field(default_factory=list)  # token tuples that name it
    weak: list[tuple[str, ...]] = field(default_factory=list)   # shared keywords (weaker)


@dataclass
class LabelIndex:
    entries: list[_Entry]
    by_token: dict[str, list[tuple[int, int, bool]]]  # token -> (entry, name index, weak)
    vocabulary: list[str]
    labels: dict[str, str]  # IRI -> label (for answers)


class Linker:
    def __init__(self, config: Config, gate: ScopeGate, *, ttl_seconds: float = 600.0):
        self.config = config
        self.gate = gate
        self.ttl_seconds = ttl_seconds
        self._cache: dict[tuple, tuple[float, LabelIndex]] = {}
        self._lock = threading.Lock()

    # --- the label index per scope ----------------------------------------------------------
    def _scope_key(self, principal: Principal) -> tuple:
        return (principal.all_graphs, tuple(sorted(principal.graphs)), str(self.gate.store.generation))

    def index(self, principal: Principal) -> LabelIndex:
        import time

        key_ = self._scope_key(principal)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(key_)
            if cached is not None and now - cached[0] < self.ttl_seconds:
                return cached[1]
        built = self._build(principal)
        with self._lock:
            self._cache[key_] = (now, built)
        return built

    def may_see_persons(self, principal: Principal) -> bool:
        return "personen" in self.config.graphs and principal.may_access(self.config.graph_iri("personen"))

    def _rows(self, principal: Principal, query: str) -> list[dict[str, str]]:
        outcome = self.gate.evaluate(principal, PREFIX + query, max_rows=200_000)
        return [{k: v.value for k, v in row.items()} for row in outcome.rows()]

    def _build(self, principal: Principal) -> LabelIndex:
        entries: dict[tuple[str, str], _Entry] = {}
        keyword_count: dict[str, set[str]] = defaultdict(set)
        for kind, query in LABEL_QUERIES.items():
            if kind == "persoon" and not self.may_see_persons(principal):
                continue
            for row in self._rows(principal, query):
                label = row.get("l", "")
                if kind == "document":
                    iri = "document:" + label
                    entry_kind = "document"
                elif kind == "concept":
                    scheme = row.get("scheme", "")
                    entry_kind = scheme.rstrip("/").rsplit("/", 1)[-1].lower()
                    iri = row["e"]
                else:
                    iri, entry_kind = row["e"], kind
                entry = entries.get((entry_kind, iri))
                if entry is None:
                    entry = entries[(entry_kind, iri)] = _Entry(entry_kind, iri, label)
                    entry.names.append(tuple(_content(label)))
                    inner = re.findall(r"\(([^)]+)\)", label)
                    for part in inner:
                        entry.names.append(tuple(_content(part)))
                    if entry_kind == "straat" or entry_kind == "deelgemeente":
                        entry.names.append(tuple(tokens(label)))
                alt = row.get("alt")
                if alt:
                    if kind == "product":
                        keyword_count[key(alt)].add(iri)
                        entry.weak.append(tuple(tokens(alt)))
                    else:
                        entry.names.append(tuple(tokens(alt)))
                if entry_kind in ("dossiertype", "dossierstatus", "meldingtype", "meldingstatus", "grootheid",
                                  "sensortype", "steunvorm", "sociaaldossierstatus", "kanaaltype"):
                    notation = iri.rsplit("/", 1)[-1]
                    entry.names.append(tuple(tokens(notation.replace("_", " "))))
                    for alias in CONCEPT_ALIASES.get(notation, []):
                        entry.names.append(tuple(tokens(alias)))
        # keywords shared by many products say little: keep only the specific ones
        for entry in entries.values():
            if entry.kind == "product":
                entry.weak = [w for w in entry.weak if len(keyword_count[" ".join(w)]) <= 3]
            entry.names = [n for n in dict.fromkeys(entry.names) if n]
        ordered = list(entries.values())
        by_token: dict[str, list[tuple[int, int, bool]]] = defaultdict(list)
        for i, entry in enumerate(ordered):
            for j, name in enumerate(entry.names):
                for tok in set(name):
                    by_token[tok].append((i, j, False))
            for j, name in enumerate(entry.weak):
                for tok in set(name):
                    by_token[tok].append((i, j, True))
        labels = {e.iri: e.label for e in ordered}
        return LabelIndex(ordered, dict(by_token), sorted(by_token), labels)

    # --- linking ----------------------------------------------------------------------------
    def link(self, words: tuple[str, ...], original: str, principal: Principal) -> list[Mention]:
        index = self.index(principal)
        mentions = self._labels(words, index)
        mentions += identifiers(original, words)
        mentions += _house_numbers(words, mentions)
        return mentions

    def label_of(self, principal: Principal, iri: str) -> str | None:
        return self.index(principal).labels.get(iri)

    def _labels(self, words: tuple[str, ...], index: LabelIndex) -> list[Mention]:
        # which question position can stand for which index token
        matches: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for pos, word in enumerate(words):
            if word in STOPWORDS:
                continue
            if word in index.by_token:
                matches[word].append((pos, 1.0))
            if len(word) >= 5:
                for found, score, _ in process.extract(word, index.vocabulary, scorer=fuzz.ratio, limit=4,
                                                       score_cutoff=86 if len(word) < 8 else 82):
                    if found != word:
                        matches[found].append((pos, 0.9 * score / 100))
                # compounds: the word begins or ends with a known token of 5+ letters
                for size in range(len(word) - 3, 4, -1):
                    head, tail = word[:size], word[-size:]
                    if head in index.by_token:
                        matches[head].append((pos, 0.85))
                        break
                    if tail in index.by_token and size >= 6:
                        matches[tail].append((pos, 0.8))
                        break
        candidates: dict[tuple[int, int, bool], None] = {}
        for tok in matches:
            for ref in index.by_token.get(tok, ()):
                candidates[ref] = None
        best: dict[int, Mention] = {}
        for entry_i, name_i, weak in candidates:
            entry = index.entries[entry_i]
            name = (entry.weak if weak else entry.names)[name_i]
            content = [t for t in name if t not in STOPWORDS] or list(name)
            got: list[tuple[int, float]] = []
            for tok in content:
                options = matches.get(tok)
                if options:
                    got.append(max(options, key=lambda o: o[1]))
            if not got:
                continue
            specific = [t for t in content if t not in GENERIC]
            matched_specific = [t for t in specific if t in matches]
            if not matched_specific:
                continue  # only generic words matched ("dienst", "premie")
            coverage = sum(s for _, s in got) / len(content)
            if entry.kind in ("straat", "persoon", "deelgemeente", "vestiging", "loket") and coverage < 0.8:
                continue
            score = coverage * (0.75 if weak else 1.0)
            if score < 0.45:
                continue
            mention = Mention(entry.kind, entry.iri, entry.label, round(score, 3),
                              frozenset(p for p, _ in got))
            if entry_i not in best or best[entry_i].score < mention.score:
                best[entry_i] = mention
        out = list(best.values())
        # within a kind, keep the best-covering labels (ties are kept: "reispas" names two products)
        by_kind: dict[str, list[Mention]] = defaultdict(list)
        for m in out:
            by_kind[m.kind].append(m)
        kept: list[Mention] = []
        for kind, ms in by_kind.items():
            ms.sort(key=lambda m: (-m.score, -len(m.positions), len(m.label)))
            top = ms[0].score
            for m in ms:
                if m.score < top - 0.15:
                    continue
                # a label whose words are a strict subset of a better one's is the same mention
                if any(m.positions < k.positions and k.score >= m.score for k in kept if k.kind == kind):
                    continue
                kept.append(m)
        return kept


def _content(label: str) -> list[str]:
    return [VARIANTS.get(t, t) for t in tokens(label) if t not in STOPWORDS]


# --- identifiers and numbers ------------------------------------------------------------------

DOSSIER_RE = re.compile(r"\b(EID|UIT|RP|RB|AW|OV|PR|EV|HW)[\s_/-]*(20\d{2})[\s_/-]*(\d{1,6})\b", re.I)
MELDING_RE = re.compile(r"\bM[\s_/-]*(20\d{2})[\s_/-]*(\d{1,5})\b", re.I)
SOCIAAL_RE = re.compile(r"\bSOC[\s_/-]*(\d{4})[\s_/-]*(\d{1,4})\b", re.I)
CAPAKEY_RE = re.compile(r"\b(\d{5}[A-Z]\d{4}/\d{2}[A-Z_]\d{3})\b", re.I)
# a threshold: a number after a comparison cue ("boven 50", "meer dan 40", "grens van 25")
NUMBER_RE = re.compile(r"\b(?:boven|hoger dan|meer dan|groter dan|over|dan|grens van|drempel van|limiet van|"
                       r"overschreden|overschrijdt|overschreed|overschrijding van|>)\s*(\d+(?:[.,]\d+)?)(?![\w/-])")
TIME_RE = re.compile(r"\b(?:om|na|voor|tot)\s+(\d{1,2})(?:[:.hu](\d{2}))?\s*(?:uur|u)?\b")


def identifiers(original: str, words: tuple[str, ...]) -> list[Mention]:
    out: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for m in DOSSIER_RE.finditer(original):
        value = f"{m.group(1).upper()}-{m.group(2)}-{int(m.group(3)):06d}"
        out.append(Mention("dossiernummer", value, value, 1.0))
        taken.append(m.span())
    for m in MELDING_RE.finditer(original):
        if any(a <= m.start() < b for a, b in taken):
            continue
        value = f"M-{m.group(1)}-{int(m.group(2)):05d}"
        out.append(Mention("meldingnummer", value, value, 1.0))
        taken.append(m.span())
    for m in SOCIAAL_RE.finditer(original):
        value = f"SOC-{m.group(1)}-{int(m.group(2)):04d}"
        out.append(Mention("sociaaldossiernummer", value, value, 1.0))
        taken.append(m.span())
    for m in CAPAKEY_RE.finditer(original):
        out.append(Mention("capakey", m.group(1).upper(), m.group(1).upper(), 1.0))
        taken.append(m.span())
    folded = fold(original)
    for pos, word in enumerate(words):
        if word in DAYS:
            out.append(Mention("dag", f"http://schema.org/{DAYS[word]}", word, 1.0, frozenset({pos})))
    for m in TIME_RE.finditer(folded):
        hh, mm = int(m.group(1)), int(m.group(2) or 0)
        if 0 <= hh < 24 and 0 <= mm < 60:
            out.append(Mention("tijd", f"{hh:02d}:{mm:02d}:00", f"{hh}.{mm:02d} uur", 1.0))
    for m in NUMBER_RE.finditer(folded):
        text = m.group(1)
        if re.fullmatch(r"(19|20)\d{2}", text):
            continue  # a year: the time expression owns it
        out.append(Mention("getal", text.replace(",", "."), text, 0.9))
    return out


def _house_numbers(words: tuple[str, ...], mentions: list[Mention]) -> list[Mention]:
    """A number right after a linked street is its house number (and 'bus N' its box)."""
    out = []
    for m in mentions:
        if m.kind != "straat" or not m.positions:
            continue
        after = max(m.positions) + 1
        if after < len(words) and re.fullmatch(r"\d+[a-z]?", words[after]):
            number = words[after].upper()
            box = None
            if after + 2 < len(words) and words[after + 1] in ("bus", "b"):
                box = words[after + 2]
            out.append(Mention("huisnummer", number, number if box is None else f"{number} bus {box}", 1.0,
                               frozenset({after}), (m.value, box)))
    return out


LabelFetcher = Callable[[Principal], LabelIndex]
