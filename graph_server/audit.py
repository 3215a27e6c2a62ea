"""The audit log: one JSON line per query, update and graph-store request."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path


class AuditLog:
    def __init__(self, path: Path | None, *, include_text: bool = False):
        self.path = path
        self.include_text = include_text
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def record(self, *, principal: str, role: str, operation: str, outcome: str, status: int,
               duration_ms: float, dataset: dict | None = None, result_size: int | None = None,
               text: str | None = None, **extra) -> dict:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "principal": principal,
            "role": role,
            "operation": operation,
            "dataset": dataset,
            "duration_ms": round(duration_ms, 1),
            "result_size": result_size,
            "outcome": outcome,
            "status": status,
        }
        if text is not None:
            entry["text_sha256"] = hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()
            if self.include_text:
                entry["text"] = text
        entry.update({k: v for k, v in extra.items() if v is not None})
        if self.path is not None:
            line = json.dumps(entry, ensure_ascii=False)
            with self._lock, open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line + "\n")
        return entry
