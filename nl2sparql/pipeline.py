"""One entry point for a question: `Asker(config, gate).ask(question, principal) -> Answer`.

normalise -> link (labels the principal may see) -> retrieve examples -> translate (embedded,
then the optional LLM) -> escalate if the question needs a graph outside the role (decided
from the example or the query's terms, before anything runs) -> guard -> run through the scope
gate -> empty result means repair, not answer -> compose the Dutch answer -> log.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

from graph_server.config import Config
from graph_server.limits import Deadline
from graph_server.scopes import Principal, ScopeGate, ScopeRefused
from graph_server.sparql_syntax import ForbiddenFeature, SparqlSyntaxError
from nl2sparql.answer import Composer, plain
from nl2sparql.catalogue import Example, load_catalogue
from nl2sparql.escalate import Escalator
from nl2sparql.guard import Guard, GuardError
from nl2sparql.linker import Linker, Mention
from nl2sparql.normalise import Normaliser, fold, tokens
from nl2sparql.questionlog import QuestionLog
from nl2sparql.retrieve import (NEGATION_WORDS, Embedder, Retriever, question_form, question_groups, question_ops,
                                question_target)
from nl2sparql.scope import asks_future, injection, restricted_needs
from nl2sparql.schema import Schema, load_schema
from nl2sparql.settings import NlSettings, load_settings
from nl2sparql.timeexpr import Period, find_period
from nl2sparql.translate import Translation, TranslationRequest, Translator
from nl2sparql.translate.embedded import EmbeddedTranslator

MAX_QUESTION_CHARS = 500
FLAGS = {
    "open": re.compile(r"\b(open|openstaand\w*|lopend\w*|nog niet (afgesloten|afgehandeld|opgelost|beslist)|"
                       r"niet (afgesloten|afgehandeld|opgelost)|onafgewerkt\w*)\b"),
    "spoed": re.compile(r"\b(spoed\w*|dringend\w*|met voorrang|snelprocedure)\b"),
    "normaal": re.compile(r"\b(normale?|gewone?|standaard)\b"),
    "anoniem": re.compile(r"\banonie?me?\b"),
}
# "niet anoniem", "met een gekende melder": only meldingen whose reporter is known
NOT_ANONYMOUS = re.compile(r"\b(?:niet|geen)\s+anonie?me?\b|\bmet (?:een )?(?:gekende|bekende) melder\b")
GEBOUWSTATUS = {"in aanbouw": "inAanbouw", "gepland": "gepland", "geplande": "gepland",
                "gerealiseerd": "gerealiseerd", "gerealiseerde": "gerealiseerd", "gehistoreerd": "gehistoreerd"}
# an address's life-cycle status in the register; "niet (meer) in gebruik" excludes inGebruik
ADRESSTATUS = {"voorgesteld": "voorgesteld", "voorgestelde": "voorgesteld", "gehistoreerd": "gehistoreerd",
               "gehistoreerde": "gehistoreerd", "in gebruik": "inGebruik"}
ADRES_WORDS = re.compile(r"\b(?:adres|adressen|huisnummers?|busnummers?)\b")
NOT_IN_USE = re.compile(r"\b(?:niet|nog niet|niet meer|geen)\s+(?:meer\s+)?in gebruik\b|\bbuiten gebruik\b")
# "open en gesloten samen", "afgesloten of nog lopend": every status, not a filter on one
BOTH_STATES = re.compile(r"\b(?:open\w*|lopend\w*)\s+(?:en|of)\s+(?:nog\s+)?(?:af)?gesloten\b|"
                         r"\b(?:af)?gesloten\s+(?:en|of)\s+(?:nog\s+)?(?:open\w*|lopend\w*)\b")
STATUS_KINDS = frozenset({"dossierstatus", "meldingstatus", "sociaaldossierstatus"})
# A closing status next to a period ("vorige week afgesloten", "sinds september opgelost")
# dates the closing, not the opening: kind -> (closing status codes, the event kind it becomes)
CLOSING_STATES = {"dossierstatus": (("afgesloten",), "dossiersluiting"),
                  "meldingstatus": (("opgelost",), "meldingsluiting")}


@dataclass
class Escalation:
    unit: str | None
    reason: str
    record_id: str


@dataclass
class Source:
    graph: str
    source: str
    loaded_at: str


@dataclass
class Answer:
    status: str                  # answered | escalated | not_understood
    answer: str
    rows: list[dict] = field(default_factory=list)
    sparql: str | None = None
    sources: list[Source] = field(default_factory=list)
    confidence: float = 0.0
    escalation: Escalation | None = None
    matched_example: str | None = None
    latency_ms: float = 0.0
    translator: str | None = None
    attempts: int = 0
    reason: str | None = None    # why not answered (not_understood), for the log and the UI

    def to_dict(self) -> dict:
        return asdict(self)


class Asker:
    def __init__(self, config: Config, gate: ScopeGate, *, settings: NlSettings | None = None,
                 today: date | Callable[[], date] | None = None, embedder: Embedder | None | bool = True,
                 llm=None, escalator: Escalator | None = None, question_log: QuestionLog | None = None,
                 schema: Schema | None = None, catalogue: list[Example] | None = None):
        self.config = config
        self.gate = gate
        self.settings = settings or load_settings(config)
        self._today = today
        self.schema = schema or load_schema(config)
        self.catalogue = catalogue if catalogue is not None else load_catalogue(self.settings.catalogue_dir)
        if embedder is True:
            embedder = Embedder(self.settings.embedding_model) if self.settings.embedding_model else None
        self.retriever = Retriever(self.catalogue, embedder or None)
        self.linker = Linker(config, gate)
        self.guard = Guard(self.schema, self.settings.max_rows)
        self.embedded = EmbeddedTranslator(self.schema, self.settings.min_confidence)
        self.llm: Translator | None = None
        if llm is not None:
            from nl2sparql.translate.llm import LlmTranslator

            self.llm = LlmTranslator(llm, self.schema, self.settings.llm)
        self.escalator = escalator or Escalator(config, self.settings.escalation)
        self.question_log = question_log or QuestionLog(self.settings.question_log)
        self._normalisers: dict[tuple, Normaliser] = {}
        self._provenance: tuple[float, dict[str, Source]] | None = None
        self._lock = threading.Lock()
        self.catalogue_words = self.retriever.vocabulary()
        self._known: dict[int, frozenset[str]] = {}

    # --- helpers ----------------------------------------------------------------------------
    def today(self) -> date:
        if callable(self._today):
            return self._today()
        return self._today or date.today()

    def visible_graphs(self, principal: Principal) -> set[str]:
        if principal.all_graphs:
            return set(self.config.graphs)
        return {name for name in self.config.graphs if principal.may_access(self.config.graph_iri(name))}

    def normaliser(self, principal: Principal) -> Normaliser:
        index = self.linker.index(principal)
        key = (id(index),)
        with self._lock:
            found = self._normalisers.get(key)
            if found is None:
                found = Normaliser(set(index.vocabulary) | self.catalogue_words)
                if len(self._normalisers) > 32:
                    self._normalisers.clear()
                self._normalisers[key] = found
        return found

    def label(self, principal: Principal, iri: str) -> str | None:
        return self.schema.label(iri) or self.linker.label_of(principal, iri)

    def sources(self, principal: Principal, graphs: set[str]) -> list[Source]:
        """Load provenance (per graph: source application and load time), read through the gate
        with an internal principal scoped to the provenance graph only; only graphs the asker
        may see are reported."""
        now = time.monotonic()
        if self._provenance is None or now - self._provenance[0] > 60:
            prov_iri = self.config.graph_iri("provenance")
            internal = Principal("schakel-nl2sparql", "system", frozenset({prov_iri}))
            query = """PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX sk: <https://w3id.org/schakel/ns#>
                SELECT ?g ?source (MAX(?end) AS ?loaded) WHERE {
                  ?a a prov:Activity ; sk:source ?source ; prov:endedAtTime ?end ; prov:generated ?g .
                } GROUP BY ?g ?source"""
            found: dict[str, Source] = {}
            try:
                for row in self.gate.evaluate(internal, query, max_rows=1000).rows():
                    name = self.config.graph_name(row["g"].value)
                    if name and (name not in found or found[name].loaded_at < row["loaded"].value):
                        found[name] = Source(name, row["source"].value, row["loaded"].value)
            except Exception:  # noqa: BLE001 - provenance is informative, never blocks an answer
                found = {}
            self._provenance = (now, found)
        table = self._provenance[1]
        return [table[g] for g in sorted(graphs)
                if g in table and principal.may_access(self.config.graph_iri(g))]

    # --- the pipeline -----------------------------------------------------------------------
    def ask(self, question: str, principal: Principal, *, deadline=None) -> Answer:
        started = time.perf_counter()
        question = (question or "").strip()
        answer = self._ask(question, principal, deadline or Deadline(self.config.limits.query_timeout_seconds))
        answer.latency_ms = round((time.perf_counter() - started) * 1000, 1)
        self.question_log.record(
            principal=principal.name, role=principal.role, question=question[:MAX_QUESTION_CHARS],
            status=answer.status, latency_ms=answer.latency_ms, matched_example=answer.matched_example,
            translator=answer.translator, confidence=answer.confidence, rows=len(answer.rows),
            escalation_id=answer.escalation.record_id if answer.escalation else None,
            reason=answer.escalation.reason if answer.escalation else answer.reason, attempts=answer.attempts)
        return answer

    def _ask(self, question: str, principal: Principal, deadline) -> Answer:
        if not question:
            return Answer("not_understood", "Stel een vraag in het Nederlands.", reason="leeg")
        if len(question) > MAX_QUESTION_CHARS:
            return Answer("not_understood", "Deze vraag is te lang; stel ze korter.", reason="te_lang")
        visible = self.visible_graphs(principal)
        injected = injection(question)
        if injected.found:
            if injected.clean:
                # only the plain question before the injected part is asked; nothing derived
                # from the injected text runs
                answer = self._ask(injected.clean, principal, deadline)
                if answer.status != "not_understood":
                    return answer
            # an attempt to steer the system is refused, not forwarded to a unit
            return Answer("not_understood", "Deze vraag kan ik niet behandelen. Stel een gewone vraag over "
                                            "producten, loketten, dossiers, meldingen, adressen of metingen.",
                          reason="instructies_genegeerd")
        needs = self._needs(question, principal, visible)
        if needs:
            return self._escalate_needs(question, principal, needs, "scope.lexicon")
        if asks_future(question):
            return Answer("not_understood", "Over de toekomst (verwachtingen, plannen voor volgend jaar) heb ik "
                                            "geen gegevens.", reason="toekomst")
        today = self.today()
        normalised = self.normaliser(principal)(question)
        words = normalised.tokens
        mentions = self.linker.link(words, question, principal)
        mentions = _dominated(_negate(_place(mentions, words), words))
        period = find_period(question, today)
        period_words = _period_positions(question, period, words)
        if period_words:
            mentions = [m for m in mentions if not (m.positions & period_words) or m.kind in ("straat", "persoon")]
        flags = _flags(normalised.text)
        both = BOTH_STATES.search(normalised.text)
        if both:
            flags.pop("open", None)
            span = _word_span(normalised.text, both)
            mentions = [m for m in mentions if not (m.kind in STATUS_KINDS and m.positions & span)]
        if period is not None:
            mentions = _closing(mentions)
        kinds = {m.kind for m in mentions} | set(flags) | ({"periode"} if period else set())
        variants = self.retriever.variants(words, mentions, period_words)
        candidates = self.retriever.rank(variants, kinds, visible, form=question_form(words),
                                         ops=question_ops(words), groups=question_groups(words),
                                         target=question_target(words), negated=bool(set(words) & NEGATION_WORDS))
        request = TranslationRequest(question, normalised, mentions, period, flags, principal, visible, candidates,
                                     today)
        context = {"periode": period.label if period else None}
        for m in mentions:
            context.setdefault(m.kind, m.label)

        best = candidates[0] if candidates else None
        result: Answer | None = None
        if best is not None and best.score >= self.settings.min_confidence:
            result = self._loop(self.embedded, request, principal, visible, deadline, context)
            if result.status == "answered" or result.status == "escalated":
                return result
        if self.llm is not None:
            llm_result = self._loop(self.llm, request, principal, visible, deadline, context)
            if llm_result.status != "not_understood" or result is None:
                return llm_result
        if result is not None:
            return result
        return Answer("not_understood", "Deze vraag begrijp ik niet, of ik vind er geen gegevens over. "
                                        "Probeer ze anders te formuleren.",
                      confidence=round(best.score, 3) if best else 0.0, reason="geen_voorbeeld")

    def _loop(self, translator, request: TranslationRequest, principal: Principal, visible: set[str], deadline,
              context: dict) -> Answer:
        feedback: str | None = None
        first_score: float | None = None
        empty_answer: Answer | None = None
        last_error = ""
        attempts = 0
        for attempt in range(3):
            translation = translator.translate(request, attempt, feedback)
            if translation is None:
                break
            attempts += 1
            if first_score is None:
                first_score = translation.confidence
            elif translator is self.embedded and translation.confidence < first_score - 0.03:
                break  # the other readings are clearly worse: do not answer another question
            missing = set(translation.graphs) - visible
            if missing:
                if attempt == 0:
                    return self._escalate(request, principal, missing, translation, attempts)
                feedback = "buiten bereik"
                continue
            if not translation.sparql:
                feedback = "er kwam geen query; schrijf één SPARQL SELECT-query in een ```sparql blok"
                last_error = "geen_query"
                continue
            try:
                guarded = self.guard.check(translation.sparql)
            except GuardError as exc:
                feedback, last_error = str(exc), "guard"
                continue
            if not translation.graphs:  # written by a model: which graphs do its terms need?
                needed = self.schema.graphs_needed(set(guarded.iris) | set(guarded.predicates), visible)
                if needed:
                    return self._escalate(request, principal, needed, translation, attempts)
            try:
                outcome = self.gate.evaluate(principal, guarded.text, max_rows=self.settings.max_rows,
                                             deadline=deadline)
            except (SparqlSyntaxError, ForbiddenFeature, ScopeRefused) as exc:
                feedback, last_error = f"de query kon niet uitgevoerd worden: {exc}", "uitvoering"
                continue
            if outcome.form == "ASK":
                rows = [{"antwoord": bool(outcome.boolean)}]
            else:
                rows = [{k: plain(v) for k, v in row.items()} for row in outcome.rows()]
                rows = [r for r in rows if r]
            rows = _narrow_by_description(rows, request)
            if not rows:
                feedback = ("de query gaf geen resultaten; controleer de eigenschappen, de IRI's van de "
                            "entiteiten en de filters")
                last_error = "leeg"
                for name, used in translation.slots.items():
                    context[name] = " / ".join(dict.fromkeys(m.label for m in used))
                if empty_answer is None:
                    composer = Composer(lambda iri: self.label(principal, iri))
                    empty_answer = Answer("not_understood", composer.compose(translation.answer_spec or {}, [], context),
                                          sparql=guarded.text, confidence=translation.confidence,
                                          matched_example=translation.example_id, translator=translation.translator,
                                          reason="geen_resultaat")
                continue
            for name, used in translation.slots.items():
                context[name] = " / ".join(dict.fromkeys(m.label for m in used))
            composer = Composer(lambda iri: self.label(principal, iri))
            if translation.answer_spec:
                text = composer.compose(translation.answer_spec, rows, context, truncated=outcome.truncated)
            else:
                text = composer.generic(rows, outcome.variables or ["antwoord"])
            graphs = set(translation.graphs) or {g for i in guarded.iris | guarded.predicates
                                                 for g in self.schema.graphs_with_term(i)}
            return Answer("answered", text, rows, guarded.text, self.sources(principal, graphs & visible),
                          round(translation.confidence, 3), None, translation.example_id,
                          translator=translation.translator, attempts=attempts)
        if empty_answer is not None:
            empty_answer.attempts = attempts
            return empty_answer
        return Answer("not_understood", "Ik kon deze vraag niet veilig vertalen naar een opvraging. "
                                        "Probeer ze anders te formuleren.", attempts=attempts,
                      translator=getattr(translator, "name", None), reason=last_error or "geen_vertaling")

    def _needs(self, question: str, principal: Principal, visible: set[str]) -> set[str]:
        """Restricted graphs the question needs and the asker cannot see (lexicon, no query)."""
        persons_visible = self.linker.may_see_persons(principal)
        known = self._known_words(principal)
        needs = restricted_needs(question, known, persons_visible=persons_visible)
        return {g for g in needs.graphs if g in self.config.graphs and g not in visible}

    def _known_words(self, principal: Principal) -> frozenset[str]:
        index = self.linker.index(principal)
        key_ = id(index)
        cached = self._known.get(key_)
        if cached is None:
            cached = frozenset(index.vocabulary) | frozenset(self.catalogue_words)
            self._known = {key_: cached}
        return cached

    def _escalate_needs(self, question: str, principal: Principal, missing: set[str], example_id: str) -> Answer:
        record = self.escalator.escalate(principal, question, missing)
        return Answer("escalated", self._escalation_text(principal, record), [], None, [], 1.0,
                      Escalation(record.unit, record.reason, record.id), example_id, translator="scope")

    def _escalation_text(self, principal: Principal, record) -> str:
        unit_name = None
        if record.unit:
            unit_name = self.linker.label_of(principal, f"{self.config.city.base_iri}id/dienst/{record.unit}")
        target = f"{unit_name} ({record.unit})" if unit_name else (record.unit or "de bevoegde dienst")
        return (f"Deze vraag gaat over gegevens die u met uw rol niet kunt inzien. Ze is doorgestuurd naar "
                f"{target} met referentie {record.id}.")

    def _escalate(self, request: TranslationRequest, principal: Principal, missing: set[str],
                  translation: Translation, attempts: int) -> Answer:
        record = self.escalator.escalate(principal, request.question, missing)
        unit_name = None
        if record.unit:
            unit_name = self.linker.label_of(principal, f"{self.config.city.base_iri}id/dienst/{record.unit}")
        target = f"{unit_name} ({record.unit})" if unit_name else (record.unit or "de bevoegde dienst")
        text = (f"Deze vraag gaat over gegevens die u met uw rol niet kunt inzien. Ze is doorgestuurd naar "
                f"{target} met referentie {record.id}.")
        return Answer("escalated", text, [], None, [], round(translation.confidence, 3),
                      Escalation(record.unit, record.reason, record.id), translation.example_id,
                      translator=translation.translator, attempts=attempts)


DESCRIPTION_SYNONYMS = {"gewone": "normale", "gewoon": "normale", "normaal": "normale", "spoed": "dringende",
                        "dringend": "dringende", "volwassene": "volwassenen", "kind": "kinderen", "kinderen": "kinderen",
                        "zaterdags": "zaterdag", "weekdag": "weekdag"}


def _stem(word: str) -> str:
    word = DESCRIPTION_SYNONYMS.get(word, word)
    return word[:6] if len(word) > 6 else word


def _narrow_by_description(rows: list[dict], request: TranslationRequest) -> list[dict]:
    """Rows that differ only by a description (a product's costs: "normale procedure",
    "dringende procedure", "volwassenen", "jaarabonnement") are narrowed to the ones whose
    description the question names, when it names some and not others."""
    if len(rows) < 2 or not all("omschrijving" in r for r in rows):
        return rows
    # the words naming the thing itself; a day or a status in the question still narrows
    entity_words = {w for m in request.mentions if m.kind in NAMING_KINDS | {"product"} for w in tokens(m.label)}
    asked = {_stem(w) for w in request.normalised.tokens
             if len(w) >= 4 and w not in entity_words and w not in ("procedure", "kost", "kosten", "prijs")}
    if not asked:
        return rows
    scores = []
    for r in rows:
        words = {_stem(w) for w in tokens(str(r.get("omschrijving") or "")) if len(w) >= 4}
        scores.append(len(words & asked))
    top = max(scores)
    if top == 0 or all(sc == top for sc in scores):
        return rows
    return [r for r, sc in zip(rows, scores) if sc == top]


def _flags(text: str) -> dict[str, str]:
    flags = {name: "true" for name, pattern in FLAGS.items() if pattern.search(text)}
    if NOT_ANONYMOUS.search(text):
        flags.pop("anoniem", None)
        flags["niet_anoniem"] = "true"
    for phrase, code in GEBOUWSTATUS.items():
        if re.search(rf"\b{phrase}\b", text):
            flags["gebouwstatus"] = f"https://data.vlaanderen.be/id/concept/gebouwstatus/{code}"
            break
    if ADRES_WORDS.search(text):
        if NOT_IN_USE.search(text):
            flags["niet_adresstatus"] = "https://data.vlaanderen.be/id/concept/adresstatus/inGebruik"
        else:
            for phrase, code in ADRESSTATUS.items():
                if re.search(rf"\b{phrase}\b", text):
                    flags["adresstatus"] = f"https://data.vlaanderen.be/id/concept/adresstatus/{code}"
                    break
    return flags


def _word_span(text: str, match: re.Match) -> frozenset[int]:
    """The word positions a match covers in a text of single-space separated words."""
    first = text[:match.start()].count(" ")
    return frozenset(range(first, first + match.group(0).count(" ") + 1))


def _closing(mentions: list[Mention]) -> list[Mention]:
    out = []
    for m in mentions:
        closing = CLOSING_STATES.get(m.kind)
        if closing and m.value.rsplit("/", 1)[-1] in closing[0]:
            m = Mention(closing[1], m.value, m.label, m.score, m.positions, m.extra)
        out.append(m)
    return out


NEGATABLE = frozenset({"dossierstatus", "meldingstatus", "meldingtype", "dossiertype"})
NEGATORS = frozenset({"niet", "geen", "behalve", "uitgezonderd", "zonder"})
NEGATION_STOP = frozenset({"en", "maar", "die", "dat", "wel", "ook"})


def _negate(mentions: list[Mention], words: tuple[str, ...]) -> list[Mention]:
    """A codelist value right after a negation ("niet geweigerd", "gaan niet over sluikstort of
    zwerfvuil") becomes a `niet_<kind>` mention: templates exclude it instead of selecting it."""
    out = []
    for m in mentions:
        if m.kind in NEGATABLE and m.positions:
            first = min(m.positions)
            for back in range(1, 6):
                i = first - back
                if i < 0 or words[i] in NEGATION_STOP:
                    break
                if words[i] in NEGATORS:
                    m = Mention("niet_" + m.kind, m.value, m.label, m.score, m.positions, m.extra)
                    break
        out.append(m)
    return out


# kinds that name one thing by its own name: a clearly better match of one of these owns its words
NAMING_KINDS = frozenset({"straat", "loket", "vestiging", "dienst", "deelgemeente", "persoon", "sensor"})


def _dominated(mentions: list[Mention]) -> list[Mention]:
    """Drop a mention whose words are all part of a clearly better mention of a naming kind:
    "Evenementenloket" is the counter, not also the dossier type "evenement"; "Grote Markt" is
    the square, not also the market-stall product. (A product and a dossier type of the same
    name are both readings and stay.)"""
    return [m for m in mentions
            if not (m.positions and any(k.kind in NAMING_KINDS and k.kind != m.kind and m.positions <= k.positions
                                        and k.score >= m.score + 0.1 for k in mentions))]


def _place(mentions: list[Mention], words: tuple[str, ...]) -> list[Mention]:
    """Give pattern mentions (numbers, identifiers) the token positions of their text."""
    out = []
    for m in mentions:
        if m.positions:
            out.append(m)
            continue
        toks = tokens(m.value if m.kind == "getal" else m.label)
        found: frozenset[int] = frozenset()
        for start in range(len(words) - len(toks) + 1):
            if list(words[start:start + len(toks)]) == toks:
                found = frozenset(range(start, start + len(toks)))
                break
        if m.kind == "getal" and not found:
            number = m.value.split(".")[0]
            found = frozenset(i for i, w in enumerate(words) if w == number)
        out.append(Mention(m.kind, m.value, m.label, m.score, found, m.extra))
    return out


def _period_positions(question: str, period: Period | None, words: tuple[str, ...]) -> set[int]:
    if period is None:
        return set()
    span_words = tokens(fold(question)[period.span[0]:period.span[1]])
    if not span_words:
        return set()
    for start in range(len(words) - len(span_words) + 1):
        if list(words[start:start + len(span_words)]) == span_words:
            return set(range(start, start + len(span_words)))
    return {i for i, w in enumerate(words) if w in set(span_words) and not w.isdigit()}
