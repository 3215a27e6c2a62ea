"""The question log behind the indicators (first-line answer rate, escalations, what is asked):
one JSON line per question with its outcome, latency, matched example, translator and role.

It holds nothing the asker's role could not see: the question as typed, the outcome and
metadata. No rows, no answer text, no SPARQL, and for escalations only the record id and the
reason category (never anything from the graph the asker lacks).
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path


class QuestionLog:
    def __init__(self, path: Path | str | None):
        self.path = Path(path) if path else None
        self._lock = threading.Lock()

    def record(self, *, principal: str, role: str, question: str, status: str, latency_ms: float,
               matched_example: str | None, translator: str | None, confidence: float, rows: int,
               escalation_id: str | None = None, reason: str | None = None, attempts: int = 0) -> dict:
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "principal": principal,
            "role": role,
            "question": question,
            "status": status,
            "latency_ms": round(latency_ms, 1),
            "matched_example": matched_example,
            "translator": translator,
            "confidence": round(confidence, 3),
            "rows": rows,
            "attempts": attempts,
        }
        if escalation_id:
            entry["escalation_id"] = escalation_id
        if reason:
            entry["reason"] = reason
        if self.path is not None:
            line = json.dumps(entry, ensure_ascii=False) + "\n"
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(line)
        return entry

    def entries(self) -> list[dict]:
        if self.path is None or not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines() if line.strip()]
