"""How the counter page asks a question: in-process, as the signed-in principal, through the
same pipeline as `POST /ask`, with the answer in the /ask response shape:

    {"status": "answered" | "escalated" | "not_understood", "answer": str, "rows": [...],
     "sparql": str | None, "sources": [{"graph", "source", "loaded_at"}], "confidence": float,
     "escalation": {"unit", "reason", "record_id"} | None, "matched_example": ..., "latency_ms": float}

Which pipeline: `app.state.schakel_web_asker` when set (a callable `(principal, question) ->
dict`, for demos and tests; `schakel_web_escalator` likewise for escalations), else `nl2sparql.pipeline.Asker(config, gate)`. When neither is
installed, `AskUnavailable` is raised and the page says so.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, is_dataclass

from graph_server.scopes import Principal

STATUSES = ("answered", "escalated", "not_understood")


class AskUnavailable(RuntimeError):
    """No question pipeline is installed."""


def _plain(value):
    """JSON-ready: pyoxigraph terms become their lexical value, dataclasses dicts."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    for method in ("to_json", "to_dict", "as_dict"):
        fn = getattr(value, method, None)
        if callable(fn):
            return _plain(fn())
    if hasattr(value, "value") and isinstance(getattr(value, "value"), str):
        return value.value
    return str(value)


def normalise_response(raw) -> dict:
    data = _plain(raw)
    if not isinstance(data, dict):
        raise TypeError("the question pipeline returned no object")
    status = data.get("status")
    if status not in STATUSES:
        status = "not_understood"
    escalation = data.get("escalation") if isinstance(data.get("escalation"), dict) else None
    rows = data.get("rows") if isinstance(data.get("rows"), list) else []
    sources = [s for s in (data.get("sources") or []) if isinstance(s, dict)]
    return {
        "status": status,
        "answer": str(data.get("answer") or ""),
        "rows": [r if isinstance(r, dict) else {"waarde": r} for r in rows],
        "sparql": data.get("sparql") or None,
        "sources": [{"graph": s.get("graph"), "source": s.get("source"), "loaded_at": s.get("loaded_at")}
                    for s in sources],
        "confidence": data.get("confidence"),
        "escalation": None if escalation is None else {
            "unit": escalation.get("unit"), "reason": escalation.get("reason"),
            "record_id": escalation.get("record_id")},
        "matched_example": data.get("matched_example"),
        "latency_ms": data.get("latency_ms"),
        "reason": data.get("reason"),  # why not answered (not_understood)
    }


class AskBackend:
    """The counter page's Asker: built once, on first use or ahead of time with `warm_up` (the
    embedding model takes a while to load, so opening the counter page starts it)."""

    def __init__(self, config, gate, shared_asker=None):
        self.config = config
        self.gate = gate
        self._shared_asker = shared_asker
        self._asker = None
        self._lock = threading.Lock()
        self._warming: threading.Thread | None = None

    def asker(self):
        if self._shared_asker is not None:
            return self._shared_asker()
        with self._lock:
            if self._asker is None:
                try:
                    pipeline = importlib.import_module("nl2sparql.pipeline")
                except ImportError as exc:
                    raise AskUnavailable("the question pipeline (nl2sparql.pipeline) is not installed") from exc
                self._asker = pipeline.Asker(self.config, self.gate)
            return self._asker

    def warm_up(self) -> None:
        if (self._shared_asker is None and self._asker is not None) or (self._warming is not None and self._warming.is_alive()):
            return

        def load() -> None:
            try:
                self.asker()
            except Exception:  # noqa: BLE001 - the first question reports the problem
                pass

        self._warming = threading.Thread(target=load, name="schakel-web-ask-warmup", daemon=True)
        self._warming.start()

    def ask(self, principal: Principal, question: str, *, deadline=None,
            override: Callable[[Principal, str], object] | None = None) -> dict:
        """Synchronous; run it in the server's query runner (it passes the deadline)."""
        started = time.perf_counter()
        if override is not None:
            raw = override(principal, question)
        else:
            raw = self.asker().ask(question, principal, deadline=deadline)
        response = normalise_response(raw)
        if response["latency_ms"] is None:
            response["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
        return response

    def escalate(self, principal: Principal, question: str, note: str = "", *,
                 override: Callable[[Principal, str, str], object] | None = None) -> dict:
        """Hand a question to the role's escalation unit by hand (the counter's "Doorverwijzen"
        button), through the pipeline's Escalator: the record lands in the same file and goes to
        the same webhook as the pipeline's own escalations. Returns {unit, reason, record_id}."""
        if override is not None:
            data = _plain(override(principal, question, note))
        else:
            # The Escalator has no "manual" reason: its record says the question lies outside the
            # role; the dashboard recognises hand-made escalations (no question-log entry points
            # to them) and the counter page reports it as manual.
            record = self.asker().escalator.escalate(principal, question, set())
            data = {"unit": record.unit, "reason": "manueel", "record_id": record.id}
        escalation = data.get("escalation") if isinstance(data.get("escalation"), dict) else data
        return {"unit": escalation.get("unit"), "reason": escalation.get("reason") or "manueel",
                "record_id": escalation.get("record_id") or escalation.get("id")}
