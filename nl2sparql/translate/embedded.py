"""The embedded translator: take the retrieved catalogue example and fill its slots with the
linked entities. A repair attempt takes the next candidate example (a template does not get
better by being told its error; another reading of the question might)."""

from __future__ import annotations

import re

from nl2sparql.catalogue import Example, render_template
from nl2sparql.linker import Mention
from nl2sparql.schema import Schema
from nl2sparql.translate import Translation, TranslationRequest

LITERAL_KINDS = {"dossiernummer", "meldingnummer", "capakey", "sociaaldossiernummer", "huisnummer", "document",
                 "tijd"}
FLAG_KINDS = {"open", "spoed", "normaal", "anoniem", "niet_anoniem"}
# flags whose value is a codelist IRI (a status the question names without a linked label)
IRI_FLAG_KINDS = {"gebouwstatus", "adresstatus", "niet_adresstatus"}


def sparql_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")
    return f'"{escaped}"'


def _multi(example: Example, slot: str) -> bool:
    return re.search(r"VALUES\s+\?\w+\s*\{\s*\{\{" + slot + r"\}\}\s*\}", example.sparql) is not None


class EmbeddedTranslator:
    name = "embedded"

    def __init__(self, schema: Schema, min_score: float = 0.45):
        self.schema = schema
        self.min_score = min_score

    def fill(self, example: Example, request: TranslationRequest) -> tuple[dict[str, str], dict[str, str],
                                                                           dict[str, list[Mention]]] | None:
        values: dict[str, str] = {}
        kinds: dict[str, str] = {}
        used: dict[str, list[Mention]] = {}
        for slot in example.slots:
            chosen: list[Mention] = []
            chosen_kind = None
            for kind in slot.kinds:
                if kind == "periode":
                    if request.period is not None:
                        chosen_kind = kind
                    break
                if kind in FLAG_KINDS or kind in IRI_FLAG_KINDS:
                    if kind in request.flags:
                        chosen_kind = kind
                    break
                found = [m for m in request.mentions if m.kind == kind]
                if found:
                    strong = [m for m in found if m.score >= 0.7] or found
                    chosen, chosen_kind = strong, kind
                    break
            if chosen_kind is None:
                if not slot.optional:
                    return None
                continue
            kinds[slot.name] = chosen_kind
            if chosen_kind == "periode":
                values[slot.name] = "true"
                values["van"] = sparql_string(request.period.start.isoformat())
                values["tot"] = sparql_string(request.period.end.isoformat())
                continue
            if chosen_kind in FLAG_KINDS:
                values[slot.name] = "true"
                continue
            if chosen_kind in IRI_FLAG_KINDS:
                values[slot.name] = f"<{request.flags[chosen_kind]}>"
                continue
            chosen = sorted(chosen, key=lambda m: -m.score)
            if not _multi(example, slot.name) or chosen_kind in LITERAL_KINDS:
                chosen = chosen[:1]
            used[slot.name] = chosen
            if chosen_kind in LITERAL_KINDS:
                values[slot.name] = sparql_string(chosen[0].value if chosen_kind != "document" else chosen[0].label)
            elif chosen_kind == "getal":
                values[slot.name] = str(float(chosen[0].value)) if "." in chosen[0].value else chosen[0].value
            else:
                values[slot.name] = " ".join(f"<{m.value}>" for m in dict.fromkeys(chosen))
        return values, kinds, used

    def translate(self, request: TranslationRequest, attempt: int, feedback: str | None) -> Translation | None:
        candidates = [c for c in request.candidates if c.score >= self.min_score]
        if attempt >= len(candidates):
            return None
        candidate = candidates[attempt]
        example = candidate.example
        if not set(example.graphs) <= request.visible_graphs:
            # out of scope: never fill or render; the pipeline escalates on the graphs alone
            return Translation("", self.name, example.graphs, example.id, min(1.0, candidate.score),
                               answer_spec=example.answer)
        filled = self.fill(example, request)
        if filled is None:
            return Translation("", self.name, example.graphs, example.id, 0.0)
        values, kinds, used = filled
        body = render_template(example, values, kinds)
        sparql = self.schema.prefix_block() + "\n" + body
        return Translation(sparql, self.name, example.graphs, example.id, min(1.0, candidate.score), used,
                           example.answer)
