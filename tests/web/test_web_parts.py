"""The dashboard's parts on their own: SVG charts, reading the question log and escalation
records as nl2sparql writes them, session signing."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from graph_server.web import charts
from graph_server.web.charts import Series
from graph_server.web.questions import load_escalations, load_questions
from graph_server.web.session import sign, unsign


def test_charts_escape_labels_and_count_points():
    hostile = '<script>alert("x")</script> & "quotes"'
    chart = charts.bar_chart("c1", f"Titel {hostile}", [(hostile, 3), ("ander", 0)])
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg
    assert 'data-points="1"' in chart.svg and chart.points == 1
    assert 'role="img"' in chart.svg and 'aria-labelledby="c1-titel c1-beschrijving"' in chart.svg
    assert chart.table_rows == [[hostile, "3"], ["ander", "0"]]  # escaped by the template, not here

    line = charts.line_chart("c2", "Lijn", ["a", "b", "c"], [Series("s", [0.5, None, 0.9])], fmt=charts.fmt_pct,
                             y_max=1.0, goal=(0.8, "doel 80%"))
    assert line.points == 2 and line.svg.count('class="punt"') == 2 and 'data-goal="0.8"' in line.svg
    assert line.table_rows[1] == ["b", "–"]

    stacked = charts.stacked_bar_chart("c3", "Stapel", ["jan", "feb"], [Series("x", [1, 2]), Series("y", [0, 3])])
    assert stacked.points == 3 and stacked.table_rows[1][-1] == "5"
    # Counts get whole-number ticks.
    ticks = [t for t in re.findall(r'text-anchor="end" fill="#1a1a1a">([^<]+)<', stacked.svg)]
    assert ticks == ["0", "2", "4", "6", "8"]


def test_empty_charts_say_so():
    for chart in (charts.bar_chart("e1", "Leeg", [], empty_message="Geen doorverwijzingen"),
                  charts.line_chart("e2", "Leeg", ["a"], [Series("s", [None])]),
                  charts.stacked_bar_chart("e3", "Leeg", ["a"], [Series("s", [0])])):
        assert chart.points == 0 and chart.empty and 'data-points="0"' in chart.svg


def test_question_log_as_written_by_nl2sparql(tmp_path):
    from nl2sparql.questionlog import QuestionLog

    from graph_server.config import load_config

    (tmp_path / "schakel.toml").write_text((Path(__file__).resolve().parents[2] / "schakel.toml").read_text())
    config = load_config(tmp_path / "schakel.toml")
    log = QuestionLog(tmp_path / "var" / "questions.jsonl")
    log.record(principal="key:a", role="balie", question="Hoeveel kost een reispas?", status="answered",
               latency_ms=120.0, matched_example="product.kost", translator="embedded", confidence=0.9, rows=2)
    log.record(principal="key:a", role="balie", question="Leefloon?", status="escalated", latency_ms=80.0,
               matched_example=None, translator="embedded", confidence=0.5, rows=0, escalation_id="ESC-1",
               reason="beperkte_gegevens")
    entries = load_questions(config)
    assert [(e.status, e.role, e.latency_ms) for e in entries] == [("answered", "balie", 120.0),
                                                                     ("escalated", "balie", 80.0)]
    assert entries[1].escalation_id == "ESC-1" and entries[1].escalation_reason == "beperkte_gegevens"
    # A line cut short by a crash does not hide the others.
    with open(tmp_path / "var" / "questions.jsonl", "a") as handle:
        handle.write('{"time": "2026-11-29T10:00:00+00:00", "quest')
    assert len(load_questions(config)) == 2

    now = datetime.now(timezone.utc)
    (tmp_path / "var" / "escalations.jsonl").write_text("".join(json.dumps(e) + "\n" for e in [
        {"event": "created", "id": "ESC-1", "created": now.isoformat(), "role": "balie", "unit": "OCMW-SOC",
         "reason": "beperkte_gegevens", "question": "Leefloon?", "principal": "key:a"},
        {"event": "failed", "id": "ESC-1", "attempts": 4, "error": "HTTP 500"},
        {"event": "created", "id": "ESC-2", "created": (now - timedelta(days=1)).isoformat(), "role": "balie",
         "unit": "ONTH", "reason": "buiten_bevoegdheid", "question": "?", "principal": "key:a"},
    ]))
    escalations = load_escalations(config)
    assert [(e.record_id, e.unit) for e in escalations] == [("ESC-2", "ONTH"), ("ESC-1", "OCMW-SOC")]


def test_session_signature_covers_every_byte():
    secret = b"k" * 32
    value = sign(secret, {"kid": "abc", "role": "balie"})
    assert unsign(secret, value) == {"kid": "abc", "role": "balie"}
    assert unsign(b"other" * 8, value) is None
    body, mac = value.split(".")
    for tampered in (body[:-1] + ("A" if body[-1] != "A" else "B") + "." + mac, body + "." + mac[:-1], body, "",
                     "." + mac, "x" * 5000):
        assert unsign(secret, tampered) is None


@pytest.mark.parametrize("value,expected", [(0.5, "50%"), (0.804, "80%")])
def test_percent_format(value, expected):
    assert charts.fmt_pct(value) == expected


def test_escalations_join_the_log_and_the_records():
    from graph_server.config import load_config
    from graph_server.web.indicators import _escalation_pairs
    from graph_server.web.questions import EscalationEntry, LoggedQuestion

    config = load_config(Path(__file__).resolve().parents[2] / "schakel.toml")
    now = datetime.now(timezone.utc)

    def logged(minutes: int, status: str, escalation_id: str | None = None, role: str = "balie") -> LoggedQuestion:
        return LoggedQuestion(now - timedelta(minutes=minutes), "?", status, role, 10.0, escalation_id, None,
                              "beperkte_gegevens" if escalation_id else None, None)

    entries = [logged(30, "answered"), logged(20, "escalated", "ESC-A"), logged(10, "escalated", "ESC-LOST")]
    records = [EscalationEntry("ESC-A", now - timedelta(minutes=20), "balie", "OCMW-SOC", "beperkte_gegevens"),
               EscalationEntry("ESC-HAND", now - timedelta(minutes=5), "balie", "OCMW-SOC", "buiten_bevoegdheid"),
               EscalationEntry("ESC-OLD", now - timedelta(days=9), "balie", "ONTH", "personeelsgegevens")]
    assert sorted(_escalation_pairs(config, entries, records, entries), key=str) == sorted([
        ("beperkte_gegevens", "OCMW-SOC"),   # the pipeline's, from its record
        ("manueel", "OCMW-SOC"),             # no logged question points to it: the counter's button
        ("personeelsgegevens", "ONTH"),      # made before the log began: taken as recorded
        ("beperkte_gegevens", "OCMW-SOC"),   # logged, record lost: the role's escalate_to
    ], key=str)
