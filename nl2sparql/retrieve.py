"""Retrieval of the catalogue examples most similar to a question.

Two signals, because the offline embedding model (all-MiniLM-L6-v2) is English-trained:
cosine similarity of MiniLM embeddings, and an IDF-weighted word overlap that carries the
Dutch cue words ("kost", "meebrengen", "openingsuren", "hoeveel"). Both compare the question
with its linked entities replaced by their kind ("hoeveel kost een product") to phrasings
whose slots are replaced the same way. Then slot fit: an example whose required slots the
linked entities cannot fill drops out, unless its graphs are outside the asker's scope (the
question is then escalated and no slot is ever filled). Then the question's structure, read
from its words and compared with each example's SPARQL: the form asked (a figure, a list, a
table "per ..."), the dimension of a table or a ranking ("per deelgemeente", "welke straat"),
the aggregate (superlative, average, total), the kind of record, and negation.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nl2sparql.catalogue import SLOT_RE, Example
from nl2sparql.linker import Mention
from nl2sparql.normalise import STOPWORDS, Normaliser
from nl2sparql.scope import SOCIAL_STRONG

# The word a slot kind is replaced with, in phrasings and questions alike.
PLACEHOLDER = {
    "product": "product", "dienst": "dienst", "loket": "dienst", "vestiging": "dienst", "straat": "straat",
    "deelgemeente": "deelgemeente", "sensor": "meetpunt", "persoon": "persoon", "document": "document",
    "dossiernummer": "dossiernummer", "meldingnummer": "meldingnummer", "capakey": "perceelnummer",
    "sociaaldossiernummer": "dossiernummer", "huisnummer": "huisnummer", "getal": "getal", "tijd": "tijdstip",
    "dag": "weekdag", "periode": "periode", "dossiertype": "dossiertype", "dossierstatus": "status",
    "meldingtype": "meldingtype", "meldingstatus": "status", "grootheid": "grootheid", "sensortype": "sensortype",
    "steunvorm": "steunvorm", "sociaaldossierstatus": "status", "kanaaltype": "kanaal", "thema": "thema",
    "plaats": "dienst",
    "niet_dossierstatus": "status", "niet_meldingstatus": "status", "niet_meldingtype": "meldingtype",
    "niet_dossiertype": "dossiertype", "dossiersluiting": "afgesloten", "meldingsluiting": "opgelost",
}
# Mentions that say a lot about the intent when present (an example that cannot use them is
# probably not what was asked).
TELLING_KINDS = frozenset({"dossiernummer", "meldingnummer", "capakey", "sociaaldossiernummer", "huisnummer",
                           "periode", "dag", "tijd", "getal", "persoon", "anoniem", "gebouwstatus", "adresstatus",
                           "niet_adresstatus", "dossiersluiting", "meldingsluiting", "straat"})


_AGG = re.compile(r"\(\s*(COUNT|SUM|AVG|MAX|MIN)\s*\(", re.I)
_LIMIT_ONE = re.compile(r"\bLIMIT\s+1\b", re.I)
COUNT_CUES = frozenset({"hoeveel", "aantal", "tel", "telling", "totaal"})
NOT_COUNT_CUES = frozenset({"kost", "betaal", "betalen", "betaalt", "euro", "bedraagt", "duurt", "lang", "snel"})
LIST_CUES = frozenset({"welke", "welk", "wie", "geef", "toon", "lijst", "som", "noem", "opsommen"})


GROUP_CUES = frozenset({"per", "elke", "iedere", "verdeling", "opgesplitst", "opsplitsing"})
# "per deelgemeente", "voor elke dienst", "per soort": the dimension a figure is split by. A
# steunvorm is the type of a social file, so both are "type".
SPLIT_WORDS = frozenset({"per", "elke", "elk", "iedere", "ieder"})
GROUP_WORDS = {
    "deelgemeente": "deelgemeente", "deelgemeenten": "deelgemeente", "wijk": "deelgemeente",
    "type": "type", "types": "type", "soort": "type", "soorten": "type", "categorie": "type",
    "meldingstype": "type", "dossiertype": "type", "steunvorm": "type", "steunvormen": "type",
    "dienst": "dienst", "diensten": "dienst", "afdeling": "dienst", "afdelingen": "dienst",
    "straat": "straat", "straten": "straat",
    "meetpunt": "sensor", "meetpunten": "sensor", "sensor": "sensor", "sensoren": "sensor",
    "verkeersteller": "sensor", "luchtmeetpunt": "sensor", "geluidsmeter": "sensor", "toestel": "sensor",
    "status": "status", "statussen": "status",
}
# the GROUP BY variables of the catalogue that stand for those dimensions
GROUP_VARS = {"deelgemeente": "deelgemeente", "type": "type", "typenaam": "type", "steunvorm": "type",
              "code": "dienst", "dienstnaam": "dienst", "straatnaam": "straat", "sensornaam": "sensor",
              "status": "status", "statusnaam": "status"}
# "heeft X nog open dossiers?", "zijn er meldingen in ...": an existence question is answered
# with what exists (the list shows it), not with a number
EXISTENCE_STARTS = (("heeft",), ("hebben",), ("is", "er"), ("zijn", "er"), ("staan", "er"), ("staat", "er"),
                    ("bestaat",), ("bestaan",))


def example_form(example: Example) -> str:
    """'figure' when the example's SELECT computes one figure (a count, sum, average or extreme,
    or the top group), 'grouped' for a figure per group, 'counted_list' for a count with its
    members, 'list' otherwise."""
    head, _, tail = example.sparql.partition("WHERE")
    if not _AGG.search(head):
        return "list"
    if re.search(r"\bGROUP_CONCAT\s*\(", head, re.I):
        # counts and lists its members ("12 huisnummers: 1, 2, 3 ..."): a figure and a list
        return "counted_list"
    grouped = re.search(r"\bGROUP\s+BY\b", tail, re.I) and not _LIMIT_ONE.search(tail)
    # a grouped query that also returns a label per row is a table; one without is a figure per item
    return "grouped" if grouped else "figure"


def question_form(words: Sequence[str]) -> str | None:
    """'figure' for "hoeveel/aantal" questions (not prices or durations), 'grouped' when they
    ask per group ("per deelgemeente", "elke dienst"), 'list' for "welke/geef/toon" and
    existence ("heeft X ...", "zijn er ...") questions, None when the words do not say."""
    ws = set(words)
    if ws & COUNT_CUES and not ws & NOT_COUNT_CUES:
        return "grouped" if ws & GROUP_CUES else "figure"
    if ws & COUNT_CUES or ws & (MAX_CUES | MIN_CUES | RANK_CUES):
        # "welk type kwam het vaakst voor" asks for the top group, not a listing
        return None
    if ws & LIST_CUES or any(tuple(words[:len(start)]) == start for start in EXISTENCE_STARTS):
        return "list"
    return None


def question_target(words: Sequence[str]) -> frozenset[str]:
    """The dimension a "welke straat ..." / "in welke deelgemeente ..." question asks for: the
    dimension word right after welk(e)."""
    out = set()
    for i, word in enumerate(words[:-1]):
        if word in ("welk", "welke") and words[i + 1] in GROUP_WORDS:
            out.add(GROUP_WORDS[words[i + 1]])
    return frozenset(out)


def _group_by_dims(example: Example) -> frozenset[str]:
    """The dimensions of the example's outer (last) GROUP BY."""
    clauses = re.findall(r"\bGROUP\s+BY\s+((?:\?\w+\s*)+)", example.sparql, re.I)
    if not clauses:
        return frozenset()
    return frozenset(GROUP_VARS[v] for v in re.findall(r"\?(\w+)", clauses[-1]) if v in GROUP_VARS)


def example_ranked(example: Example) -> frozenset[str]:
    """The dimension a ranking example (GROUP BY ... LIMIT 1) returns the top group of."""
    if not _LIMIT_ONE.search(example.sparql):
        return frozenset()
    return _group_by_dims(example)


def question_groups(words: Sequence[str]) -> frozenset[str]:
    """The dimensions a question splits its figures by: the first dimension word within three
    words after "per" / "elke" ("per behandelende dienst", "voor elke deelgemeente")."""
    out = set()
    for i, word in enumerate(words):
        if word in SPLIT_WORDS:
            for after in words[i + 1:i + 4]:
                if after in GROUP_WORDS:
                    out.add(GROUP_WORDS[after])
                    break
    return frozenset(out)


def example_groups(example: Example) -> frozenset[str]:
    """The dimensions a grouped example splits by (its outer GROUP BY); none for a figure or a
    top group (LIMIT 1)."""
    if example_form(example) != "grouped":
        return frozenset()
    return _group_by_dims(example)


MAX_CUES = frozenset({"hoogste", "hoogst", "maximum", "maximale", "max", "piek", "piekwaarde", "drukste", "luidste",
                      "duurste", "duurst", "duurder", "luider", "drukker", "langst"})
# "het laatst" is a superlative only about closing times ("de laatst gemeten waarde" is not)
CLOSING_CUES = frozenset({"sluit", "sluiten", "dicht", "open", "geopend"})
MIN_CUES = frozenset({"laagste", "laagst", "minimum", "minimale", "min", "dieptepunt", "rustigste", "stilste",
                      "goedkoopste", "goedkoopst", "goedkoper", "stiller", "rustiger"})
RECORD_NOUNS = {"melding": "melding", "meldingen": "melding", "dossier": "dossier", "dossiers": "dossier"}
RANK_CUES = frozenset({"meeste", "minste", "meest", "minst", "vaakst", "zelden", "langst", "laatst", "eerst"})
# "de meeste", "het vaakst": the top of a ranking; "de minste": the bottom
MOST_CUES = frozenset({"meeste", "meest", "vaakst"})
LEAST_CUES = frozenset({"minste", "minst"})
AVG_CUES = frozenset({"gemiddelde", "gemiddeld", "doorsnee"})
SUM_CUES = frozenset({"totaal", "som", "samen"})


def example_ops(example: Example) -> frozenset[str]:
    """The aggregate operations an example answers with: COUNT/SUM/AVG/MAX/MIN in its SELECT,
    TOP for ORDER BY DESC ... LIMIT 1, BOTTOM for an ascending one."""
    head, _, tail = example.sparql.partition("WHERE")
    ops = {m.upper() for m in _AGG.findall(head)}
    if _LIMIT_ONE.search(tail):
        ops.add("TOP" if re.search(r"ORDER\s+BY\s+DESC", tail, re.I) else "BOTTOM")
    # the kind of record it is about: a question naming meldingen is not about dossiers, one
    # about social files ("sociale dossiers", steunvormen) not about the city's case files
    if "meldingen" in example.graphs:
        ops.add("REC:melding")
    if "sociaal" in example.graphs:
        ops.add("REC:sociaal")
    elif "dossiers" in example.graphs:
        ops.add("REC:dossier")
    return frozenset(ops)


def question_ops(words: Sequence[str]) -> frozenset[str]:
    ws = set(words)
    # "luider dan 65", "duurder dan 20 euro": a threshold, not a superlative
    thresholds = {w for i, w in enumerate(words[:-2]) if words[i + 1] == "dan" and words[i + 2][:1].isdigit()}
    ws_cues = ws - thresholds
    ops = set()
    if ws_cues & MAX_CUES or ws & MOST_CUES or ("laatst" in ws and ws & CLOSING_CUES):
        ops.add("MAX")
    if ws_cues & MIN_CUES or ws & LEAST_CUES:
        ops.add("MIN")
    if ws & AVG_CUES:
        ops.add("AVG")
    if ws & COUNT_CUES and not ops and not ws & RANK_CUES:
        # a plain "hoeveel": not the top group of a ranking
        ops.add("PLAIN")
    if ws & SUM_CUES and not ops & {"MAX", "MIN", "AVG"}:
        # "in totaal", "alle jaren samen": a count or a sum, not an extreme
        ops.add("SUM")
    if SOCIAL_STRONG.search(" ".join(words)):
        records = {"sociaal"}
    else:
        records = {RECORD_NOUNS[w] for w in ws if w in RECORD_NOUNS}
    if len(records) == 1:
        ops.add(f"REC:{records.pop()}")
    return frozenset(ops)


def ops_fit(wanted: frozenset[str], has: frozenset[str]) -> float:
    """Superlatives and averages are strong cues: "hoogste" wants a maximum (or the top
    item), "laagste" a minimum, "gemiddeld" an average; an aggregate example computing
    something else is a different question."""
    if not wanted:
        return 0.0
    score = 0.0
    records = {op for op in wanted if op.startswith("REC:")}
    wanted = wanted - records
    rec_has = {op for op in has if op.startswith("REC:")}
    has = has - rec_has
    if records and rec_has and not records & rec_has:
        score -= REC_MISMATCH
    if "PLAIN" in wanted and has & {"TOP", "BOTTOM"}:
        score -= TOP_WITHOUT_SUPERLATIVE
    for op in wanted - {"PLAIN"}:
        if op == "SUM":
            # a count or sum of everything: not an average, an extreme or a top group
            fits = bool(has & {"SUM", "COUNT"}) and not has & {"AVG", "MAX", "MIN", "TOP", "BOTTOM"}
        else:
            fits = bool(has & {"MAX": {"MAX", "TOP"}, "MIN": {"MIN", "BOTTOM"}, "AVG": {"AVG"}}[op])
        if fits:
            score += 0.06
        elif has:
            score -= OTHER_AGGREGATE
    return score


# a question about one kind of record (meldingen, dossiers, social files) is not answered from
# another kind's example, however alike the words
REC_MISMATCH = 0.25
# a "hoeveel" without any superlative ("meeste", "hoogste", "vaakst") does not ask for the top
# group of a ranking, however alike the rest of the words ("hoeveel meldingen kwamen binnen" vs
# "in welke deelgemeente kwamen de meeste meldingen binnen")
TOP_WITHOUT_SUPERLATIVE = 0.3
# "gemiddeld" answered with a maximum, "in totaal" with an average: another figure
OTHER_AGGREGATE = 0.1
# "welke straat heeft de meeste adressen": a ranking of streets, not of deelgemeenten
TARGET_FIT, TARGET_MISFIT = 0.08, -0.2
# an example whose every phrasing negates ("geen meldingen", "niet gratis") does not answer a
# question without a negation
NEGATION_MISSING = 0.15
NEGATION_WORDS = frozenset({"geen", "niet", "zonder", "ontbreekt", "ontbreken", "behalve", "uitgezonderd"})
# "per deelgemeente" answered by an example split by deelgemeente, or by anything else
GROUP_FIT, GROUP_MISFIT = 0.12, -0.06

FORM_FIT = {("figure", "figure"): 0.05, ("grouped", "grouped"): 0.05, ("list", "list"): 0.05,
            ("figure", "grouped"): -0.04, ("grouped", "figure"): -0.04,
            ("figure", "counted_list"): 0.05, ("list", "counted_list"): 0.05, ("grouped", "counted_list"): -0.04}


class Embedder:
    """sentence-transformers from a local folder; loaded once, thread-safe for encoding."""

    def __init__(self, model_dir: Path | str):
        import os

        import torch
        from sentence_transformers import SentenceTransformer

        # One intra-op thread: a question is a handful of short texts, and with several torch
        # threads on a busy 2-core machine the threads wait on each other (measured: ~1 s per
        # encode with 2 threads under load, ~50 ms with 1). Requests run in parallel instead.
        torch.set_num_threads(max(1, int(os.environ.get("SCHAKEL_NL_TORCH_THREADS", "1"))))
        self.model = SentenceTransformer(str(model_dir), device="cpu")
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self.model.encode(list(texts), batch_size=64, normalize_embeddings=True,
                                                show_progress_bar=False), dtype=np.float32)


@dataclass(frozen=True)
class Candidate:
    example: Example
    score: float
    embedding_score: float
    lexical_score: float
    phrasing: str
    fillable: bool  # every required slot can be filled from the mentions


def example_kinds(example: Example) -> set[str]:
    return {k for s in example.slots for k in s.kinds}


def phrasing_text(example: Example, phrasing: str) -> str:
    def word(match) -> str:
        slot = example.slot(match.group(1))
        kind = slot.kinds[0] if slot else match.group(1)
        return PLACEHOLDER.get(kind, kind)

    return SLOT_RE.sub(word, phrasing)


class Retriever:
    def __init__(self, examples: list[Example], embedder: Embedder | None, normaliser: Normaliser | None = None):
        self.examples = examples
        self.embedder = embedder
        self.normalise = normaliser or Normaliser()
        self.rows: list[tuple[int, str, tuple[str, ...]]] = []  # (example index, text, words)
        self.forms = [example_form(e) for e in examples]
        self.ops = [example_ops(e) for e in examples]
        self.groups = [example_groups(e) for e in examples]
        self.ranked = [example_ranked(e) for e in examples]
        self.negative = [all(set(self.normalise(q).tokens) & NEGATION_WORDS for q in e.questions) for e in examples]
        self._cache: dict[str, np.ndarray] = {}
        self._cache_lock = threading.Lock()
        for i, example in enumerate(examples):
            for phrasing in example.questions:
                norm = self.normalise(phrasing_text(example, phrasing))
                self.rows.append((i, norm.text, norm.tokens))
        docs = Counter()
        for i, example in enumerate(examples):
            words = {w for (j, _, toks) in self.rows if j == i for w in toks}
            docs.update(words)
        n = len(examples)
        self.idf = {w: math.log((n + 1) / (c + 0.5)) for w, c in docs.items()}
        self.default_idf = math.log((n + 1) / 0.5)
        self.matrix = embedder.encode([t for _, t, _ in self.rows]) if embedder is not None else None

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Embeddings of the masked question texts: distinct texts only, cached (the same
        masked text recurs across variants and across questions)."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vectors = self.embedder.encode(missing)
            with self._cache_lock:
                if len(self._cache) > 20_000:
                    self._cache.clear()
                for t, v in zip(missing, vectors):
                    self._cache[t] = v
        return np.stack([self._cache[t] for t in texts])

    def vocabulary(self) -> set[str]:
        return {w for _, _, toks in self.rows for w in toks}

    def _weight(self, word: str) -> float:
        w = self.idf.get(word, self.default_idf * 0.5)
        return w * (0.3 if word in STOPWORDS else 1.0)

    def _lexical(self, words: tuple[str, ...], other: tuple[str, ...]) -> float:
        a, b = set(words), set(other)
        inter = sum(self._weight(w) for w in a & b)
        union = sum(self._weight(w) for w in a | b)
        return inter / union if union else 0.0

    def masked(self, words: tuple[str, ...], mentions: list[Mention], period_words: set[int],
               kinds: frozenset[str] | None = None) -> str:
        """The question with linked entities replaced by their kind. Only mentions of `kinds`
        (the kinds an example can use) are replaced: the others stay as words, since a linked
        codelist term ("telefoon", "lopend") is often the very cue of the question."""
        owner: dict[int, Mention] = {}
        for m in sorted(mentions, key=lambda m: m.score):
            if m.score < 0.7 or (kinds is not None and m.kind not in kinds):
                continue
            for p in m.positions:
                owner[p] = m
        out: list[str] = []
        last: Mention | str | None = None
        for pos, word in enumerate(words):
            if pos in period_words:
                if last != "periode":
                    out.append("periode")
                last = "periode"
                continue
            m = owner.get(pos)
            if m is None:
                out.append(word)
                last = None
            elif m is not last:
                out.append(PLACEHOLDER.get(m.kind, m.kind))
                last = m
        return " ".join(out)

    def variants(self, words: tuple[str, ...], mentions: list[Mention], period_words: set[int]) -> dict[frozenset, str]:
        """One masked text per distinct set of mention kinds an example can use."""
        present = {m.kind for m in mentions if m.score >= 0.7}
        out: dict[frozenset, str] = {}
        for i, example in enumerate(self.examples):
            key_ = frozenset(present & example_kinds(example))
            if key_ not in out:
                out[key_] = self.masked(words, mentions, period_words, key_)
        return out

    def rank(self, variants: dict | str, mention_kinds: set[str], visible_graphs: set[str],
             top: int = 5, form: str | None = None, ops: frozenset[str] = frozenset(),
             groups: frozenset[str] = frozenset(), target: frozenset[str] = frozenset(),
             negated: bool = True) -> list[Candidate]:
        """The best candidates; `form`, `ops`, `groups`, `target` and `negated` are what the
        question's words say (question_form etc.); left at their defaults they change nothing."""
        if isinstance(variants, str):
            variants = {None: variants}
        keys = list(variants)
        word_sets = {k: tuple(variants[k].split()) for k in keys}
        sims = None
        if self.embedder is not None and self.matrix is not None:
            sims = self.matrix @ self._encode([variants[k] for k in keys]).T  # rows x variants
        position = {k: n for n, k in enumerate(keys)}
        present = set().union(*[k for k in keys if isinstance(k, frozenset)]) if keys else set()
        choice = {i: position.get(frozenset(present & example_kinds(e)), 0) for i, e in enumerate(self.examples)}
        best: dict[int, tuple[float, float, float, str]] = {}
        for row, (i, text, toks) in enumerate(self.rows):
            v = choice[i]
            lex = self._lexical(word_sets[keys[v]], toks)
            e = float(sims[row, v]) if sims is not None else lex
            score = 0.35 * e + 0.65 * lex
            if i not in best or best[i][0] < score:
                best[i] = (score, e, lex, text)
        out: list[Candidate] = []
        for i, (score, e, lex, text) in best.items():
            example = self.examples[i]
            kinds = example_kinds(example)
            in_scope = set(example.graphs) <= visible_graphs
            fillable = all(set(s.kinds) & mention_kinds for s in example.required)
            if in_scope and not fillable:
                continue
            filled = sum(1 for s in example.slots if set(s.kinds) & mention_kinds)
            score += 0.04 * filled
            if form is not None and in_scope:
                # "hoeveel" wants a figure, "welke" a listing: a mismatch is a different question
                score += FORM_FIT.get((form, self.forms[i]), -0.07)
            if ops and in_scope:
                score += ops_fit(ops, self.ops[i])
            if groups and in_scope:
                score += GROUP_FIT if groups & self.groups[i] else GROUP_MISFIT
            if target and in_scope and self.ranked[i]:
                score += TARGET_FIT if target & self.ranked[i] else TARGET_MISFIT
            if not negated and in_scope and self.negative[i]:
                score -= NEGATION_MISSING
            unused = {k for k in mention_kinds & TELLING_KINDS if k not in kinds}
            score -= 0.06 * len(unused)
            out.append(Candidate(example, round(score, 4), round(e, 4), round(lex, 4), text, fillable))
        out.sort(key=lambda c: -c.score)
        return out[:top]
