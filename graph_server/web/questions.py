"""Reading the question log (written by /ask) for the dashboard.

The log belongs to `nl2sparql.questionlog`; this module reads it through that module's reader
when it is installed and otherwise reads the JSONL file named by `[nl2sparql] question_log`
(default `var/questions.jsonl`) itself. Either way each entry is normalised into a
`LoggedQuestion`, tolerant of field names (`time`/`ts`/`asked_at`, `latency_ms`/`duration_ms`,
...) so a format change upstream degrades the dashboard instead of breaking it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from graph_server.config import Config

STATUSES = ("answered", "escalated", "not_understood")


@dataclass(frozen=True)
class LoggedQuestion:
    time: datetime
    question: str
    status: str
    role: str | None
    latency_ms: float | None
    escalation_id: str | None
    escalation_unit: str | None
    escalation_reason: str | None
    matched_example: str | None


def question_log_path(config: Config) -> Path:
    try:
        from nl2sparql.settings import load_settings

        return Path(load_settings(config).question_log)
    except Exception:  # noqa: BLE001 - the settings module is optional for the web pages
        raw = config.raw.get("nl2sparql", {}).get("question_log", "var/questions.jsonl")
        path = Path(raw)
        return path if path.is_absolute() else config.path.resolve().parent / path


def _time(value) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, int | float):
        moment = datetime.fromtimestamp(value / 1000 if value > 1e11 else value, timezone.utc)
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _first(entry: Mapping, *names: str):
    for name in names:
        if name in entry and entry[name] not in (None, ""):
            return entry[name]
    return None


def _as_mapping(entry) -> Mapping | None:
    if isinstance(entry, Mapping):
        return entry
    for method in ("to_json", "to_dict", "as_dict"):
        fn = getattr(entry, method, None)
        if callable(fn):
            value = fn()
            if isinstance(value, Mapping):
                return value
    if hasattr(entry, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(entry)
    return None


def normalise(entry) -> LoggedQuestion | None:
    entry = _as_mapping(entry)
    if entry is None:
        return None
    response = entry.get("response") if isinstance(entry.get("response"), Mapping) else {}
    merged = {**response, **entry}
    moment = _time(_first(merged, "time", "ts", "timestamp", "asked_at", "at", "created"))
    question = _first(merged, "question", "vraag", "text")
    status = _first(merged, "status", "outcome")
    if moment is None or not isinstance(question, str) or status not in STATUSES:
        return None
    escalation = merged.get("escalation") if isinstance(merged.get("escalation"), Mapping) else {}
    latency = _first(merged, "latency_ms", "duration_ms", "elapsed_ms")
    try:
        latency = float(latency) if latency is not None else None
    except (TypeError, ValueError):
        latency = None
    principal = merged.get("principal")
    role = _first(merged, "role") or (principal.get("role") if isinstance(principal, Mapping) else None)
    matched = merged.get("matched_example")
    if isinstance(matched, Mapping):
        matched = matched.get("id") or matched.get("question")
    return LoggedQuestion(
        time=moment,
        question=question,
        status=status,
        role=str(role) if role else None,
        latency_ms=latency,
        escalation_id=_first(escalation, "record_id", "id") or _first(merged, "escalation_id"),
        escalation_unit=_first(escalation, "unit") or _first(merged, "escalation_unit", "unit"),
        escalation_reason=_first(escalation, "reason") or _first(merged, "escalation_reason", "reason"),
        matched_example=str(matched) if matched else None,
    )


def _read_jsonl(path: Path) -> Iterable[Mapping]:
    try:
        handle = open(path, encoding="utf-8")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a crash must not hide the rest
            if isinstance(value, Mapping):
                yield value


def _read_sqlite(path: Path) -> Iterable[Mapping]:
    if not path.exists():
        return
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    connection.row_factory = sqlite3.Row
    try:
        tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        table = next((t for t in tables if "question" in t.lower() or "vraag" in t.lower()), None)
        if table is None:
            return
        for row in connection.execute(f'SELECT * FROM "{table}"'):  # noqa: S608 - name from sqlite_master
            entry = dict(row)
            for key in ("escalation", "response"):
                if isinstance(entry.get(key), str):
                    try:
                        entry[key] = json.loads(entry[key])
                    except json.JSONDecodeError:
                        pass
            yield entry
    finally:
        connection.close()


def _module_entries(path: Path) -> list[Mapping] | None:
    """The entries through `nl2sparql.questionlog.QuestionLog`, when that module is installed
    and the file reads cleanly; None to fall back to the tolerant reader here."""
    try:
        from nl2sparql.questionlog import QuestionLog
    except ImportError:
        return None
    try:
        return list(QuestionLog(path).entries())
    except (ValueError, OSError):  # a line cut short by a crash: read the rest line by line
        return None


def load_questions(config: Config, path: Path | None = None) -> list[LoggedQuestion]:
    path = path or question_log_path(config)
    raw = None if path.suffix in (".sqlite", ".sqlite3", ".db") else _module_entries(path)
    if raw is None:
        raw = _read_sqlite(path) if path.suffix in (".sqlite", ".sqlite3", ".db") else _read_jsonl(path)
    entries = [e for e in (normalise(r) for r in raw) if e is not None]
    entries.sort(key=lambda e: e.time)
    return entries


@dataclass(frozen=True)
class EscalationEntry:
    record_id: str
    time: datetime
    role: str | None
    unit: str | None
    reason: str | None


def escalation_records_path(config: Config) -> Path:
    try:
        from nl2sparql.settings import load_settings

        return Path(load_settings(config).escalation.records_path)
    except Exception:  # noqa: BLE001
        raw = config.raw.get("nl2sparql", {}).get("escalation", {}).get("records", "var/escalations.jsonl")
        path = Path(raw)
        return path if path.is_absolute() else config.path.resolve().parent / path


def load_escalations(config: Config, path: Path | None = None) -> list[EscalationEntry]:
    """The escalations created (by /ask or by hand from the counter page), from the records file
    kept by `nl2sparql.escalate`: its "created" events carry the unit and the reason."""
    path = path or escalation_records_path(config)
    found: dict[str, EscalationEntry] = {}
    for entry in _read_jsonl(path):
        if entry.get("event", "created") != "created" or not entry.get("id"):
            continue
        moment = _time(_first(entry, "created", "time"))
        if moment is None:
            continue
        found[str(entry["id"])] = EscalationEntry(str(entry["id"]), moment, entry.get("role"),
                                                  entry.get("unit"), entry.get("reason"))
    return sorted(found.values(), key=lambda e: e.time)
