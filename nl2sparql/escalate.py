"""Escalation: a question that needs a graph outside the asker's role is handed to a unit.

The decision is made from what the question needs (the example's declared graphs, or the
terms of a generated query mapped to the graphs that hold them), never by running anything
on the forbidden graph. The record holds who asked, when, the question, the target unit and
a reason category (the sensitivity of the missing data: never a fact from it). Records are
appended to a JSONL file (fsync'ed) before the answer goes out, then POSTed to the configured
webhook (e.g. a Power Automate flow) by a background sender with retries and exponential
backoff; delivery outcomes are appended to the same file, so undelivered records can be
found and re-sent.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import httpx

from graph_server.config import Config
from graph_server.scopes import Principal
from nl2sparql.settings import EscalationSettings

log = logging.getLogger("schakel.nl2sparql.escalate")

REASONS = {
    "beperkt": "beperkte_gegevens",       # e.g. social-welfare files
    "personeel": "personeelsgegevens",   # staff-only data (dossiers, persons)
    "beheer": "beheergegevens",
}


@dataclass(frozen=True)
class EscalationRecord:
    id: str
    created: str
    principal: str
    role: str
    question: str
    unit: str | None
    reason: str

    def payload(self) -> dict:
        return {"type": "schakel.escalation", **asdict(self)}


def reason_for(config: Config, graphs: set[str]) -> str:
    """The reason category: the most sensitive class of data the question needs."""
    sensitivities = {config.graphs.get(g, "") for g in graphs}
    for level in ("beperkt", "personeel", "beheer"):
        if level in sensitivities:
            return REASONS[level]
    return "buiten_bevoegdheid"


def unit_for(config: Config, principal: Principal, settings: EscalationSettings) -> str | None:
    role = config.roles.get(principal.role)
    return (role.escalate_to if role else None) or settings.default_unit


class Escalator:
    def __init__(self, config: Config, settings: EscalationSettings, *, client: httpx.Client | None = None):
        self.config = config
        self.settings = settings
        self.path = Path(settings.records_path)
        self._lock = threading.Lock()
        self._queue: queue.Queue[EscalationRecord | None] = queue.Queue()
        self._client = client
        self._pending = 0
        self._idle = threading.Condition()
        self._worker: threading.Thread | None = None

    # --- records ------------------------------------------------------------------------------
    def _append(self, entry: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def escalate(self, principal: Principal, question: str, needed_graphs: set[str]) -> EscalationRecord:
        record = EscalationRecord(
            id=f"ESC-{datetime.now(timezone.utc):%Y%m%d}-{uuid.uuid4().hex[:10]}",
            created=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            principal=principal.name,
            role=principal.role,
            question=question,
            unit=unit_for(self.config, principal, self.settings),
            reason=reason_for(self.config, needed_graphs),
        )
        self._append({"event": "created", **asdict(record)})
        if self.settings.webhook_url:
            self._enqueue(record)
        return record

    def records(self) -> list[dict]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]

    def undelivered(self) -> list[EscalationRecord]:
        created: dict[str, dict] = {}
        delivered: set[str] = set()
        for entry in self.records():
            if entry.get("event") == "created":
                created[entry["id"]] = entry
            elif entry.get("event") == "delivered":
                delivered.add(entry["id"])
        fields = EscalationRecord.__dataclass_fields__
        return [EscalationRecord(**{k: v for k, v in e.items() if k in fields})
                for i, e in created.items() if i not in delivered]

    def resend_undelivered(self) -> int:
        pending = self.undelivered()
        for record in pending:
            self._enqueue(record)
        return len(pending)

    # --- delivery -----------------------------------------------------------------------------
    def _enqueue(self, record: EscalationRecord) -> None:
        with self._idle:
            self._pending += 1
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._run, name="schakel-escalation", daemon=True)
            self._worker.start()
        self._queue.put(record)

    def _run(self) -> None:
        while True:
            try:
                record = self._queue.get(timeout=30)
            except queue.Empty:
                return
            if record is None:
                return
            try:
                self.deliver(record)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def deliver(self, record: EscalationRecord) -> bool:
        """POST the record with retries and exponential backoff; logs the outcome in the file."""
        url = self.settings.webhook_url
        if not url:
            return False
        headers = {"Content-Type": "application/json"}
        if self.settings.secret_env and os.environ.get(self.settings.secret_env):
            headers["X-Schakel-Secret"] = os.environ[self.settings.secret_env]
        client = self._client or httpx.Client(timeout=self.settings.timeout_seconds)
        attempts = 1 + max(0, self.settings.retries)
        error = ""
        try:
            for attempt in range(1, attempts + 1):
                try:
                    response = client.post(url, json=record.payload(), headers=headers)
                    if 200 <= response.status_code < 300:
                        self._append({"event": "delivered", "id": record.id, "attempts": attempt,
                                      "status": response.status_code,
                                      "time": datetime.now(timezone.utc).isoformat(timespec="seconds")})
                        return True
                    error = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    error = type(exc).__name__
                if attempt < attempts:
                    time.sleep(self.settings.backoff_seconds * (2 ** (attempt - 1)))
        finally:
            if self._client is None:
                client.close()
        log.warning("escalation %s not delivered after %d attempts: %s", record.id, attempts, error)
        self._append({"event": "failed", "id": record.id, "attempts": attempts, "error": error,
                      "time": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        return False

    def wait(self, timeout: float = 30.0) -> bool:
        """Block until every queued record has been tried (tests, shutdown)."""
        end = time.monotonic() + timeout
        with self._idle:
            while self._pending > 0:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True
