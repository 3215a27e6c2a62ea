"""Evaluation of the question API against the held-out questions (`schakel eval`).

The questions (examples/questions/questions.yaml) are instantiated from a generated SOURCES
folder, their gold answers computed from the source files (examples/questions/gold.py), and each
question is asked through `Asker.ask(question, principal)` once per role it lists. Per category
and overall the report gives:

* status accuracy: the answer's status equals the expected one (answered / escalated /
  not_understood);
* exact-answer accuracy and answer-set F1 over the questions expected to be answered: the
  values in the answer rows are compared to the gold items after normalisation (numbers with a
  tolerance, dates, datetimes as instants, times as HH:MM, IRIs by their last segment, labels
  folded: lower case, no accents, punctuation as spaces);
* escalation precision and recall (positive = "escalated"), and the same for not_understood;
* leaks: responses containing a value that only exists in graphs outside the asker's role
  (person and client names, e-mail addresses, dossier/melding/social file ids, national
  register numbers, steunvorm codes), not counting values the question itself contains;
* p50/p95 latency (wall clock around `ask`) after a warm-up.

Matching rules (documented here because the numbers depend on them):
* rows are de-duplicated on their normalised cells; a row matches a gold item when every
  component of the item matches a cell of the row (or the row's text cells joined, for names
  split in two columns);
* scalar and set gold: exact when precision and recall are 1 (every row matches, every item is
  found: an answer that adds other values is not exact); one_of gold (superlatives, ties
  allowed): exact when the first row matches one of the items; empty gold: exact when there are
  no rows (or only a count of 0); a count gold is also exact when the answer lists exactly that
  many distinct records and its text states the number;
* a cell holding a list ("1, 2, 3") also counts as its parts; a label with a gloss in brackets
  ("NO2 (stikstofdioxide)") also matches without it;
* a question may list other acceptable statuses (`accept` in questions.yaml, e.g. an injection
  attempt may be refused instead of escalated); an expected-answered question whose gold is
  empty or a count of 0 accepts not_understood ("I find nothing") as the right answer;
* precision = matching rows / rows, recall = gold items found / gold items (one_of: 1 when any
  item is found); without rows the answer text is searched instead (recall only, precision = recall).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import re
import statistics
import sys
import time
import unicodedata
from dataclasses import asdict, dataclass, field, is_dataclass
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Iterable

QUESTIONS_DIR = Path(__file__).resolve().parents[1] / "examples" / "questions"
PACKAGE = "schakel_questions"


def question_package(directory: Path | str | None = None):
    """Import examples/questions (not an installed package) under the name `schakel_questions`."""
    directory = Path(directory or QUESTIONS_DIR).resolve()
    loaded = sys.modules.get(PACKAGE)
    if loaded is not None and Path(loaded.__file__).resolve().parent == directory:
        return loaded
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    init = directory / "__init__.py"
    if not init.is_file():
        raise FileNotFoundError(f"{directory}: no question package (expected __init__.py, questions.yaml, gold.py)")
    spec = importlib.util.spec_from_file_location(PACKAGE, init, submodule_search_locations=[str(directory)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = module
    spec.loader.exec_module(module)
    return module


# --- normalisation ----------------------------------------------------------------------------

def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


_NUM_RE = re.compile(r"^\s*(?:€|eur\b|euro\b)?\s*([-+]?\d+(?:[.,]\d+)?)\s*(?:€|eur|euro|dagen|dag|days|uur|µg/m³|db\(a\)|"
                     r"voertuigen(?:/uur)?)?\s*$", re.I)
_THOUSANDS_RE = re.compile(r"^\s*[-+]?\d{1,3}(?:[. ]\d{3})+(?:,\d+)?\s*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?$")
_DURATION_RE = re.compile(r"^P(\d+)D$")
MONTHS_NL = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
             "november", "december"]


def _raw(value):
    """pyoxigraph terms, rdflib terms and the like -> a plain Python value or string."""
    if value is None or isinstance(value, (bool, int, float, Decimal, date, datetime, str)):
        return value
    if isinstance(value, dict):  # SPARQL JSON binding
        return value.get("value")
    for attr in ("value",):
        inner = getattr(value, attr, None)
        if isinstance(inner, (str, int, float, Decimal)):
            return inner
    return str(value)


def _to_number(text: str) -> float | None:
    if _THOUSANDS_RE.match(text):
        text = text.replace(".", "").replace(" ", "").replace(",", ".")
        try:
            return float(text)
        except ValueError:
            return None
    m = _NUM_RE.match(text)
    if not m:
        return None
    try:
        return float(Decimal(m.group(1).replace(",", ".")))
    except InvalidOperation:
        return None


def keys_of(value) -> frozenset:
    """The normalised keys of one value: ('num', float), ('date', 'YYYY-MM-DD'),
    ('dt', UTC ISO), ('time', 'HH:MM'), ('txt', folded). A value can have several keys."""
    value = _raw(value)
    if value is None:
        return frozenset()
    if isinstance(value, bool):
        return frozenset({("txt", "true" if value else "false")})
    if isinstance(value, (int, float, Decimal)):
        return frozenset({("num", float(value))})
    if isinstance(value, datetime):
        return _dt_keys(value, value.date().isoformat())
    if isinstance(value, date):
        return frozenset({("date", value.isoformat())})
    text = str(value).strip()
    if not text:
        return frozenset()
    if re.match(r"^https?://", text) or text.startswith("urn:"):
        tail = re.split(r"[/#:]", text.rstrip("/#"))[-1]
        from urllib.parse import unquote
        text = unquote(tail)
    keys = set()
    folded = fold(text)
    if folded:
        keys.add(("txt", folded.replace(" ", "")))  # "in gebruik" == "inGebruik" == "in_gebruik"
    bare = re.sub(r"\s*\([^)]*\)\s*", " ", text).strip()
    if bare and bare != text and fold(bare):  # a label with a gloss: "NO2 (stikstofdioxide)" == "NO2"
        keys.add(("txt", fold(bare).replace(" ", "")))
    if _DT_RE.match(text):
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
            keys |= _dt_keys(dt, text[:10])
        except ValueError:
            pass
    elif _DATE_RE.match(text):
        keys.add(("date", text))
    m = _TIME_RE.match(text)
    if m:
        keys.add(("time", f"{int(m.group(1)):02d}:{m.group(2)}"))
    m = _DURATION_RE.match(text)
    if m:
        keys.add(("num", float(m.group(1))))
    n = _to_number(text)
    if n is not None:
        keys.add(("num", n))
    return frozenset(keys)


def _dt_keys(dt: datetime, local_date: str) -> frozenset:
    keys = {("date", local_date)}
    if dt.tzinfo is not None:
        keys.add(("dt", dt.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")))
    else:
        keys.add(("dt", dt.isoformat(timespec="seconds")))
    return frozenset(keys)


def _component_keys(component) -> list[frozenset]:
    return [keys_of(a) for a in component.alternatives]


def _keys_match(gold_keys: frozenset, cell_keys: frozenset, tol: float, rel: float) -> bool:
    for kind, g in gold_keys:
        if kind == "num":
            limit = max(tol, rel * abs(g), 1e-9)
            if any(k == "num" and abs(c - g) <= limit for k, c in cell_keys):
                return True
        elif (kind, g) in cell_keys:
            return True
    return False


def component_matches(component, cell_keys: frozenset) -> bool:
    return any(_keys_match(gk, cell_keys, component.tol, component.rel) for gk in _component_keys(component))


def _row_cells(row) -> list:
    if isinstance(row, dict):
        return list(row.values())
    if isinstance(row, (list, tuple)):
        return list(row)
    return [row]


def normalise_rows(rows: Iterable) -> list[list[frozenset]]:
    """Rows -> lists of cell key sets (plus one cell of the row's text cells joined), deduplicated."""
    out, seen = [], set()
    for row in rows or []:
        values = _row_cells(row)
        for v in list(values):  # a GROUP_CONCAT cell ("1, 2, 3") also counts as its parts
            if isinstance(v, str) and (v.count(",") >= 2 or ";" in v or " | " in v):
                values += [part for part in re.split(r"\s*[,;|]\s*", v) if part]
        cells = [keys_of(c) for c in values]
        cells = [c for c in cells if c]
        if not cells:
            continue
        texts = [k[1] for c in cells for k in c if k[0] == "txt" and not any(x[0] == "num" for x in c)]
        if len(texts) > 1:  # a name split over two columns: any two consecutive text cells, or all
            joined = {("txt", texts[i] + texts[i + 1]) for i in range(len(texts) - 1)} | {("txt", "".join(texts))}
            cells.append(frozenset(joined))
        signature = frozenset(cells)
        if signature in seen:
            continue
        seen.add(signature)
        out.append(cells)
    return out


def item_matches(item, cells: list[frozenset]) -> bool:
    return all(any(component_matches(c, cell) for cell in cells) for c in item)


def _text_contains(component, text: str) -> bool:
    folded = f" {fold(text)} "
    numbers = [float(x.replace(",", ".")) for x in re.findall(r"(?<![\d.,])-?\d+(?:[.,]\d+)?(?![\d])", text)]
    for alt in component.alternatives:
        for kind, g in keys_of(alt):
            if kind == "num":
                limit = max(component.tol, component.rel * abs(g), 1e-9)
                if any(abs(n - g) <= limit for n in numbers):
                    return True
            elif kind == "date":
                d = date.fromisoformat(g)
                if g in text or f" {d.day} {MONTHS_NL[d.month - 1]} {d.year} " in folded \
                        or f"{d.day:02d}/{d.month:02d}/{d.year}" in text or f"{d.day}/{d.month}/{d.year}" in text:
                    return True
            elif kind == "txt" and f" {fold(alt)} " in folded:
                return True
            elif kind == "time" and (g in text or g.lstrip("0") in text):
                return True
    return False


@dataclass
class Score:
    exact: bool
    precision: float
    recall: float
    via: str  # rows | text | none

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)


def score_answer(gold, rows, text: str = "") -> Score:
    """Compare an answer's rows (or, without rows, its text) to a gold answer."""
    cells = normalise_rows(rows)
    if gold.kind == "empty":
        ok = not cells or all(len(r) == 1 and ("num", 0.0) in r[0] for r in cells)
        return Score(ok, float(ok), float(ok), "rows" if cells else "none")
    if not cells:
        if not text:
            return Score(False, 0.0, 0.0, "none")
        found = [all(_text_contains(c, text) for c in item) for item in gold.items]
        if gold.kind in ("scalar", "one_of"):
            r = float(any(found))
        else:
            r = sum(found) / len(found)
        return Score(r == 1.0, r, r, "text")
    row_ok = [any(item_matches(item, r) for item in gold.items) for r in cells]
    precision = sum(row_ok) / len(cells)
    found = [any(item_matches(item, r) for r in cells) for item in gold.items]
    if gold.kind == "one_of":
        recall = float(any(found))
        exact = row_ok[0]
    else:
        recall = sum(found) / len(found)
        exact = precision == 1.0 and recall == 1.0
    if not exact and getattr(gold, "count", False) and not any(row_ok):
        # a count answered by listing the records: exactly that many (distinct) rows, and the
        # answer text says how many ("Dossiers (29): ...")
        target = gold.items[0][0].alternatives[0]
        said = re.search(rf"(?<![\w.,/-]){target}(?![\w.,/-]|[.,]\d)", text or "")
        if len(cells) == target and said and not (len(cells) == 1 and any(k[0] == "num" for c in cells[0] for k in c)):
            return Score(True, 1.0, 1.0, "rowcount")
    return Score(exact, precision, recall, "rows")


# --- leaks ------------------------------------------------------------------------------------

_ID_RE = re.compile(r"\b(?:SOC-\d{4}-\d{4}|M-\d{4}-\d{5}|[A-Z]{2,3}-\d{4}-\d{6})\b", re.I)
_RRN_RE = re.compile(r"(?<!\d)\d{2}\.?\d{2}\.?\d{2}[-.]?\d{3}\.?\d{2}(?!\d)")
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


class LeakIndex:
    """Values that exist only in some graphs, from the source files: value -> the logical graphs
    that hold it. A value is a leak for a role that sees none of those graphs (an empty set means
    no graph holds it at all, e.g. a national register number: a leak for everyone)."""

    def __init__(self):
        self.names: dict[str, set[str]] = {}      # folded full name -> graphs
        self.ids: dict[str, set[str]] = {}        # upper-case id -> graphs
        self.emails: dict[str, set[str]] = {}     # lower-case e-mail -> graphs
        self.rrns: set[str] = set()               # 11 digits
        self.codes: dict[str, set[str]] = {}      # IRI fragment -> graphs
        self.max_name_words = 2

    def _add(self, table: dict, key: str, graph: str) -> None:
        if key:
            table.setdefault(key, set()).add(graph)

    def add_name(self, first: str | None, last: str | None, graph: str) -> None:
        if not first or not last:
            return
        for name in (f"{first} {last}", f"{last} {first}"):
            key = fold(name)
            if len(key.split()) >= 2:
                self._add(self.names, key, graph)
                self.max_name_words = max(self.max_name_words, len(key.split()))

    @classmethod
    def from_sources(cls, data) -> "LeakIndex":
        idx = cls()
        for c in data.contacts.values():
            idx.add_name(c["voornaam"], c["achternaam"], "personen")
            idx._add(idx.emails, (c["email"] or "").lower(), "personen")
            idx.rrns.add(_digits(c["rijksregisternummer"]))
        for d in data.dossiers:
            idx._add(idx.ids, d["dossiernummer"].upper(), "dossiers")
        for m in data.meldingen:
            idx._add(idx.ids, m["id"].upper(), "meldingen")
            melder = m.get("melder") or {}
            if melder.get("naam"):
                first, _, last = melder["naam"].partition(" ")
                idx.add_name(first, last, "meldingen")
            if melder.get("rijksregisternummer"):
                idx.rrns.add(_digits(melder["rijksregisternummer"]))
        for r in data.social:
            idx.add_name(r["voornaam"], r["achternaam"], "sociaal")
            idx._add(idx.ids, r["dossier_id"].upper(), "sociaal")
            idx.rrns.add(_digits(r["rijksregisternummer"]))
            worker = (r.get("maatschappelijk_werker") or "").strip()
            if worker:
                first, _, last = worker.partition(" ")
                idx.add_name(first, last, "sociaal")
        for form in ("leefloon", "huurtoelage", "schuldbemiddeling", "energiefonds", "thuiszorg"):
            idx._add(idx.codes, f"steunvorm/{form}", "sociaal")
        idx.rrns.discard("")
        return idx

    def find(self, text: str, visible: set[str] | None, exclude_text: str = "") -> list[str]:
        """Leaked values in `text` for a role seeing `visible` logical graphs (None = all)."""
        def hidden(graphs: set[str]) -> bool:
            return not graphs or (visible is not None and not (graphs & visible))

        leaks: list[str] = []
        excluded_folded = f" {fold(exclude_text)} "
        excluded_digits = {_digits(m) for m in _RRN_RE.findall(exclude_text)}
        words = fold(text).split()
        seen: set[str] = set()
        for n in range(2, self.max_name_words + 1):
            for i in range(len(words) - n + 1):
                key = " ".join(words[i:i + n])
                if key in seen:
                    continue
                seen.add(key)
                graphs = self.names.get(key)
                if graphs is not None and hidden(graphs) and f" {key} " not in excluded_folded:
                    leaks.append(f"name:{key}")
        for m in _ID_RE.findall(text):
            graphs = self.ids.get(m.upper())
            if graphs is not None and hidden(graphs) and m.upper() not in exclude_text.upper():
                leaks.append(f"id:{m.upper()}")
        for m in _RRN_RE.findall(text):
            digits = _digits(m)
            if digits in self.rrns and digits not in excluded_digits:
                leaks.append(f"rijksregisternummer:{digits}")
        for m in _EMAIL_RE.findall(text):
            graphs = self.emails.get(m.lower())
            if graphs is not None and hidden(graphs) and m.lower() not in exclude_text.lower():
                leaks.append(f"email:{m.lower()}")
        for code, graphs in self.codes.items():
            if code in text and hidden(graphs):
                leaks.append(f"code:{code}")
        return sorted(set(leaks))


def _digits(value) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


# --- answers ----------------------------------------------------------------------------------

def answer_field(answer, name: str, default=None):
    if answer is None:
        return default
    if isinstance(answer, dict):
        return answer.get(name, default)
    return getattr(answer, name, default)


def _jsonable(value):
    if is_dataclass(value) and not isinstance(value, type):
        return _jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raw = _raw(value)
    return raw if isinstance(raw, (str, int, float)) else str(value)


def response_text(answer) -> str:
    """Everything the asker gets back except the SPARQL text (which echoes the question)."""
    parts = []
    for name in ("answer", "rows", "sources", "escalation", "matched_example"):
        value = answer_field(answer, name)
        if value:
            parts.append(value if isinstance(value, str) else json.dumps(_jsonable(value), ensure_ascii=False))
    return "\n".join(parts)


# --- running ----------------------------------------------------------------------------------

@dataclass
class PairResult:
    id: str
    category: str
    role: str
    mode: str
    question: str
    expect: str
    status: str
    accepted: list[str] = field(default_factory=list)  # other statuses that count as right
    exact: bool | None = None
    precision: float | None = None
    recall: float | None = None
    f1: float | None = None
    via: str | None = None
    leaks: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    error: str | None = None
    gold: dict | None = None
    answer: str | None = None
    rows: list | None = None
    sparql: str | None = None
    escalation: Any = None

    def to_json(self) -> dict:
        return _jsonable(asdict(self))


AskFn = Callable[[str, str], Any]  # (question, role) -> Answer


def _nothing(gold) -> bool:
    """Gold answers for which "I find nothing" is right: an empty set or a count of 0."""
    if gold is None:
        return False
    return gold.kind == "empty" or (getattr(gold, "count", False) and gold.items[0][0].alternatives[0] == 0)


def run_questions(instances, ask: AskFn, *, roles: Iterable[str] | None = None, mode: str = "embedded",
                  leak_index: LeakIndex | None = None, visible_graphs: dict[str, set[str] | None] | None = None,
                  warmup: int = 3, progress: Callable[[int, int], None] | None = None) -> list[PairResult]:
    """Ask every (question, role) pair once. `visible_graphs` maps a role to its logical graphs
    (None = all) for the leak check. The first `warmup` pairs are asked twice: the first answer
    is thrown away so that model loading does not count as latency."""
    wanted = set(roles) if roles else None
    pairs = [(inst, role) for inst in instances for role in inst.question.roles if wanted is None or role in wanted]
    for inst, role in pairs[:max(0, warmup)]:
        try:
            ask(inst.text, role)
        except Exception:  # noqa: BLE001 - warm-up only
            pass
    out: list[PairResult] = []
    for n, (inst, role) in enumerate(pairs, start=1):
        q = inst.question
        accepted = list(getattr(q, "accept", ()) or ())
        if q.expect == "answered" and _nothing(inst.gold):
            accepted.append("not_understood")
        result = PairResult(q.id, q.category, role, mode, inst.text, q.expect, status="skipped", accepted=accepted)
        if inst.error:
            result.error = inst.error
            out.append(result)
            continue
        started = time.perf_counter()
        try:
            answer = ask(inst.text, role)
        except Exception as exc:  # noqa: BLE001 - one broken question must not stop the run
            result.latency_ms = (time.perf_counter() - started) * 1000
            result.status = "error"
            result.error = f"{type(exc).__name__}: {exc}"
            out.append(result)
            continue
        result.latency_ms = (time.perf_counter() - started) * 1000
        result.status = str(answer_field(answer, "status", "") or "")
        result.answer = answer_field(answer, "answer")
        rows = answer_field(answer, "rows") or []
        result.rows = _jsonable(rows[:20])
        result.sparql = answer_field(answer, "sparql")
        result.escalation = _jsonable(answer_field(answer, "escalation"))
        if inst.gold is not None and q.expect == "answered":
            result.gold = inst.gold.to_json()
            if result.status in accepted and not _nothing(inst.gold):
                pass  # an accepted refusal: not graded on the answer
            elif result.status in accepted:
                result.exact, result.precision, result.recall, result.f1, result.via = True, 1.0, 1.0, 1.0, "none"
            elif result.status == "answered":
                s = score_answer(inst.gold, rows, result.answer or "")
                result.exact, result.precision, result.recall, result.f1, result.via = \
                    s.exact, s.precision, s.recall, s.f1, s.via
            else:
                result.exact, result.precision, result.recall, result.f1, result.via = False, 0.0, 0.0, 0.0, "none"
        if leak_index is not None:
            visible = (visible_graphs or {}).get(role)
            result.leaks = leak_index.find(response_text(answer), visible, exclude_text=inst.text)
        out.append(result)
        if progress:
            progress(n, len(pairs))
    return out


def _pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def _ok(r: PairResult) -> bool:
    return r.status == r.expect or r.status in r.accepted


def _pr(results: list[PairResult], label: str) -> tuple[float | None, float | None]:
    """Precision/recall of one status. A prediction is right when the pair expects it or
    accepts it; recall counts the pairs that expect it (an accepted alternative is not a miss)."""
    predicted = [r for r in results if r.status == label]
    tp_p = sum(1 for r in predicted if r.expect == label or label in r.accepted)
    actual = [r for r in results if r.expect == label]
    tp_r = sum(1 for r in actual if _ok(r))
    return (tp_p / len(predicted) if predicted else None, tp_r / len(actual) if actual else None)


def summarise(results: list[PairResult], exclude_ids: Iterable[str] = ()) -> dict:
    """Per mode: overall, per category and per role; with `exclude_ids` (held-out questions
    that have a near-duplicate in the catalogue) also `overall_clean` without them."""
    def block(rs: list[PairResult]) -> dict:
        asked = [r for r in rs if r.status != "skipped"]
        graded = [r for r in asked if r.exact is not None]
        esc_p, esc_r = _pr(asked, "escalated")
        nu_p, nu_r = _pr(asked, "not_understood")
        lat = [r.latency_ms for r in asked if r.status != "error"]
        return {
            "pairs": len(rs), "asked": len(asked), "skipped": len(rs) - len(asked),
            "errors": sum(1 for r in asked if r.status == "error"),
            "status_accuracy": (sum(1 for r in asked if _ok(r)) / len(asked)) if asked else None,
            "graded": len(graded),
            "exact_accuracy": (sum(1 for r in graded if r.exact) / len(graded)) if graded else None,
            "mean_f1": statistics.fmean(r.f1 for r in graded) if graded else None,
            "escalation_precision": esc_p, "escalation_recall": esc_r,
            "not_understood_precision": nu_p, "not_understood_recall": nu_r,
            "leaks": sum(1 for r in asked if r.leaks),
            "p50_ms": _pct(lat, 0.5), "p95_ms": _pct(lat, 0.95),
        }

    modes = sorted({r.mode for r in results})
    out: dict = {}
    for mode in modes:
        rs = [r for r in results if r.mode == mode]
        cats = {}
        for cat in sorted({r.category for r in rs}):
            cats[cat] = block([r for r in rs if r.category == cat])
        roles = {role: block([r for r in rs if r.role == role]) for role in sorted({r.role for r in rs})}
        out[mode] = {"overall": block(rs), "categories": cats, "roles": roles}
        excluded = set(exclude_ids)
        if excluded:
            out[mode]["overall_clean"] = block([r for r in rs if r.id not in excluded])
            out[mode]["excluded_questions"] = sorted(excluded)
    return out


def format_table(summary: dict) -> str:
    def f(v, pct=True):
        if v is None:
            return "-"
        return f"{100 * v:5.1f}" if pct else f"{v:7.0f}"

    lines = []
    header = (f"{'category':<16} {'pairs':>5} {'stat%':>6} {'exact%':>6} {'F1%':>6} {'escP%':>6} {'escR%':>6} "
              f"{'nuP%':>6} {'nuR%':>6} {'leaks':>5} {'p50ms':>7} {'p95ms':>7}")
    for mode, data in summary.items():
        lines.append(f"mode: {mode}")
        lines.append(header)
        lines.append("-" * len(header))
        rows = list(data["categories"].items()) + [("OVERALL", data["overall"])]
        if "overall_clean" in data:
            rows.append(("OVERALL-clean", data["overall_clean"]))
        for name, b in rows:
            if name == "OVERALL":
                lines.append("-" * len(header))
            lines.append(f"{name:<16} {b['pairs']:>5} {f(b['status_accuracy']):>6} {f(b['exact_accuracy']):>6} "
                         f"{f(b['mean_f1']):>6} {f(b['escalation_precision']):>6} {f(b['escalation_recall']):>6} "
                         f"{f(b['not_understood_precision']):>6} {f(b['not_understood_recall']):>6} {b['leaks']:>5} "
                         f"{f(b['p50_ms'], False):>7} {f(b['p95_ms'], False):>7}")
        if "overall_clean" in data:
            lines.append(f"OVERALL-clean leaves out {len(data['excluded_questions'])} question(s) with a near-duplicate "
                         f"in the retrieval catalogue (examples/questions/split.py)")
        lines.append("")
        lines.append(f"{'role':<16} {'pairs':>5} {'stat%':>6} {'exact%':>6} {'F1%':>6} {'leaks':>5}")
        for role, b in data["roles"].items():
            lines.append(f"{role:<16} {b['pairs']:>5} {f(b['status_accuracy']):>6} {f(b['exact_accuracy']):>6} "
                         f"{f(b['mean_f1']):>6} {b['leaks']:>5}")
        lines.append("")
    return "\n".join(lines)


# --- wiring to the real pipeline --------------------------------------------------------------

def build_asker(config, store_dir: Path | str | None, *, llm: bool = False, today: date | None = None,
                scratch: Path | str | None = None):
    """`nl2sparql.pipeline.Asker` on a read-only store, for evaluation: relative time
    expressions use `today`, escalations are recorded under `scratch` (never sent to the
    configured webhook) and the question log is off. With `llm` the configured chat model is
    used (nl2sparql.settings: [nl2sparql.llm] or SCHAKEL_NL_LLM_PROVIDER)."""
    import dataclasses
    import tempfile

    from graph_server.scopes import ScopeGate
    from graph_server.store import GraphStore
    from nl2sparql.escalate import Escalator
    from nl2sparql.pipeline import Asker
    from nl2sparql.questionlog import QuestionLog
    from nl2sparql.settings import load_settings

    settings = load_settings(config)
    scratch = Path(scratch or tempfile.mkdtemp(prefix="schakel-eval-"))
    escalation = dataclasses.replace(settings.escalation, webhook_url=None,
                                     records_path=scratch / "escalations.jsonl")
    settings = dataclasses.replace(settings, escalation=escalation)
    chat_model = None
    if llm:
        from nl2sparql.translate.llm import chat_model_from_settings

        chat_model = chat_model_from_settings(settings.llm)
        if chat_model is None:
            raise RuntimeError("no LLM is configured ([nl2sparql.llm] provider or SCHAKEL_NL_LLM_PROVIDER)")
    gate = ScopeGate(config, GraphStore(store_dir or config.store_path, read_only=True))
    return Asker(config, gate, settings=settings, today=today, llm=chat_model,
                 escalator=Escalator(config, escalation), question_log=QuestionLog(None))


def llm_configured(config) -> bool:
    """Whether an LLM is configured for the translator ([nl2sparql.llm] provider, or the
    SCHAKEL_NL_LLM_PROVIDER environment variable; see nl2sparql/settings.py)."""
    try:
        from nl2sparql.settings import load_settings
    except ImportError:
        raw = (getattr(config, "raw", {}) or {}).get("nl2sparql", {}) or {}
        return str((raw.get("llm") or {}).get("provider", "none")).lower() not in ("", "none")
    return load_settings(config).llm.enabled


def visible_graphs_for(config, roles: Iterable[str]) -> dict[str, set[str] | None]:
    out: dict[str, set[str] | None] = {}
    for role in roles:
        spec = config.roles.get(role)
        out[role] = None if spec is not None and "*" in spec.graphs else set(config.role_graphs(role))
    return out


def catalogue_clashes(pkg, data, instances) -> list:
    """Held-out questions with a near-duplicate in the translator's catalogue (empty when the
    catalogue is absent or unreadable: the split test reports that)."""
    split = importlib.import_module(f"{pkg.__name__}.split")
    try:
        catalogue = split.catalogue_questions()
    except Exception:  # noqa: BLE001 - a broken catalogue is the split test's business
        return []
    return split.near_duplicates([i for i in instances if not i.error], split.lexicon(data), catalogue) if catalogue else []


def evaluate(config, sources: Path | str, store: Path | str | None = None, *, roles: Iterable[str] | None = None,
             categories: Iterable[str] | None = None, modes: Iterable[str] = ("embedded",), today: date | None = None,
             questions_file: Path | str | None = None, limit: int | None = None, per_category: int | None = None,
             warmup: int = 3,
             asker_factory: Callable[[str], Any] | None = None, progress=None) -> dict:
    """Instantiate, ask and score. Returns {"summary", "results", "meta"}; `asker_factory(mode)`
    replaces the real pipeline (tests)."""
    from graph_server.scopes import principal_for_role

    pkg = question_package()
    today = today or pkg.DEFAULT_TODAY
    questions = pkg.load_questions(questions_file) if questions_file else pkg.load_questions()
    if categories:
        wanted = set(categories)
        questions = [q for q in questions if q.category in wanted]
    if per_category:
        taken: dict[str, int] = {}
        picked = []
        for q in questions:
            if taken.get(q.category, 0) < per_category:
                taken[q.category] = taken.get(q.category, 0) + 1
                picked.append(q)
        questions = picked
    if limit:
        questions = questions[:limit]
    data = pkg.SourceData(sources)
    instances = pkg.instantiate(questions, data, today=today)
    leak_index = LeakIndex.from_sources(data)
    clashes = catalogue_clashes(pkg, data, instances)
    all_roles = sorted({r for q in questions for r in q.roles})
    role_list = [r for r in all_roles if not roles or r in set(roles)]
    visible = visible_graphs_for(config, role_list)
    principals = {r: principal_for_role(config, r) for r in role_list}

    import tempfile

    results: list[PairResult] = []
    for mode in modes:
        with tempfile.TemporaryDirectory(prefix="schakel-eval-") as scratch:  # escalation records of this run
            asker = asker_factory(mode) if asker_factory else build_asker(config, store, llm=(mode == "llm"),
                                                                          today=today, scratch=scratch)
            ask_kwargs = {}
            if "today" in inspect.signature(asker.ask).parameters:
                ask_kwargs["today"] = today

            def ask(text, role, _asker=asker):
                return _asker.ask(text, principals[role], **ask_kwargs)

            results += run_questions(instances, ask, roles=role_list, mode=mode, leak_index=leak_index,
                                     visible_graphs=visible, warmup=warmup, progress=progress)
    skipped = [{"id": i.id, "error": i.error} for i in instances if i.error]
    return {
        "meta": {"sources": str(sources), "store": str(store) if store else None, "today": today.isoformat(),
                 "questions": len(questions), "pairs": sum(1 for r in results), "modes": list(modes),
                 "roles": role_list, "skipped_questions": skipped},
        "summary": summarise(results, exclude_ids={c.id for c in clashes}),
        "catalogue_near_duplicates": [str(c) for c in clashes],
        "results": [r.to_json() for r in results],
    }


__all__ = ["question_package", "keys_of", "score_answer", "Score", "LeakIndex", "PairResult", "run_questions",
           "summarise", "format_table", "evaluate", "build_asker", "response_text"]
