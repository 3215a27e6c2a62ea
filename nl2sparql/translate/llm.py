"""The optional LLM translator: any LangChain chat model writes the SPARQL; the pipeline's
guard checks it and feeds the error back (repair loop). LangChain is used only as plumbing
(chat model interface, messages); its SPARQL QA chain is not used: it dumps the whole schema,
runs whatever the model writes and can write to the store.

The prompt holds only what the asker may see: the schema of the role's graphs, the linked
entities (found through the scope gate) and the closest catalogue examples in scope.
"""

from __future__ import annotations

import os
import re

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

from nl2sparql.schema import Schema
from nl2sparql.settings import LlmSettings
from nl2sparql.translate import Translation, TranslationRequest

SYSTEM = """Je vertaalt Nederlandse vragen van baliemedewerkers van de stad naar één SPARQL 1.1 SELECT-query.
Regels: alleen SELECT of ASK; geen FROM, GRAPH, SERVICE, LOAD of updates; gebruik alleen de prefixen,
klassen en eigenschappen hieronder; gebruik de IRI's van de gevonden entiteiten letterlijk.
Antwoord met de query in een ```sparql codeblok en niets anders.

Prefixen:
{prefixes}

Schema (alleen wat deze gebruiker mag zien):
{schema}
"""

CODE_RE = re.compile(r"```(?:sparql)?\s*(.*?)```", re.S | re.I)
QUERY_START = re.compile(r"\b(PREFIX|SELECT|ASK)\b", re.I)


def extract_sparql(reply: str) -> str:
    """The query in a model reply: a fenced block, else from the first PREFIX/SELECT/ASK."""
    m = CODE_RE.search(reply or "")
    if m:
        return m.group(1).strip()
    m = QUERY_START.search(reply or "")
    return reply[m.start():].strip() if m else ""


class LlmTranslator:
    name = "llm"

    def __init__(self, model: BaseChatModel, schema: Schema, settings: LlmSettings | None = None):
        self.model = model
        self.schema = schema
        self.settings = settings or LlmSettings()
        self._history: dict[int, list] = {}

    def messages(self, request: TranslationRequest) -> list:
        system = SYSTEM.format(prefixes=self.schema.prefix_block(), schema=self.schema.summary(request.visible_graphs))
        lines = [f"Vraag: {request.question}", f"Vandaag: {request.today.isoformat()}"]
        if request.period is not None:
            lines.append(f"Periode: {request.period.start.isoformat()} t.e.m. {request.period.end.isoformat()}")
        entities = [m for m in request.mentions if m.score >= 0.7][:12]
        if entities:
            lines.append("Gevonden entiteiten:")
            lines += [f"- {m.kind}: {m.label} -> {'<' + m.value + '>' if m.is_iri else repr(m.value)}" for m in entities]
        examples = [c for c in request.candidates if set(c.example.graphs) <= request.visible_graphs][:2]
        if examples:
            lines.append("Voorbeelden van queries voor gelijkaardige vragen:")
            for c in examples:
                lines.append(f"Vraag: {c.example.questions[0]}\n```sparql\n{c.example.sparql.strip()}\n```")
        return [SystemMessage(system), HumanMessage("\n".join(lines))]

    def translate(self, request: TranslationRequest, attempt: int, feedback: str | None) -> Translation | None:
        if attempt >= self.settings.max_attempts:
            return None
        key = id(request)
        if attempt == 0 or key not in self._history:
            self._history[key] = self.messages(request)
        history = self._history[key]
        if feedback:
            history.append(HumanMessage(f"De vorige query werd geweigerd: {feedback}\nSchrijf een verbeterde query."))
        reply = self.model.invoke(history)
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        history.append(AIMessage(text))
        if attempt + 1 >= self.settings.max_attempts:
            self._history.pop(key, None)
        return Translation(extract_sparql(text), self.name, (), None, 0.3)


def chat_model_from_settings(settings: LlmSettings) -> BaseChatModel | None:
    """The configured chat model, or None when no LLM is configured. Endpoints are only
    configured here, never contacted until a question needs them."""
    if not settings.enabled:
        return None
    api_key = os.environ.get(settings.api_key_env) if settings.api_key_env else None
    if settings.provider == "gguf":
        from nl2sparql.translate.local_model import LocalGgufChatModel

        return LocalGgufChatModel.from_path(settings.model or None, max_new_tokens=settings.max_tokens)
    if settings.provider == "openai":
        from langchain_openai import ChatOpenAI  # optional dependency

        return ChatOpenAI(model=settings.model, base_url=settings.base_url, api_key=api_key or "unused",
                          temperature=settings.temperature, max_tokens=settings.max_tokens,
                          timeout=settings.timeout_seconds)
    if settings.provider == "ollama":
        from langchain_ollama import ChatOllama  # optional dependency

        return ChatOllama(model=settings.model, base_url=settings.base_url, temperature=settings.temperature,
                          num_predict=settings.max_tokens)
    raise ValueError(f"unknown LLM provider {settings.provider!r} (use openai, ollama, gguf or none)")
