"""The held-out counter questions: load the templates (questions.yaml), fill their slots from
a generated sources folder and compute their gold answers.

    from examples.questions import load_questions, instantiate      # or via nl2sparql.evaluate
    questions = load_questions()
    instances = instantiate(questions, "/tmp/ev/sources")

This folder is not an installed package; `nl2sparql.evaluate.question_package()` loads it by
path so `schakel eval` works from a checkout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .gold import DEFAULT_TODAY, Gold, GoldError, SourceData, compute
from .slots import SlotFiller, SlotValue, render, render_args

HERE = Path(__file__).resolve().parent
QUESTIONS_FILE = HERE / "questions.yaml"
CATEGORIES = ("product_info", "opening_hours", "dossier_status", "aggregates", "address", "sensor", "comparison",
              "time", "negation", "out_of_scope", "unanswerable", "injection")
EXPECTS = ("answered", "escalated", "not_understood")
ROLES = ("publiek", "balie", "sociaal", "integrator", "beheerder")


@dataclass(frozen=True)
class Question:
    id: str
    category: str
    template: str
    roles: tuple[str, ...]
    expect: str
    gold_fn: str | None
    gold_args: dict
    accept: tuple[str, ...] = ()  # other statuses that also count as right (e.g. refusing an injection)


@dataclass
class Instance:
    """One question with its slots filled; `gold` is None for escalated/not_understood ones,
    `error` says why a gold answer could not be computed (the evaluator skips those)."""
    question: Question
    text: str
    slots: dict[str, SlotValue] = field(default_factory=dict)
    gold_args: dict = field(default_factory=dict)
    gold: Gold | None = None
    error: str | None = None

    @property
    def id(self) -> str:
        return self.question.id

    def slot_texts(self) -> dict[str, str]:
        return {k: v.text for k, v in self.slots.items()}


def load_questions(path: Path | str = QUESTIONS_FILE) -> list[Question]:
    import yaml

    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    out, seen = [], set()
    for i, q in enumerate(raw.get("questions", [])):
        where = f"{path}: question #{i + 1} ({q.get('id')})"
        for key in ("id", "category", "template", "roles", "expect"):
            if key not in q:
                raise ValueError(f"{where}: missing field {key!r}")
        if q["id"] in seen:
            raise ValueError(f"{where}: duplicate id")
        seen.add(q["id"])
        if q["category"] not in CATEGORIES:
            raise ValueError(f"{where}: unknown category {q['category']!r}")
        if q["expect"] not in EXPECTS:
            raise ValueError(f"{where}: expect must be one of {EXPECTS}")
        roles = tuple(q["roles"]) if isinstance(q["roles"], list) else (q["roles"],)
        if not roles or any(r not in ROLES for r in roles):
            raise ValueError(f"{where}: unknown role in {roles}")
        gold = q.get("gold") or {}
        if q["expect"] == "answered" and not gold.get("fn"):
            raise ValueError(f"{where}: an answered question needs a gold function")
        accept = tuple(q.get("accept") or ())
        if any(a not in EXPECTS or a == q["expect"] for a in accept):
            raise ValueError(f"{where}: accept must list other statuses among {EXPECTS}")
        out.append(Question(q["id"], q["category"], str(q["template"]), roles, q["expect"], gold.get("fn"),
                            dict(gold.get("args") or {}), accept))
    return out


def instantiate(questions: list[Question], sources: Path | str | SourceData, *, today: date = DEFAULT_TODAY,
                with_gold: bool = True) -> list[Instance]:
    data = sources if isinstance(sources, SourceData) else SourceData(sources)
    filler = SlotFiller(data)
    out = []
    for q in questions:
        try:
            values = filler.fill(q.id, [q.template, repr(q.gold_args)])
            inst = Instance(q, render(q.template, values), values, render_args(q.gold_args, values))
        except (GoldError, KeyError) as exc:
            out.append(Instance(q, q.template, error=f"slots: {exc}"))
            continue
        if with_gold and q.gold_fn:
            try:
                inst.gold = compute(data, q.gold_fn, inst.gold_args, today=today)
            except GoldError as exc:
                inst.error = f"gold: {exc}"
        out.append(inst)
    return out


__all__ = ["Question", "Instance", "load_questions", "instantiate", "QUESTIONS_FILE", "CATEGORIES", "SourceData",
           "Gold", "GoldError", "compute", "DEFAULT_TODAY"]
