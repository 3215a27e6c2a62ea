"""The retrieval catalogue: curated Dutch question -> SPARQL template examples with slots,
one YAML file per domain in this folder (format documented at the top of producten.yml)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent
SLOT_RE = re.compile(r"\{([a-z_]+)\}")
TEMPLATE_SLOT_RE = re.compile(r"\{\{([a-z_]+)\}\}")
CONDITION_RE = re.compile(r"\s+#\s*if\s+(!?)([a-z_]+)(?:=([a-z_]+))?\s*$")


class CatalogueError(ValueError):
    pass


@dataclass(frozen=True)
class Slot:
    name: str
    kinds: tuple[str, ...]
    optional: bool


@dataclass(frozen=True)
class Example:
    id: str
    graphs: tuple[str, ...]
    slots: tuple[Slot, ...]
    questions: tuple[str, ...]
    sparql: str
    answer: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @property
    def required(self) -> tuple[Slot, ...]:
        return tuple(s for s in self.slots if not s.optional)

    def slot(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)


def _slot(name: str, spec: str) -> Slot:
    spec = str(spec).strip()
    optional = spec.endswith("?")
    kinds = tuple(k.strip() for k in spec.rstrip("?").split("|") if k.strip())
    return Slot(name, kinds, optional)


def load_catalogue(folder: Path | str = HERE) -> list[Example]:
    yaml = YAML(typ="safe", pure=True)
    out: list[Example] = []
    seen: set[str] = set()
    for path in sorted(Path(folder).glob("*.yml")):
        for raw in yaml.load(path.read_text(encoding="utf-8")) or []:
            where = f"{path.name}: {raw.get('id')}"
            for key in ("id", "graphs", "questions", "sparql"):
                if key not in raw:
                    raise CatalogueError(f"{where}: missing {key!r}")
            if raw["id"] in seen:
                raise CatalogueError(f"{where}: duplicate id")
            seen.add(raw["id"])
            slots = tuple(_slot(k, v) for k, v in (raw.get("slots") or {}).items())
            names = {s.name for s in slots}
            for q in raw["questions"]:
                unknown = set(SLOT_RE.findall(q)) - names
                if unknown:
                    raise CatalogueError(f"{where}: question {q!r} uses unknown slot(s) {unknown}")
            used = set(TEMPLATE_SLOT_RE.findall(raw["sparql"])) - {"van", "tot"}
            if used - names:
                raise CatalogueError(f"{where}: template uses unknown slot(s) {used - names}")
            out.append(Example(str(raw["id"]), tuple(raw["graphs"]), slots, tuple(str(q) for q in raw["questions"]),
                               str(raw["sparql"]), dict(raw.get("answer") or {}), path.name))
    return out


def render_template(example: Example, values: dict[str, str], kinds: dict[str, str]) -> str:
    """The SPARQL of an example with slot values (already SPARQL terms) filled in. `kinds`
    gives, per filled slot, which kind filled it (for `# if slot=kind` lines)."""
    lines = []
    for line in example.sparql.splitlines():
        m = CONDITION_RE.search(line)
        if m:
            negate, name, kind = m.group(1) == "!", m.group(2), m.group(3)
            present = name in values and (kind is None or kinds.get(name) == kind)
            if present == negate:
                continue
            line = line[: m.start()]
        lines.append(line)
    text = "\n".join(lines)

    def fill(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise CatalogueError(f"{example.id}: slot {name!r} has no value")
        return values[name]

    return TEMPLATE_SLOT_RE.sub(fill, text)
