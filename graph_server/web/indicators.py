"""The figures behind the indicators dashboard.

Three sources, each read with the signed-in principal's rights:

* the question log (written by /ask): first-line answer rate against the goal, questions per
  period by outcome, escalations by reason and by unit, the most frequent unanswered
  questions, latency (p50/p95). Question *texts* are only shown when the viewer's graphs
  include every graph of the role that asked them (a question from the social service can
  name a social file); hidden texts are counted together under one label.
* data quality per source (`graph_server.validation.quality`), with its store reads routed
  through the scope gate, so a viewer without the provenance/quarantine graphs sees no data
  rather than data it may not see;
* service figures from the graph through the scope gate: dossiers opened/closed per type per
  month, lead times per type, open reports per deelgemeente.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from graph_server.config import Config
from graph_server.scopes import Principal, ScopeGate
from graph_server.validation.quality import quality_by_source
from graph_server.web import charts
from graph_server.web.charts import Chart, Series
from graph_server.web.lookups import PREFIXES, fold
from graph_server.web.questions import EscalationEntry, LoggedQuestion
from graph_server.web.settings import WebSettings

MONTHS_NL = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
STATUS_NL = {"answered": "beantwoord", "escalated": "doorverwezen", "not_understood": "niet begrepen"}
STATUS_COLOURS = {"answered": "#2e7d32", "escalated": "#b34700", "not_understood": "#455a64"}
REASON_NL = {
    "beperkte_gegevens": "vraagt beperkte gegevens (bv. sociaal dossier)",
    "personeelsgegevens": "vraagt personeelsgegevens", "beheergegevens": "vraagt beheergegevens",
    "buiten_bevoegdheid": "buiten de bevoegdheid van de rol", "manueel": "manueel doorverwezen door de balie",
    "out_of_scope": "buiten de bevoegdheid van de rol", "scope": "buiten de bevoegdheid van de rol",
    "not_understood": "vraag niet begrepen", "low_confidence": "te onzeker", "no_answer": "geen antwoord gevonden",
    "guard": "query geweigerd door de controle", "error": "technische fout", "manual": "manueel doorverwezen",
    "timeout": "te traag", "injection": "verdachte vraag",
    # why a question was not understood (nl2sparql.pipeline Answer.reason)
    "geen_voorbeeld": "geen passend voorbeeld in de catalogus", "geen_resultaat": "de query gaf geen resultaat",
    "geen_vertaling": "niet veilig te vertalen", "geen_query": "geen query gevonden",
    "uitvoering": "query kon niet uitgevoerd worden", "leeg": "lege vraag", "te_lang": "vraag te lang",
    "instructies_genegeerd": "vraag met verdachte instructies",
}
CLOSED_MELDING_STATUSES = ("opgelost", "afgewezen")
HIDDEN_QUESTION = "(vraag van een rol met meer toegang dan de uwe)"


@dataclass
class Kpi:
    label: str
    value: str
    detail: str = ""
    status: str = "neutraal"  # goed | slecht | neutraal


@dataclass
class Section:
    section_id: str
    title: str
    intro: str
    charts: list[Chart] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)  # {"caption", "head", "rows"}
    notice: str | None = None


@dataclass
class Dashboard:
    generated: datetime
    days: int
    kpis: list[Kpi]
    sections: list[Section]

    @property
    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]


# --- periods ---------------------------------------------------------------------------------

def _bucket(moment: datetime, unit: str) -> tuple[date, str]:
    day = moment.date()
    if unit == "day":
        return day, f"{day.day} {MONTHS_NL[day.month - 1]}"
    if unit == "week":
        monday = day - timedelta(days=day.weekday())
        return monday, f"w{monday.isocalendar().week} {MONTHS_NL[monday.month - 1]}"
    first = day.replace(day=1)
    return first, f"{MONTHS_NL[first.month - 1]} {first.year % 100:02d}"


def _unit_for(span_days: float) -> str:
    return "day" if span_days <= 45 else "week" if span_days <= 370 else "month"


def _buckets(entries: list[LoggedQuestion]) -> tuple[list[str], dict[date, list[LoggedQuestion]]]:
    span = (entries[-1].time - entries[0].time).total_seconds() / 86400 if entries else 0
    unit = _unit_for(span)
    groups: dict[date, list[LoggedQuestion]] = defaultdict(list)
    labels: dict[date, str] = {}
    for entry in entries:
        key, label = _bucket(entry.time.astimezone(), unit)
        groups[key].append(entry)
        labels[key] = label
    keys = sorted(groups)
    return [labels[k] for k in keys], {k: groups[k] for k in keys}


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = (len(ordered) - 1) * q
    low, high = int(index), min(int(index) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


# --- question log ---------------------------------------------------------------------------

def _may_read_text(config: Config, viewer: Principal, role: str | None) -> bool:
    if viewer.all_graphs:
        return True
    if not role or role not in config.roles:
        return False
    if "*" in config.roles[role].graphs:
        return False
    return {config.graph_iri(g) for g in config.role_graphs(role)} <= set(viewer.graphs)


def _escalation_pairs(config: Config, entries: list[LoggedQuestion], records: list[EscalationEntry],
                      all_entries: list[LoggedQuestion] = ()) -> list[tuple[str | None, str | None]]:
    """(reason, unit) per escalation. The escalation records hold the unit and also the ones
    made by hand at the counter: a record made while the log was kept that no logged question
    points to counts as "manueel". Escalated questions in the log without a record (records
    file rotated or lost) count too, with the unit their role escalates to."""
    logged = {e.escalation_id for e in all_entries if e.escalation_id}
    log_start = all_entries[0].time if all_entries else None
    pairs = [("manueel" if log_start is not None and r.time >= log_start and r.record_id not in logged
              else r.reason, r.unit) for r in records]
    recorded = {r.record_id for r in records}
    for e in entries:
        if e.status == "escalated" and (e.escalation_id is None or e.escalation_id not in recorded):
            role = config.roles.get(e.role or "")
            pairs.append((e.escalation_reason, e.escalation_unit or (role.escalate_to if role else None)))
    return pairs


def question_section(config: Config, settings: WebSettings, viewer: Principal, entries: list[LoggedQuestion],
                     *, days: int, now: datetime,
                     escalations: list[EscalationEntry] = ()) -> tuple[Section, list[Kpi]]:
    since = now - timedelta(days=days)
    all_entries = entries
    entries = [e for e in entries if e.time >= since]
    records = [r for r in escalations if r.time >= since]
    goal = settings.first_line_goal
    section = Section("vragen", "Vragen aan de balie",
                      f"Uit het vragenlogboek van /ask, de laatste {days} dagen. Eerstelijnsantwoord = de vraag werd "
                      f"meteen beantwoord, zonder doorverwijzing; het doel is {goal * 100:.0f}%.")
    labels, groups = _buckets(entries)
    rates = [sum(e.status == "answered" for e in g) / len(g) for g in groups.values()]
    section.charts.append(charts.line_chart(
        "eerstelijnsantwoord", "Eerstelijnsantwoord per periode", labels,
        [Series("beantwoord zonder doorverwijzing", rates, "#1f5fa8")], fmt=charts.fmt_pct, y_max=1.0,
        goal=(goal, f"doel {goal * 100:.0f}%"), empty_message="Nog geen vragen in het logboek"))
    section.charts.append(charts.stacked_bar_chart(
        "vragen-per-uitkomst", "Vragen per periode en uitkomst", labels,
        [Series(STATUS_NL[s], [sum(e.status == s for e in g) for g in groups.values()], STATUS_COLOURS[s])
         for s in ("answered", "escalated", "not_understood")],
        empty_message="Nog geen vragen in het logboek"))

    escalated = _escalation_pairs(config, entries, records, all_entries)
    reasons = Counter(REASON_NL.get(reason or "", reason or "onbekend") for reason, _ in escalated)
    units = Counter(unit or "geen dienst opgegeven" for _, unit in escalated)
    section.charts.append(charts.bar_chart(
        "escalaties-per-reden", "Doorverwijzingen per reden", reasons.most_common(12),
        empty_message="Geen doorverwijzingen in deze periode", colours=["#b34700"] * 12, label_chars=40))
    section.charts.append(charts.bar_chart(
        "escalaties-per-dienst", "Doorverwijzingen per dienst", units.most_common(12),
        empty_message="Geen doorverwijzingen in deze periode", colours=["#6a3d9a"] * 12))

    unanswered: dict[str, list[LoggedQuestion]] = defaultdict(list)
    for e in entries:
        if e.status != "answered":
            key = fold(e.question).rstrip(" ?.!") if _may_read_text(config, viewer, e.role) else HIDDEN_QUESTION
            unanswered[key].append(e)
    top = sorted(unanswered.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:10]
    items, last_status, roles = [], [], []
    for key, group in top:
        text = key if key == HIDDEN_QUESTION else Counter(e.question.strip() for e in group).most_common(1)[0][0]
        items.append((text, len(group)))
        last_status.append(STATUS_NL[group[-1].status])
        roles.append(", ".join(sorted({e.role or "?" for e in group})))
    section.charts.append(charts.bar_chart(
        "onbeantwoorde-vragen", "Meest gestelde vragen zonder eerstelijnsantwoord", items,
        empty_message="Alle vragen werden beantwoord", colours=["#455a64"] * 10, label_chars=46,
        extra_columns=[("laatste uitkomst", last_status), ("rol", roles)],
        description="Kandidaten om aan de voorbeeldcatalogus toe te voegen: " +
                    "; ".join(f"{t} ({n}×)" for t, n in items[:5])))

    p50 = [_percentile([e.latency_ms for e in g if e.latency_ms is not None], 0.5) for g in groups.values()]
    p95 = [_percentile([e.latency_ms for e in g if e.latency_ms is not None], 0.95) for g in groups.values()]
    section.charts.append(charts.line_chart(
        "latentie", "Antwoordtijd (mediaan en p95)", labels,
        [Series("mediaan (p50)", p50, "#1f5fa8"), Series("p95", p95, "#b34700", dashed=True)], fmt=charts.fmt_ms,
        empty_message="Nog geen antwoordtijden in het logboek"))

    latencies = [e.latency_ms for e in entries if e.latency_ms is not None]
    total = len(entries)
    answered = sum(e.status == "answered" for e in entries)
    rate = answered / total if total else None
    kpis = [
        Kpi("Eerstelijnsantwoord", "–" if rate is None else charts.fmt_pct(rate),
            f"doel {goal * 100:.0f}% · {answered} van {total} vragen",
            "neutraal" if rate is None else "goed" if rate >= goal else "slecht"),
        Kpi("Doorverwezen", str(len(escalated)),
            "naar " + ", ".join(sorted(units)) if 0 < len(units) <= 3 else f"naar {len(units)} diensten" if units else ""),
        Kpi("Antwoordtijd p50 / p95",
            "–" if not latencies else f"{charts.fmt_ms(_percentile(latencies, 0.5))} / "
                                      f"{charts.fmt_ms(_percentile(latencies, 0.95))}",
            f"{len(latencies)} metingen"),
    ]
    return section, kpis


# --- data quality ---------------------------------------------------------------------------

class _GatedStore:
    """What `quality_by_source` needs from a store (`query(sparql, default_graph=, named_graphs=)`),
    answered through the scope gate as the viewer: graphs outside the viewer's scope are empty."""

    def __init__(self, gate: ScopeGate, principal: Principal):
        self.gate, self.principal = gate, principal

    def query(self, sparql: str, default_graph=(), named_graphs=()):
        graphs = [g for g in default_graph if self.principal.may_access(g)]
        if not graphs:
            return []
        return self.gate.evaluate(self.principal, sparql, default_graph_uris=graphs,
                                  named_graph_uris=list(named_graphs)).solutions


def quality_section(config: Config, settings: WebSettings, gate: ScopeGate, viewer: Principal,
                    *, now: datetime) -> tuple[Section, list[Kpi]]:
    section = Section("kwaliteit", "Datakwaliteit per bron",
                      "Uit de provenance- en quarantainegrafen van de laatste ingest: het aandeel records dat de "
                      "SHACL-controle doorstond, de records in quarantaine en hoe oud de laatste lading is.")
    needed = [config.graph_iri("provenance"), config.graph_iri("quarantaine")] \
        if {"provenance", "quarantaine"} <= set(config.graphs) else []
    if not needed or not all(viewer.may_access(g) for g in needed):
        section.notice = "Uw rol ziet de provenance- en quarantainegegevens niet; daarom blijft dit deel leeg."
    max_age = timedelta(hours=settings.freshness_hours)
    quality = quality_by_source(_GatedStore(gate, viewer), config, now=now, max_age=max_age)
    sources = list(quality.values())
    section.charts.append(charts.bar_chart(
        "conformiteit", "Conformiteit per bron (laatste ingest)",
        [(q.source, q.conformance_rate or 0.0) for q in sources if q.conformance_rate is not None],
        fmt=charts.fmt_pct1, x_max=1.0, colours=["#2e7d32"] * len(sources), value_head="conform",
        empty_message="Geen ingestgegevens zichtbaar"))
    section.charts.append(charts.bar_chart(
        "quarantaine", "Records in quarantaine per bron", [(q.source, q.quarantine_count) for q in sources],
        colours=["#a61b4a"] * len(sources), value_head="records",
        empty_message="Geen records in quarantaine" if sources else "Geen ingestgegevens zichtbaar"))
    aged = [q for q in sources if q.age_seconds is not None]
    section.charts.append(charts.bar_chart(
        "versheid", "Ouderdom van de laatste lading per bron",
        [(q.source, max(q.age_seconds / 3600, 0.001)) for q in aged], fmt=charts.fmt_hours,
        x_max=max([settings.freshness_hours * 1.25] + [q.age_seconds / 3600 for q in aged]),
        reference=(settings.freshness_hours, f"grens {charts.fmt_hours(settings.freshness_hours)}"),
        colours=["#2e7d32" if q.fresh else "#b00020" for q in aged], value_head="ouderdom",
        extra_columns=[("laatste lading", [_moment_nl(q.last_run) for q in aged]),
                       ("vers", ["ja" if q.fresh else "nee" for q in aged])],
        empty_message="Geen ingestgegevens zichtbaar"))
    violations = [[q.source, v["reason"], str(v["count"])] for q in sources for v in q.top_violations]
    if violations:
        section.tables.append({"caption": "Meest voorkomende redenen voor quarantaine",
                               "head": ["bron", "reden", "records"], "rows": violations})
    stale = [q.source for q in sources if not q.fresh]
    kpis = [Kpi("Bronnen vers", f"{len(sources) - len(stale)} / {len(sources)}" if sources else "–",
                ("verouderd: " + ", ".join(stale)) if stale else f"geladen binnen {charts.fmt_hours(settings.freshness_hours)}",
                "neutraal" if not sources else "goed" if not stale else "slecht"),
            Kpi("In quarantaine", str(sum(q.quarantine_count for q in sources)) if sources else "–",
                "records wachten op correctie in de bron")]
    return section, kpis


def _moment_nl(value: str | None) -> str:
    if not value:
        return "–"
    try:
        moment = datetime.fromisoformat(value).astimezone()
    except ValueError:
        return value
    return f"{moment.day} {MONTHS_NL[moment.month - 1]} {moment.year} {moment:%H:%M}"


# --- service figures from the graph ---------------------------------------------------------

# The service figures read these graphs only: a role that sees everything would otherwise also
# count the quarantined copies of rejected records.
SERVICE_GRAPHS = ("dossiers", "meldingen", "ontologie", "adressen", "organisatie")


def _rows(config: Config, gate: ScopeGate, principal: Principal, sparql: str, max_rows: int = 100_000) -> list[dict]:
    graphs = [config.graph_iri(g) for g in SERVICE_GRAPHS if g in config.graphs]
    return gate.evaluate(principal, PREFIXES + sparql, default_graph_uris=graphs, max_rows=max_rows).rows()


def _month_key(value: str) -> str | None:
    return value[:7] if len(value) >= 7 and value[4] == "-" else None


def _month_label(key: str) -> str:
    year, month = key.split("-")
    return f"{MONTHS_NL[int(month) - 1]} {int(year) % 100:02d}"


def _months_back(last: str, count: int) -> list[str]:
    year, month = int(last[:4]), int(last[5:7])
    keys = []
    for _ in range(count):
        keys.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return keys[::-1]


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def service_section(config: Config, settings: WebSettings, gate: ScopeGate, viewer: Principal,
                    *, today: date) -> tuple[Section, list[Kpi]]:
    section = Section("dienstverlening", "Dienstverlening uit de graaf",
                      "Dossiers en meldingen zoals ze in de kennisgraaf staan, opgevraagd met uw rechten.")
    if not all(viewer.may_access(config.graph_iri(g)) for g in ("dossiers", "meldingen") if g in config.graphs):
        section.notice = "Uw rol ziet niet alle dossiers en meldingen; de cijfers tonen alleen wat u mag zien."
    rows = _rows(config, gate, viewer, """
        SELECT ?type ?typeLabel ?opened ?closed WHERE {
          ?d a dbo:Case .
          OPTIONAL { ?d dossier:openingsdatum ?opened }
          OPTIONAL { ?d dossier:sluitingsdatum ?closed }
          OPTIONAL { ?d sk:dossiertype ?type
                     OPTIONAL { ?type skos:prefLabel ?typeLabel FILTER(lang(?typeLabel) = "nl") } }
        }""", max_rows=500_000)
    dossiers = []
    for row in rows:
        label = (row["typeLabel"].value if "typeLabel" in row else
                 row["type"].value.rsplit("/", 1)[-1] if "type" in row else "onbekend type")
        dossiers.append((label, row["opened"].value if "opened" in row else None,
                         row["closed"].value if "closed" in row else None))
    months_seen = sorted({m for _, o, c in dossiers for m in (_month_key(o or ""), _month_key(c or "")) if m})
    current = f"{today.year:04d}-{today.month:02d}"
    last = min(months_seen[-1], current) if months_seen else current
    months = _months_back(last, settings.service_months)
    window = set(months)
    types = sorted({t for t, _, _ in dossiers})
    colours = {t: charts.PALETTE[i % len(charts.PALETTE)] for i, t in enumerate(types)}
    opened = Counter((t, _month_key(o)) for t, o, _ in dossiers if o and _month_key(o) in window)
    closed = Counter((t, _month_key(c)) for t, _, c in dossiers if c and _month_key(c) in window)
    labels = [_month_label(m) for m in months]
    data_note = f"Gegevens tot en met {_month_label(last)}." if last != current else None
    for chart_id, title, counts in (("dossiers-geopend", "Geopende dossiers per maand en type", opened),
                                    ("dossiers-afgesloten", "Afgesloten dossiers per maand en type", closed)):
        chart = charts.stacked_bar_chart(
            chart_id, title, labels,
            [Series(t, [counts.get((t, m), 0) for m in months], colours[t]) for t in types],
            empty_message="Geen dossiers zichtbaar in deze periode")
        chart.note = data_note
        section.charts.append(chart)

    lead: dict[str, list[int]] = defaultdict(list)
    for t, o, c in dossiers:
        if not o or not c or _month_key(c) not in window:
            continue
        start, end = _parse_date(o), _parse_date(c)
        if start and end and end >= start:
            lead[t].append((end - start).days)
    lead_items = sorted(((t, statistics.median(v)) for t, v in lead.items()), key=lambda kv: -kv[1])
    section.charts.append(charts.bar_chart(
        "doorlooptijd", "Doorlooptijd per dossiertype (mediaan, afgesloten in de periode)", lead_items,
        fmt=charts.fmt_days, colours=[colours[t] for t, _ in lead_items], value_head="mediaan",
        extra_columns=[("p90", [charts.fmt_days(_percentile(lead[t], 0.9)) for t, _ in lead_items]),
                       ("dossiers", [str(len(lead[t])) for t, _ in lead_items])],
        empty_message="Geen afgesloten dossiers zichtbaar in deze periode"))

    closed_filter = ", ".join(f"<https://w3id.org/schakel/id/concept/meldingstatus/{s}>" for s in CLOSED_MELDING_STATUSES)
    rows = _rows(config, gate, viewer, f"""
        SELECT ?dg ?label (COUNT(DISTINCT ?m) AS ?n) WHERE {{
          ?m a sk:Melding ; adms:status ?status .
          FILTER(?status NOT IN ({closed_filter}))
          OPTIONAL {{ ?m sk:deelgemeente ?dg OPTIONAL {{ ?dg rdfs:label ?label }} }}
        }} GROUP BY ?dg ?label""")
    open_by_area: Counter = Counter({name: 0 for name in config.city.deelgemeenten})
    for row in rows:
        name = (row["label"].value if "label" in row else
                row["dg"].value.rsplit("/", 1)[-1] if "dg" in row else "zonder deelgemeente")
        open_by_area[name] += int(row["n"].value)
    items = sorted(open_by_area.items(), key=lambda kv: (-kv[1], kv[0]))
    section.charts.append(charts.bar_chart(
        "meldingen-open", "Open meldingen per deelgemeente", items, colours=["#00695c"] * len(items),
        value_head="open", empty_message="Geen open meldingen zichtbaar"))

    open_dossiers = sum(1 for _, o, c in dossiers if o and not c)
    kpis = [Kpi("Open dossiers", charts.fmt_int(open_dossiers), f"{len(dossiers)} dossiers in totaal"),
            Kpi("Open meldingen", charts.fmt_int(sum(open_by_area.values())), "status nieuw of in behandeling")]
    return section, kpis


def build_dashboard(config: Config, settings: WebSettings, gate: ScopeGate, viewer: Principal,
                    entries: list[LoggedQuestion], *, escalations: list[EscalationEntry] = (), days: int = 90,
                    now: datetime | None = None) -> Dashboard:
    now = now or datetime.now(timezone.utc)
    questions, q_kpis = question_section(config, settings, viewer, entries, days=days, now=now,
                                         escalations=list(escalations))
    quality, k_kpis = quality_section(config, settings, gate, viewer, now=now)
    service, s_kpis = service_section(config, settings, gate, viewer, today=now.astimezone().date())
    return Dashboard(now, days, q_kpis + s_kpis + k_kpis, [questions, service, quality])
