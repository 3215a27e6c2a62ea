"""What every step passes along: extracted tables, rejected records and source errors."""

from __future__ import annotations

from dataclasses import dataclass, field


class SourceError(Exception):
    """A source export cannot be read at all (missing folder, broken JSON, wrong header,
    corrupt database). The message names the file and the line or record."""


@dataclass(frozen=True)
class RejectedRecord:
    source: str
    record: str  # pointer to the source record, e.g. "crm/dossier/OV-2025-000123"
    reason: str
    shape: str | None = None
    focus_node: str | None = None
    path: str | None = None
    value: str | None = None


@dataclass
class Extract:
    """A source export flattened into tables of rows. Every row has a `bron_record` column: the
    pointer back to the record of the export it came from."""

    source: str
    tables: dict[str, list[dict]] = field(default_factory=dict)
    records_read: int = 0
    rejected: list[RejectedRecord] = field(default_factory=list)

    def table(self, name: str) -> list[dict]:
        return self.tables.setdefault(name, [])
