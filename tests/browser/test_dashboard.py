"""The indicators dashboard in a real headless Chromium against the same server as the
counter-page test (generated and ingested store, real question pipeline): questions asked
through the counter page's API land in the question log, four weeks of earlier history is
written in the question log's own format, and the dashboard must show every chart with data.
Screenshot: tests/artefacts/dashboard.png.

Run alone: `.venv/bin/python -m pytest -m browser tests/browser/test_dashboard.py`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from browser_site import ARTEFACTS, assert_clean, drive, live_site, require_browser_tools

pytestmark = pytest.mark.browser

CHARTS = {"eerstelijnsantwoord", "vragen-per-uitkomst", "escalaties-per-reden", "escalaties-per-dienst",
          "onbeantwoorde-vragen", "latentie", "dossiers-geopend", "dossiers-afgesloten", "doorlooptijd",
          "meldingen-open", "conformiteit", "quarantaine", "versheid"}


@pytest.fixture(scope="module", autouse=True)
def _browser_tools():
    require_browser_tools()


def _history(now: datetime) -> list[dict]:
    """Four weeks of earlier questions, in the format nl2sparql.questionlog.QuestionLog writes
    (it stamps the current time, so older lines are written directly)."""
    lines = []
    for day in range(1, 29):
        for k in range(6):
            status = "answered" if (day + k) % 6 else ("escalated" if k % 2 else "not_understood")
            entry = {"time": (now - timedelta(days=day, minutes=7 * k)).isoformat(timespec="milliseconds"),
                     "principal": "key:browser-balie", "role": "balie",
                     "question": ["Hoeveel kost een reispas?", "Wanneer is het stadhuis open?",
                                  "Welke leefloondossiers lopen er?", "Mag ik mijn haag snoeien in mei?"][k % 4],
                     "status": status, "latency_ms": 180.0 + 20 * k + day, "matched_example": None,
                     "translator": "embedded", "confidence": 0.8, "rows": 1, "attempts": 1}
            if status == "not_understood":
                entry["reason"] = "geen_voorbeeld"
            lines.append(entry)
    return lines


@pytest.fixture(scope="module")
def site():
    site = live_site()
    # Today's questions through the counter page's API, answered by the real pipeline.
    with httpx.Client(base_url=site.url, timeout=120, follow_redirects=True) as client:
        signed = client.post("/aanmelden", data={"sleutel": site.keys["balie"]})
        assert signed.status_code == 200 and signed.url.path == "/balie"
        token = re.search(r'name="csrf-token" content="([^"]+)"', signed.text).group(1)
        for question in ("Hoeveel kost een reispas?", "Welke leefloondossiers heeft de sociale dienst lopen?",
                         "Wat is het weer morgen in Tienen?"):
            response = client.post("/balie/api/vraag", json={"question": question}, headers={"X-CSRF-Token": token})
            assert response.status_code == 200, response.text
    log = site.root / "var" / "questions.jsonl"
    today = log.read_text(encoding="utf-8")
    history = "".join(json.dumps(e) + "\n" for e in _history(datetime.now(timezone.utc)))
    log.write_text(history + today, encoding="utf-8")
    return site


def test_dashboard_charts_have_data(site):
    result = drive("counter", scenario="dashboard", baseUrl=site.url, key=site.keys["beheerder"])
    assert_clean(result)
    assert result["signinUrl"].endswith("/aanmelden?volgende=/dashboard")
    charts = {c["id"]: c for c in result["charts"]}
    assert set(charts) == CHARTS
    empty = {c["id"]: c["title"] for c in result["charts"] if c["points"] == 0 or c["marks"] == 0}
    assert not empty, f"charts without data: {empty}"
    assert all(c["labelled"] and c["width"] > 200 for c in result["charts"])
    # The first-line rate over time: one point per day of the log (29 days).
    assert charts["eerstelijnsantwoord"]["points"] >= 20
    kpis = " | ".join(result["kpis"])
    assert "Eerstelijnsantwoord" in kpis and "doel 80%" in kpis
    assert result["figureRows"] >= 20  # the numbers behind the chart, opened by keyboard
    assert (ARTEFACTS / "dashboard.png").stat().st_size > 50_000


def test_balie_cannot_open_the_dashboard(site):
    with httpx.Client(base_url=site.url, timeout=30) as client:
        client.post("/aanmelden", data={"sleutel": site.keys["balie"], "volgende": "/dashboard"})
        page = client.get("/dashboard")
        assert page.status_code == 403 and "data-chart" not in page.text
