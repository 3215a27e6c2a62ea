"""The Dutch answer: rows turned into plain values and a short text the way Flemish readers
write numbers, amounts, dates and times ("€ 25,00", "3 maart 2026", "1.234", "8.30 uur")."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from nl2sparql.timeexpr import MONTH_NAMES

XSD = "http://www.w3.org/2001/XMLSchema#"
DAY_NL = {"Monday": "maandag", "Tuesday": "dinsdag", "Wednesday": "woensdag", "Thursday": "donderdag",
          "Friday": "vrijdag", "Saturday": "zaterdag", "Sunday": "zondag"}
DAY_ORDER = list(DAY_NL)
MAX_LISTED = 25


def plain(term) -> object:
    """A pyoxigraph term as a JSON-friendly Python value."""
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype is not None else ""
        text = term.value
        try:
            if dt in (XSD + "integer", XSD + "int", XSD + "long", XSD + "nonNegativeInteger"):
                return int(text)
            if dt in (XSD + "decimal", XSD + "double", XSD + "float"):
                value = float(text)
                return int(value) if value.is_integer() and dt == XSD + "decimal" and "." not in text else value
            if dt == XSD + "boolean":
                return text in ("true", "1")
        except ValueError:
            return text
        return text
    return str(term)


def number(value, decimals: int | None = None) -> str:
    """1234 -> "1.234"; 12.5 -> "12,5"."""
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if decimals is None:
        decimals = 0 if d == d.to_integral_value() else min(2, max(1, -d.normalize().as_tuple().exponent))
    text = f"{d:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def euro(value) -> str:
    try:
        return "€ " + number(Decimal(str(value)), 2)
    except (InvalidOperation, ValueError):
        return str(value)


def dutch_date(value) -> str:
    text = str(value)
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if not m:
        return text
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    return f"{d} {MONTH_NAMES[mo - 1]} {y}"


def clock(value) -> str:
    m = re.match(r"(\d{1,2}):(\d{2})", str(value))
    if not m:
        return str(value)
    h, mi = int(m.group(1)), int(m.group(2))
    return f"{h} uur" if mi == 0 else f"{h}.{mi:02d} uur"


def timestamp(value) -> str:
    text = str(value)
    m = re.match(r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})", text)
    return f"{dutch_date(m.group(1))} om {clock(m.group(2))}" if m else dutch_date(text)


def duration(value) -> str:
    text = str(value)
    if re.fullmatch(r"PT0+S|P0D", text):
        return "onmiddellijk (aan het loket)"
    m = re.fullmatch(r"P(\d+)D", text)
    if m:
        n = int(m.group(1))
        return "1 dag" if n == 1 else f"{number(n)} dagen"
    return text


def weekday(value) -> str:
    return DAY_NL.get(str(value).rsplit("/", 1)[-1], str(value))


FORMATS: dict[str, Callable[[object], str]] = {
    "euro": euro, "getal": number, "getal1": lambda v: number(round(float(v), 1), 1 if not float(v).is_integer() else 0),
    "datum": dutch_date, "uur": clock, "tijdstip": timestamp, "duur": duration, "dag": weekday,
    "afspraak": lambda v: " (op afspraak)" if v is True or str(v) == "true" else "",
}


class Composer:
    def __init__(self, label: Callable[[str], str | None]):
        self.label = label  # IRI -> Dutch label (codelists, linked entities)

    def _value(self, name: str, fmt: str | None, row: dict, context: dict) -> str:
        if fmt == "label":  # {periode|label}: " vorige maand" when a period was asked
            value = context.get(name)
            return f" {value}" if value else ""
        if fmt == "op":
            value = context.get(name) or row.get(name)
            return f" op {weekday(value)}" if value else ""
        value = row.get(name, context.get(name))
        if value is None or value == "":
            return "" if fmt == "afspraak" else "?"
        if fmt in FORMATS:
            return FORMATS[fmt](value)
        if isinstance(value, str) and value.startswith("http"):
            return self.label(value) or value.rsplit("/", 1)[-1]
        if isinstance(value, float):
            return number(value)
        return str(value)

    def render(self, template: str, row: dict, context: dict) -> str:
        def sub(m: re.Match) -> str:
            return self._value(m.group(1), m.group(2), row, context)

        text = re.sub(r"\{([a-zA-Z_]+)(?:\|([a-z0-9]+))?\}", sub, template)
        return re.sub(r"\s+\(\?\)|\s+\(\)", "", text).replace(" ?,", "").strip()

    def compose(self, spec: dict[str, str], rows: list[dict], context: dict, *, truncated: bool = False) -> str:
        context = {**context, "count": number(len(rows))}
        if not rows:
            return self.render(spec.get("empty", "Ik vind hierover geen gegevens."), {}, context)
        if len(rows) == 1 and "one" in spec:
            return self.render(spec["one"], rows[0], context)
        row_template = spec.get("row")
        if row_template is None:
            return self.render(spec.get("one", ""), rows[0], context)
        lines = [self.render(row_template, row, context) for row in rows[:MAX_LISTED]]
        head = self.render(spec.get("head", ""), {}, context)
        more = len(rows) - MAX_LISTED
        tail = f"\n… en nog {number(more)} meer." if more > 0 else ("\n(lijst ingekort)" if truncated else "")
        return (head + "\n" if head else "") + "\n".join(f"- {line}" for line in lines) + tail

    def generic(self, rows: list[dict], variables: list[str]) -> str:
        """For queries without an answer template (LLM): a plain listing of the rows."""
        if not rows:
            return "Ik vind hierover geen gegevens."
        if len(rows) == 1 and len(variables) == 1:
            return f"Antwoord: {self._value(variables[0], None, rows[0], {})}."
        lines = ["; ".join(f"{v}: {self._value(v, None, row, {})}" for v in variables if v in row)
                 for row in rows[:MAX_LISTED]]
        return "\n".join(f"- {line}" for line in lines)


def today_iso(d: date | datetime) -> str:
    return d.isoformat()
