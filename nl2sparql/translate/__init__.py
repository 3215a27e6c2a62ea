"""Translators turn a linked question into SPARQL. Two implementations behind one protocol:
`EmbeddedTranslator` (retrieved catalogue example + slot filling; the default, no model) and
`LlmTranslator` (any LangChain chat model). Whatever they return goes through the same guard,
escalation check and execution in the pipeline; `feedback` carries the previous attempt's
error for the repair loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from graph_server.scopes import Principal
from nl2sparql.linker import Mention
from nl2sparql.normalise import Normalised
from nl2sparql.retrieve import Candidate
from nl2sparql.timeexpr import Period


@dataclass
class TranslationRequest:
    question: str
    normalised: Normalised
    mentions: list[Mention]
    period: Period | None
    flags: dict[str, str]
    principal: Principal
    visible_graphs: set[str]
    candidates: list[Candidate]
    today: date


@dataclass
class Translation:
    sparql: str
    translator: str                      # "embedded" | "llm"
    graphs: tuple[str, ...] = ()         # graphs the question needs (from the example), if known
    example_id: str | None = None
    confidence: float = 0.0
    slots: dict[str, list[Mention]] = field(default_factory=dict)
    answer_spec: dict[str, str] = field(default_factory=dict)


class Translator(Protocol):
    name: str

    def translate(self, request: TranslationRequest, attempt: int, feedback: str | None) -> Translation | None:
        """The attempt-th translation (0-based), or None when there is nothing (more) to try."""
        ...
