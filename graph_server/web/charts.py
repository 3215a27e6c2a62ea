"""Charts as inline SVG, drawn on the server: no JavaScript, no chart library, nothing to fetch.

Every chart is an `<svg role="img">` with a `<title>` and a `<desc>` summarising it, a legend
in HTML when there are several series, and the numbers themselves in a table (the template
puts it in a `<details>`), so the figures are readable without the picture. The SVG carries
`data-chart` (its id) and `data-points` (how many non-empty values it draws) for tests.

Colours are dark enough for 3:1 contrast against white (WCAG 1.4.11, graphical objects);
stacked series are also separated by a white outline.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

PALETTE = ("#1f5fa8", "#b34700", "#2e7d32", "#6a3d9a", "#a61b4a", "#00695c", "#5d4037", "#455a64",
           "#8a6d00", "#c2185b", "#283593", "#4e6e00")
TEXT = "#1a1a1a"
GRID = "#c8c8c8"
AXIS = "#595959"
GOAL = "#b00020"
FONT = 'font-family="system-ui, sans-serif"'


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def fmt_int(value: float) -> str:
    return f"{value:,.0f}".replace(",", ".")


def fmt_pct(value: float) -> str:
    return f"{value * 100:.0f}%"


def fmt_pct1(value: float) -> str:
    return f"{value * 100:.1f}%".replace(".", ",")


def fmt_ms(value: float) -> str:
    return f"{value / 1000:.1f} s".replace(".", ",") if value >= 1000 else f"{value:.0f} ms"


def fmt_days(value: float) -> str:
    return f"{value:.0f} d" if value >= 10 else f"{value:.1f} d".replace(".", ",")


def fmt_hours(value: float) -> str:
    return f"{value / 24:.1f} d".replace(".", ",") if value >= 48 else f"{value:.1f} u".replace(".", ",")


@dataclass
class Series:
    name: str
    values: list[float | None]
    colour: str | None = None
    dashed: bool = False


@dataclass
class Chart:
    chart_id: str
    title: str
    description: str
    svg: str
    points: int
    legend: list[tuple[str, str]] = field(default_factory=list)  # (colour, name)
    table_head: list[str] = field(default_factory=list)
    table_rows: list[list[str]] = field(default_factory=list)
    note: str | None = None

    @property
    def empty(self) -> bool:
        return self.points == 0


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    base = 10 ** exponent
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if value <= step * base:
            return step * base
    return 10 * base


def _axis_top(value: float, fmt) -> float:
    """A round axis maximum; for counts, one whose four tick steps are whole numbers."""
    top = _nice_max(value)
    if fmt is fmt_int and top % 4:
        top = math.ceil(top / 4) * 4
    return top


def _ticks(top: float, count: int = 4) -> list[float]:
    return [top * i / count for i in range(count + 1)]


def _open_svg(chart_id: str, title: str, description: str, width: int, height: int, points: int) -> list[str]:
    tid, did = f"{chart_id}-titel", f"{chart_id}-beschrijving"
    return [
        f'<svg class="grafiek" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-labelledby="{tid} {did}" data-chart="{esc(chart_id)}" data-points="{points}" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT} font-size="12">',
        f'<title id="{tid}">{esc(title)}</title>',
        f'<desc id="{did}">{esc(description)}</desc>',
    ]


def _empty(chart_id: str, title: str, message: str, width: int = 640, height: int = 120) -> Chart:
    parts = _open_svg(chart_id, title, message, width, height, 0)
    parts.append(f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="#fafafa" stroke="{GRID}"/>')
    parts.append(f'<text x="{width / 2}" y="{height / 2 + 4}" text-anchor="middle" fill="{TEXT}">{esc(message)}</text>')
    parts.append("</svg>")
    return Chart(chart_id, title, message, "\n".join(parts), 0)


def _x_label_step(count: int, width: float, label_width: float = 46) -> int:
    return max(1, math.ceil(count * label_width / max(width, 1)))


def _show_x_label(i: int, n: int, step: int) -> bool:
    """Every step-th label and the last one, but none that would crowd the last."""
    if i == n - 1:
        return True
    return i % step == 0 and n - 1 - i >= step


def line_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], *,
               fmt: Callable[[float], str] = fmt_int, y_max: float | None = None,
               goal: tuple[float, str] | None = None, empty_message: str = "Nog geen gegevens",
               description: str | None = None) -> Chart:
    points = sum(1 for s in series for v in s.values if v is not None)
    if not labels or points == 0:
        return _empty(chart_id, title, empty_message)
    width, height = 640, 260
    left, right, top, bottom = 56, 16, 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max([v for s in series for v in s.values if v is not None] + ([goal[0]] if goal else []))
    y_top = y_max if y_max is not None else _axis_top(highest * 1.05, fmt)
    n = len(labels)

    def x(i: int) -> float:
        return left + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y(v: float) -> float:
        return top + plot_h - plot_h * min(v, y_top) / y_top

    summary = description or _line_summary(labels, series, fmt)
    parts = _open_svg(chart_id, title, summary, width, height, points)
    for tick in _ticks(y_top):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="{TEXT}">{esc(fmt(tick))}</text>')
    step = _x_label_step(n, plot_w)
    for i, label in enumerate(labels):
        if _show_x_label(i, n, step):
            parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" fill="{TEXT}">{esc(label)}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{AXIS}"/>')
    if goal is not None:
        gy = y(goal[0])
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{gy:.1f}" y2="{gy:.1f}" stroke="{GOAL}" '
                     f'stroke-width="2" stroke-dasharray="6 4" data-goal="{goal[0]}"/>')
        parts.append(f'<text x="{width - right - 4}" y="{gy - 6:.1f}" text-anchor="end" fill="{GOAL}" '
                     f'font-weight="bold">{esc(goal[1])}</text>')
    legend = []
    for index, s in enumerate(series):
        colour = s.colour or PALETTE[index % len(PALETTE)]
        legend.append((colour, s.name))
        coords = [(x(i), y(v)) for i, v in enumerate(s.values) if v is not None]
        if len(coords) > 1:
            path = " ".join(f"{'M' if j == 0 else 'L'}{cx:.1f},{cy:.1f}" for j, (cx, cy) in enumerate(coords))
            dash = ' stroke-dasharray="5 3"' if s.dashed else ""
            parts.append(f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2.5"{dash}/>')
        for i, v in enumerate(s.values):
            if v is None:
                continue
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}" stroke="#fff" '
                         f'class="punt"><title>{esc(s.name)}, {esc(labels[i])}: {esc(fmt(v))}</title></circle>')
    parts.append("</svg>")
    head = [""] + [s.name for s in series]
    rows = [[labels[i]] + ["–" if s.values[i] is None else fmt(s.values[i]) for s in series] for i in range(n)]
    return Chart(chart_id, title, summary, "\n".join(parts), points, legend if len(series) > 1 or goal else [],
                 head, rows)


def _line_summary(labels: Sequence[str], series: Sequence[Series], fmt) -> str:
    parts = []
    for s in series:
        known = [(labels[i], v) for i, v in enumerate(s.values) if v is not None]
        if known:
            parts.append(f"{s.name}: van {fmt(known[0][1])} ({known[0][0]}) tot {fmt(known[-1][1])} ({known[-1][0]})")
    return "; ".join(parts) + "."


def stacked_bar_chart(chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], *,
                      fmt: Callable[[float], str] = fmt_int, empty_message: str = "Nog geen gegevens",
                      description: str | None = None) -> Chart:
    totals = [sum((s.values[i] or 0) for s in series) for i in range(len(labels))]
    points = sum(1 for s in series for v in s.values if v)
    if not labels or points == 0:
        return _empty(chart_id, title, empty_message)
    width, height = 640, 280
    left, right, top, bottom = 48, 12, 16, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    y_top = _axis_top(max(totals), fmt)
    n = len(labels)
    slot = plot_w / n
    bar_w = max(4.0, slot * 0.7)

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / y_top

    summary = description or (f"Totaal {fmt(sum(totals))} over {n} perioden; hoogste {fmt(max(totals))} in "
                              f"{labels[totals.index(max(totals))]}.")
    parts = _open_svg(chart_id, title, summary, width, height, points)
    for tick in _ticks(y_top):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="{GRID}"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" fill="{TEXT}">{esc(fmt(tick))}</text>')
    step = _x_label_step(n, plot_w)
    legend = [(s.colour or PALETTE[k % len(PALETTE)], s.name) for k, s in enumerate(series)]
    for i, label in enumerate(labels):
        bx = left + slot * i + (slot - bar_w) / 2
        base = 0.0
        for k, s in enumerate(series):
            value = s.values[i] or 0
            if value <= 0:
                continue
            colour = legend[k][0]
            y0, y1 = y(base + value), y(base)
            parts.append(f'<rect x="{bx:.1f}" y="{y0:.1f}" width="{bar_w:.1f}" height="{max(y1 - y0, 0.5):.1f}" '
                         f'fill="{colour}" stroke="#fff" stroke-width="0.75" class="balk">'
                         f'<title>{esc(s.name)}, {esc(label)}: {esc(fmt(value))}</title></rect>')
            base += value
        if _show_x_label(i, n, step):
            parts.append(f'<text x="{bx + bar_w / 2:.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                         f'fill="{TEXT}">{esc(label)}</text>')
    parts.append(f'<line x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{AXIS}"/>')
    parts.append("</svg>")
    head = [""] + [s.name for s in series] + ["totaal"]
    rows = [[labels[i]] + [fmt(s.values[i] or 0) for s in series] + [fmt(totals[i])] for i in range(n)]
    return Chart(chart_id, title, summary, "\n".join(parts), points, legend, head, rows)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(chart_id: str, title: str, items: Sequence[tuple[str, float]], *,
              fmt: Callable[[float], str] = fmt_int, x_max: float | None = None,
              reference: tuple[float, str] | None = None, colours: Sequence[str] | None = None,
              label_chars: int = 34, empty_message: str = "Nog geen gegevens", description: str | None = None,
              value_head: str = "aantal", extra_columns: Sequence[tuple[str, Sequence[str]]] = ()) -> Chart:
    """Horizontal bars, one per (label, value), in the order given."""
    points = sum(1 for _, v in items if v)
    if not items or points == 0:
        return _empty(chart_id, title, empty_message)
    label_w = min(300, 14 + 7 * max(len(_truncate(label, label_chars)) for label, _ in items))
    width, row_h = 640, 24
    left, right, top, bottom = label_w, 64, 8, 22
    height = top + bottom + row_h * len(items)
    plot_w = width - left - right
    top_value = x_max if x_max is not None else _axis_top(max(v for _, v in items), fmt)

    def x(v: float) -> float:
        return left + plot_w * min(v, top_value) / top_value

    summary = description or "; ".join(f"{label}: {fmt(v)}" for label, v in items[:5]) + (
        f" en {len(items) - 5} andere." if len(items) > 5 else ".")
    parts = _open_svg(chart_id, title, summary, width, height, points)
    for tick in _ticks(top_value):
        parts.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top}" y2="{height - bottom}" stroke="{GRID}"/>')
        parts.append(f'<text x="{x(tick):.1f}" y="{height - 6}" text-anchor="middle" fill="{TEXT}">{esc(fmt(tick))}</text>')
    for i, (label, value) in enumerate(items):
        cy = top + row_h * i
        colour = (colours[i] if colours and i < len(colours) else PALETTE[0])
        short = _truncate(label, label_chars)
        parts.append(f'<text x="{left - 8}" y="{cy + row_h / 2 + 4:.1f}" text-anchor="end" fill="{TEXT}">'
                     f'{esc(short)}{"<title>" + esc(label) + "</title>" if short != label else ""}</text>')
        w = max(x(value) - left, 1.5 if value else 0)
        parts.append(f'<rect x="{left}" y="{cy + 4}" width="{w:.1f}" height="{row_h - 8}" fill="{colour}" class="balk">'
                     f'<title>{esc(label)}: {esc(fmt(value))}</title></rect>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{cy + row_h / 2 + 4:.1f}" fill="{TEXT}">{esc(fmt(value))}</text>')
    if reference is not None:
        rx = x(reference[0])
        parts.append(f'<line x1="{rx:.1f}" x2="{rx:.1f}" y1="{top}" y2="{height - bottom}" stroke="{GOAL}" '
                     f'stroke-width="2" stroke-dasharray="6 4" data-goal="{reference[0]}"/>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{height - bottom}" stroke="{AXIS}"/>')
    parts.append("</svg>")
    head = ["", value_head] + [name for name, _ in extra_columns]
    rows = [[label, fmt(value)] + [col[i] for _, col in extra_columns] for i, (label, value) in enumerate(items)]
    legend = [(GOAL, reference[1])] if reference else []
    return Chart(chart_id, title, summary, "\n".join(parts), points, legend, head, rows)
