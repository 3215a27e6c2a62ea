"""Dutch time expressions ("vorige maand", "sinds januari", "dit jaar", "de laatste 7 dagen",
"in maart 2026", "op 3 maart") resolved to closed date intervals relative to an injectable
`today`. Weeks start on Monday; months and years are calendar ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from nl2sparql.normalise import fold

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "april": 4, "apr": 4,
    "mei": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
MONTH_NAMES = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
               "oktober", "november", "december"]
NUMBERS = {"een": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8, "negen": 9,
           "tien": 10, "elf": 11, "twaalf": 12, "veertien": 14, "vijftien": 15, "twintig": 20, "dertig": 30,
           "zestig": 60, "negentig": 90}

_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_NUM = r"(\d{1,3}|" + "|".join(NUMBERS) + ")"
_DAY_MONTH = rf"(\d{{1,2}})(?:e|ste|de)?\s+{_MONTH}(?:\s+(\d{{4}}))?"
_ISO = r"(\d{4})-(\d{2})-(\d{2})"
_DMY = r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})"


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str  # Dutch description for the answer ("vorige maand", "sinds 1 januari 2026")
    span: tuple[int, int] = (0, 0)  # where in the folded question it was found

    @property
    def single_day(self) -> bool:
        return self.start == self.end


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    y, m = d.year + y, m + 1
    last = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(d.day, last))


def _month_end(year: int, month: int) -> date:
    return _add_months(date(year, month, 1), 1) - timedelta(days=1)


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBERS[text]


def dutch_date(d: date) -> str:
    return f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def _date_from(match: re.Match, today: date, offset: int = 0) -> date | None:
    """A date from the groups of _DAY_MONTH (offset = index of its first group)."""
    day, month, year = match.group(offset + 1), match.group(offset + 2), match.group(offset + 3)
    try:
        y = int(year) if year else today.year
        d = date(y, MONTHS[month], int(day))
        if not year and d > today:
            d = d.replace(year=d.year - 1)
        return d
    except ValueError:
        return None


def _any_date(text: str, today: date) -> date | None:
    m = re.fullmatch(_ISO, text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = re.fullmatch(_DMY, text)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    m = re.fullmatch(_DAY_MONTH, text)
    if m:
        return _date_from(m, today)
    return None


_DATE_ANY = rf"(?:{_ISO}|{_DMY}|{_DAY_MONTH})"
_UNTIL = r"(?:tot\s+en\s+met|t/m|tem|tot|-|en)"
QUARTERS = {"eerste": 1, "1e": 1, "1ste": 1, "tweede": 2, "2e": 2, "2de": 2, "derde": 3, "3e": 3, "3de": 3,
            "vierde": 4, "4e": 4, "4de": 4, "laatste": 4}


def find_period(question: str, today: date) -> Period | None:
    """The first time expression in the question, or None."""
    text = fold(question)
    rules: list[tuple[str, callable]] = [
        (rf"\b(?:van|vanaf|tussen)\s+(\d{{1,2}})(?:e|ste|de)?(?:\s+{_MONTH})?(?:\s+(\d{{4}}))?\s+{_UNTIL}\s+"
         rf"(\d{{1,2}})(?:e|ste|de)?\s+{_MONTH}(?:\s+(\d{{4}}))?", lambda m: _day_range(m, today)),
        (rf"\b(?:van\s+|tussen\s+)?{_MONTH}(?:\s+(\d{{4}}))?\s+{_UNTIL}\s+{_MONTH}(?:\s+(\d{{4}}))?",
         lambda m: _month_range(m, today, text)),
        (r"\b(eerste|tweede|derde|vierde|laatste|1e|2e|3e|4e|1ste|2de|3de|4de)\s+kwartaal(?:\s+(?:van\s+)?(\d{4}))?"
         r"|\bq([1-4])(?:\s+(\d{4}))?\b", lambda m: _quarter(m, today)),
        (rf"\btussen\s+({_DATE_ANY})\s+en\s+({_DATE_ANY})", lambda m: _between(m, today)),
        (rf"\b(?:sinds|vanaf|na)\s+({_DATE_ANY})", lambda m: _since_date(m, today)),
        (rf"\b(?:sinds|vanaf)\s+(?:begin\s+)?{_MONTH}(?:\s+(\d{{4}}))?",
         lambda m: _since_month(m, today)),
        (r"\b(?:sinds|vanaf)\s+(?:het\s+)?(?:begin\s+(?:van\s+)?(?:dit|het)\s+jaar|nieuwjaar)",
         lambda m: Period(date(today.year, 1, 1), today, "dit jaar")),
        (rf"\b(?:de\s+)?(?:laatste|afgelopen|voorbije|vorige)\s+{_NUM}\s+dagen\b",
         lambda m: Period(today - timedelta(days=_number(m.group(1)) - 1), today, f"de laatste {_number(m.group(1))} dagen")),
        (rf"\b(?:de\s+)?(?:laatste|afgelopen|voorbije|vorige)\s+{_NUM}\s+weken\b",
         lambda m: Period(today - timedelta(days=7 * _number(m.group(1)) - 1), today, f"de laatste {_number(m.group(1))} weken")),
        (rf"\b(?:de\s+)?(?:laatste|afgelopen|voorbije|vorige)\s+{_NUM}\s+maanden\b",
         lambda m: Period(_add_months(today, -_number(m.group(1))), today, f"de laatste {_number(m.group(1))} maanden")),
        (r"\beergisteren\b", lambda m: Period(today - timedelta(days=2), today - timedelta(days=2), "eergisteren")),
        (r"\bgisteren\b", lambda m: Period(today - timedelta(days=1), today - timedelta(days=1), "gisteren")),
        (r"\bvandaag\b", lambda m: Period(today, today, "vandaag")),
        (r"\b(?:deze|dees)\s+week\b", lambda m: Period(today - timedelta(days=today.weekday()), today, "deze week")),
        (r"\b(?:vorige|verleden|vorge)\s+week\b", lambda m: _last_week(today)),
        (r"\b(?:afgelopen|voorbije|laatste)\s+week\b",
         lambda m: Period(today - timedelta(days=6), today, "de laatste 7 dagen")),
        (r"\bdeze\s+maand\b", lambda m: Period(today.replace(day=1), today, "deze maand")),
        (r"\b(?:vorige|verleden|afgelopen|voorbije)\s+maand\b", lambda m: _last_month(today)),
        (r"\b(?:dit|di)\s+jaar\b|\bdit\s+kalenderjaar\b|\bhet\s+lopende\s+jaar\b",
         lambda m: Period(date(today.year, 1, 1), today, "dit jaar")),
        (r"\b(?:vorig|verleden|vorige|afgelopen)\s+jaar\b",
         lambda m: Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31), f"in {today.year - 1}")),
        (rf"\b(?:op\s+)?({_DATE_ANY})", lambda m: _on_date(m, today)),
        (rf"\b(?:in|tijdens|over)?\s*{_MONTH}\s+(\d{{4}})\b", lambda m: _month(m, today, 1)),
        (rf"\b(?:in|tijdens)\s+(?:de\s+maand\s+)?{_MONTH}(?!\s+\d)", lambda m: _month(m, today, 1)),
        (r"\b(?:in|tijdens|over|van)\s+(?:het\s+jaar\s+)?(20\d{2}|19\d{2})\b",
         lambda m: Period(date(int(m.group(1)), 1, 1), date(int(m.group(1)), 12, 31), f"in {m.group(1)}")),
    ]
    found: list[tuple[int, Period]] = []
    for pattern, build in rules:
        m = re.search(pattern, text)
        if m is None:
            continue
        period = build(m)
        if period is not None:
            found.append((m.start(), Period(period.start, period.end, period.label, (m.start(), m.end()))))
            break
    return found[0][1] if found else None


def _last_week(today: date) -> Period:
    monday = today - timedelta(days=today.weekday() + 7)
    return Period(monday, monday + timedelta(days=6), "vorige week")


def _last_month(today: date) -> Period:
    first = today.replace(day=1)
    start = _add_months(first, -1)
    return Period(start, first - timedelta(days=1), f"in {MONTH_NAMES[start.month - 1]} {start.year}")


def _between(m: re.Match, today: date) -> Period | None:
    a, b = _any_date(m.group(1), today), None
    # the second date is the last top-level alternative group
    tail = m.group(0)[m.group(0).rfind(" en ") + 4:].strip()
    b = _any_date(tail, today)
    if a is None or b is None:
        return None
    a, b = min(a, b), max(a, b)
    return Period(a, b, f"tussen {dutch_date(a)} en {dutch_date(b)}")


def _since_date(m: re.Match, today: date) -> Period | None:
    d = _any_date(m.group(1), today)
    return None if d is None else Period(d, today, f"sinds {dutch_date(d)}")


def _since_month(m: re.Match, today: date) -> Period:
    month = MONTHS[m.group(1)]
    year = int(m.group(2)) if m.group(2) else (today.year if month <= today.month else today.year - 1)
    start = date(year, month, 1)
    return Period(start, today, f"sinds {dutch_date(start)}")


def _on_date(m: re.Match, today: date) -> Period | None:
    d = _any_date(m.group(1), today)
    return None if d is None else Period(d, d, f"op {dutch_date(d)}")


def _month(m: re.Match, today: date, offset: int) -> Period:
    month = MONTHS[m.group(offset)]
    try:
        year = int(m.group(offset + 1))
    except (IndexError, TypeError):
        year = today.year if month <= today.month else today.year - 1
    return Period(date(year, month, 1), _month_end(year, month), f"in {MONTH_NAMES[month - 1]} {year}")


def _year_near(text: str, today: date) -> int | None:
    m = re.search(r"\b(20\d{2}|19\d{2})\b", text)
    return int(m.group(1)) if m else None


def _day_range(m: re.Match, today: date) -> Period | None:
    """"van 3 tot en met 9 december 2025", "van 28 november tot 4 december"."""
    d1, m1, y1, d2, m2, y2 = m.groups()
    month2 = MONTHS[m2]
    year2 = int(y2) if y2 else (int(y1) if y1 else None)
    month1 = MONTHS[m1] if m1 else month2
    try:
        if year2 is None:
            year2 = today.year
            if date(year2, month2, int(d2)) > today:
                year2 -= 1
        year1 = int(y1) if y1 else (year2 if month1 <= month2 else year2 - 1)
        a, b = date(year1, month1, int(d1)), date(year2, month2, int(d2))
    except ValueError:
        return None
    if a > b:
        return None
    return Period(a, b, f"van {dutch_date(a)} tot en met {dutch_date(b)}")


def _month_range(m: re.Match, today: date, text: str) -> Period | None:
    """"juni tot en met augustus 2025", "van maart tot mei" (the year may stand elsewhere)."""
    m1, y1, m2, y2 = m.groups()
    month1, month2 = MONTHS[m1], MONTHS[m2]
    year = int(y2) if y2 else (int(y1) if y1 else _year_near(text, today))
    if year is None:
        year = today.year if month2 <= today.month else today.year - 1
    year1 = int(y1) if y1 else (year if month1 <= month2 else year - 1)
    a, b = date(year1, month1, 1), _month_end(year, month2)
    if a > b:
        return None
    return Period(a, min(b, b), f"van {MONTH_NAMES[month1 - 1]} tot en met {MONTH_NAMES[month2 - 1]} {year}")


def _quarter(m: re.Match, today: date) -> Period:
    if m.group(1):
        q = QUARTERS[m.group(1)]
        year = int(m.group(2)) if m.group(2) else None
    else:
        q = int(m.group(3))
        year = int(m.group(4)) if m.group(4) else None
    if year is None:
        year = today.year if (q - 1) * 3 + 1 <= today.month else today.year - 1
    start = date(year, (q - 1) * 3 + 1, 1)
    return Period(start, _month_end(year, (q - 1) * 3 + 3), f"in het {['eerste', 'tweede', 'derde', 'vierde'][q - 1]} "
                                                              f"kwartaal van {year}")
