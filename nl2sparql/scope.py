"""What a question NEEDS, decided from its words alone, before any retrieval or query.

Two checks run on every question:

* `injection(question)`: instruction-like text (role claims, "negeer je instructies", requests
  for the prompt, SPARQL fragments, update commands, "voer ... uit", answer-format orders). The
  pipeline never runs anything derived from such text: when a plain question stands BEFORE the
  injected part (separated by a sentence end or a connector: "Wat kost X? PS: ...", "Geef Y en
  voer daarna ... uit") only that question is answered; otherwise the question is refused
  (or escalated when what it asks for is restricted data, see below).

* `restricted_needs(question, ...)`: the graphs a question cannot do without, from an intent
  lexicon: social-welfare records (leefloon, schuldbemiddeling, huurtoelage, energiefonds,
  thuiszorg, OCMW/sociale dienst clients, steunvormen, maatschappelijk werkers, SOC- files) need
  graph `sociaal`; dossier and melding records (numbers, "dossiers", "meldingen", applicants,
  reporters) need `dossiers` / `meldingen`; questions about a named person need `personen`.
  The pipeline compares these with the asker's graphs and escalates when one is missing; no
  query ever runs on the missing graph. Asking about a social PRODUCT ("wat kost
  schuldbemiddeling", "wie heeft recht op een leefloon") is not a record question: it is
  answered from the public catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nl2sparql.normalise import STOPWORDS, fold

# --- prompt injection ---------------------------------------------------------------------------

_CUES = [
    # overriding instructions / role
    r"\b(negeer|vergeet|omzeil|ignore|disregard|forget|overrule|schakel)\b.{0,40}?\b(instructie\w*|opdracht\w*|regels|"
    r"instructions?|rules|prompt\w*|rol|role|scope|beperking\w*|filters?|beveiliging)\b",
    r"\bsyste+m\s*-?\s*prompt\w*|\bsysteemprompt\w*|\bsystem\s*:|\bsysteem\s*:|\bvoorbeeldvragen\b",
    r"\bje bent nu\b|\bu bent nu\b|\byou are now\b|\bjailbreak\b|\bdeveloper mode\b|\bdan mode\b",
    r"\brol\s*=|\brole\s*=|\bals beheerder\b|\bbeheerdersrechten\b|\balle graphs\b|\bevery graph\b|\ball graphs\b",
    r"\bik ben (?:de |een )?(?:burgemeester|beheerder|admin\w*|directeur|schepen|politie\w*|agent|ontwikkelaar)\b",
    r"\bik werk (?:zelf )?(?:bij|voor) (?:de |het )?(?:sociale dienst|ocmw|politie)\b",
    r"\bnoodgeval\b|\bde politie vraagt\b|\bop bevel van\b",
    # orders about the answer itself
    r"(?:^|[\s.?!])ps\s*[:,]|\bje antwoord\b|\bjouw antwoord\b|\bantwoord (?:vanaf nu|voortaan|altijd)\b|\bvanaf nu\b"
    r"|\bin json\b|\bvoeg (?:het veld|ook)\b",
    r"\b(?:toon|geef|lijst|print)\b.{0,30}\b(?:ongeacht|zonder beperking\w*|zonder filter\w*)\b",
    r"\bprint\b.{0,20}\b(?:inhoud|graph)|\binhoud van de graph\b|\bgraph\s+(?:quarantaine|provenance|sociaal)\b",
    # executing things
    r"\bvoer\b.{0,80}?\buit\b|\bexecute\b|\brun (?:this|the) query\b",
    r"\b(?:insert|delete|drop|clear|load|create|copy|move|add)\s+(?:data|graph|where|all|silent|default|named)\b",
    r"\bservice\s*<|\bselect\s+(?:\?|\*|distinct)|\bwhere\s*\{|\bunion\s*\{|\bgraph\s*[?<]|\}\s*\}|\{\s*\?|<https?://",
    r"\bprefix\s+\w*:\s*<",
]
INJECTION_RE = re.compile("|".join(f"(?:{c})" for c in _CUES), re.I | re.S)
# what may stand between a question and an injected tail
_TAIL_CONNECTOR = re.compile(r"(?:[\s,;:]*(?:\ben\b|\bdaarna\b|\bdan\b|\bals laatste\b|\bverder\b|\book\b))+[\s,;:]*$")
_QUESTION_START = re.compile(r"^(?:wat|wie|waar|wanneer|welke?|hoe\w*|hoeveel|is|zijn|kan|kun|mag|moet|heeft|hebben|geef|"
                             r"toon|zoek|lijst|som|tel|openingsuren|adres|status|aantal|prijs)\b")


@dataclass(frozen=True)
class Injection:
    found: bool
    clean: str | None = None  # a plain question before the injected part, if any


def injection(question: str) -> Injection:
    folded = fold(question)
    m = INJECTION_RE.search(folded)
    if m is None:
        return Injection(False)
    before = folded[: m.start()]
    stripped = _TAIL_CONNECTOR.sub("", before).strip()
    ends_sentence = before.rstrip().endswith(("?", ".", "!", ":")) or stripped != before.strip()
    words = [w for w in re.findall(r"[0-9a-z]+", stripped) if w not in STOPWORDS]
    if ends_sentence and len(words) >= 2 and _QUESTION_START.search(stripped):
        # cut the ORIGINAL text at the same place (fold keeps positions for plain text; be safe)
        cut = question[: len(stripped)] if fold(question[: len(stripped)]) == stripped else stripped
        return Injection(True, cut.strip(" ,;:"))
    return Injection(True, None)


# --- the future ------------------------------------------------------------------------------

# The graph holds what happened (measurements, records, the catalogue as it is): forecasts and
# plans for a coming year are not in it, whatever example they resemble.
FUTURE_RE = re.compile(r"\bvolgend(?:e)?\s+(?:jaar|jaren|maand|maanden|kwartaal|legislatuur)\b|\bverwacht\w*|"
                       r"\bvoorspel\w*|\bprognose\w*|\bin de toekomst\b")


def asks_future(question: str) -> bool:
    return FUTURE_RE.search(fold(question)) is not None


# --- restricted intents -------------------------------------------------------------------------

SOCIAL_STRONG = re.compile(
    r"\bsteunvorm\w*|\bmaatschappelijke?\s+werk(?:er|ers|ster)\b|\bsoc[\s_/-]*\d{4}[\s_/-]*\d{1,4}\b|"
    r"client\w*|\bsociale?\s+dossiers?\b|\b(?:ocmw|leefloon|schuldbemiddeling|huurtoelage|energiefonds|thuiszorg|"
    r"budgetbeheer)\s*-?\s*dossiers?\b|\b(?:leefloon|schuldbemiddelings?|huurtoelage|energiefonds|thuiszorg|"
    r"budgetbeheer|ocmw|steun)dossiers?\b|\bsteuntrekkers?\b|\bleefloners?\b|\bklant\w* (?:bij|van) (?:de |het )?"
    r"(?:sociale dienst|ocmw)")
SOCIAL_WEAK = re.compile(
    r"\b(?:equivalent\s+)?leefloon\w*|\bocmw\w*|\bschuldbemiddeling\w*|\bhuurtoelage\w*|\benergiefonds\w*|"
    r"\bthuiszorg\w*|\bbudgetbeheer\w*|\bsociale\s+dienst\b|\bsteun\b|\bsociale\s+steun\b")
# words that make a social term about RECORDS (who receives it, files, counts of people)
RECORD_CONTEXT = re.compile(
    r"\bdossiers?\b|\blopend\w*|\btoegekend\w*|\btoegewezen\b|\bafgesloten\b|\bopgestart\b|\bgeopend\b|"
    r"\b(?:krijgt|krijgen|kreeg|kregen|ontvangt|ontvangen|trekt|trekken|geniet|genieten)\b|"
    r"\bmensen\b|\bpersonen\b|\binwoners\b|\bgezinnen\b|\biemand\b|\bwie\b|\bnamen\b|\bklant\w*|\bstatus\b|"
    r"\bhoeveel\b|\baantal\b|\bper deelgemeente\b|\bwonen\b|\bwoont\b|\bsinds wanneer\b|\bopgevolgd\b|\bvolgt\b")
PRODUCT_CONTEXT = re.compile(
    r"\bkost\w*|\bprijs\b|\bbetal\w*|\btarie\w*|\bbedraagt\b|\bbedrag\b|\bvoorwaarde\w*|\brecht op\b|\baanmerking\b|"
    r"\bdocument\w*|\bbewijsstuk\w*|\bmeebreng\w*|\bmeenemen\b|\bvoorleggen\b|\baanvra\w*|\bprocedure\b|"
    r"\bdoorlooptijd\b|\bhoe lang duurt\b|\bopeningsu\w*|\bloket\w*|\bproduct\w*|\btelefoon\w*|\be-?mail\w*|"
    r"\bcontact\w*|\binfo\w*|\buitleg\b|\bwat is (?:een |het )?(?:leefloon|schuldbemiddeling|huurtoelage|energiefonds|"
    r"budgetbeheer|thuiszorg)\b|\bwat houdt\b|\bkanalen\b|\bonline\b")

DOSSIER_WORDS = re.compile(r"\b\w*dossiers?\b|\baanvragers\b|\baanvrager (?:van|heeft|met)\b|\bwelke aanvrager\b|"
                           r"\b(?:eid|reispas|rijbewijs|premie)\s*-?\s*aanvragen (?:van|zijn|werden)\b")
NOT_RECORD_DOSSIER = re.compile(r"\bbouwdossiers?\b")
DOSSIER_ID = re.compile(r"\b(?:eid|uit|rp|rb|aw|ov|pr|ev|hw)[\s_/-]*20\d{2}[\s_/-]*\d{1,6}\b")
MELDING_WORDS = re.compile(r"\bmeldingen\b|\bmelders?\b|\bmeldingsnummer\w*")
MELDING_ID = re.compile(r"\bm[\s_/-]*20\d{2}[\s_/-]*\d{1,5}\b")
PERSON_DATA = re.compile(r"\b(?:rijksregister\w*|geboortedatum|e-?mailadres|telefoonnummer|woonadres|adres)\b")

# capitalised two- or three-word names ("Pieter De Smet", "Linda Renders", "André Van den Broeck")
_NAME_RE = re.compile(r"\b([A-Z][a-zà-ÿ'-]+)((?:\s+(?:[Vv]an|[Dd]e|[Dd]en|[Dd]er|[Ll]e|[Ll]a|[Dd]u|[Vv]ander|[Vv]anden))*"
                      r"\s+[A-Z][a-zà-ÿ'-]+)\b")


def person_names(question: str, known_words: Iterable[str] | set[str]) -> list[str]:
    """Capitalised name-like word groups none of whose words is a known label or catalogue
    word: for roles that cannot link persons, the only sign that the question names one."""
    known = known_words if isinstance(known_words, (set, frozenset)) else set(known_words)
    out = []
    for m in _NAME_RE.finditer(question):
        text = m.group(0)
        words = [fold(w) for w in re.split(r"[\s'-]+", text) if w]
        content = [w for w in words if w not in {"van", "de", "den", "der", "le", "la", "du", "vander", "vanden"}]
        if len(content) < 2 or any(w in STOPWORDS for w in content[:1]):
            continue
        if any(w in known for w in content):
            continue
        out.append(text)
    return out


@dataclass(frozen=True)
class Needs:
    graphs: frozenset[str]
    why: str = ""


def restricted_needs(question: str, known_words: set[str] | frozenset[str], *, persons_visible: bool) -> Needs:
    """The restricted graphs this question needs (empty when it needs only public data or
    when the lexicon cannot tell)."""
    text = fold(question)
    graphs: set[str] = set()
    why = []
    if SOCIAL_STRONG.search(text):
        graphs.add("sociaal")
        why.append("sociaal")
    elif SOCIAL_WEAK.search(text):
        record = RECORD_CONTEXT.search(text)
        product = PRODUCT_CONTEXT.search(text)
        names = person_names(question, known_words) if not persons_visible else []
        if (record and not product) or names:
            graphs.add("sociaal")
            why.append("sociaal")
    if DOSSIER_ID.search(text) or (DOSSIER_WORDS.search(NOT_RECORD_DOSSIER.sub(" ", text))):
        graphs.add("dossiers")
        why.append("dossiers")
    if MELDING_ID.search(text) or MELDING_WORDS.search(text):
        graphs.add("meldingen")
        why.append("meldingen")
    if not persons_visible:
        if person_names(question, known_words):
            graphs.add("personen")
            why.append("personen")
    return Needs(frozenset(graphs), ",".join(why))
