"""The counter page in a real headless Chromium (Debian's `chromium`, driven by playwright-core
through `counter_driver.mjs`) against a real server on a generated and ingested store, with
the real question pipeline: sign in with a balie key, Tab to the question box, ask an
answerable question and an out-of-scope one, see the answer card and the escalation, escalate
by hand, look up a product and a dossier. Screenshots land in tests/artefacts/ (gitignored):
counter-signin is not taken separately; counter-answers.png and counter-page.png.

Run alone: `.venv/bin/python -m pytest -m browser tests/browser/test_counter_page.py`.
"""

from __future__ import annotations

import json

import pytest
from browser_site import ARTEFACTS, assert_clean, drive, live_site, require_browser_tools

from graph_server.scopes import principal_for_role
from graph_server.web.lookups import PREFIXES

pytestmark = pytest.mark.browser

ANSWERABLE = "Hoeveel kost een reispas?"
OUT_OF_SCOPE = "Welke leefloondossiers heeft de sociale dienst lopen?"


@pytest.fixture(scope="module", autouse=True)
def _browser_tools():
    require_browser_tools()


@pytest.fixture(scope="module")
def site():
    return live_site()


def a_dossier(site) -> str:
    """A dossier number balie may see, read through the scope gate like the page does."""
    from graph_server.scopes import ScopeGate

    gate = ScopeGate(site.config, site.store)
    rows = gate.evaluate(principal_for_role(site.config, "balie"),
                         PREFIXES + "SELECT ?id WHERE { ?d a dbo:Case ; dct:identifier ?id ; dossier:doorloopt ?s } "
                                    "ORDER BY ?id LIMIT 1", max_rows=1).rows()
    return rows[0]["id"].value


def test_counter_page_end_to_end(site):
    dossier = a_dossier(site)
    result = drive("counter", scenario="counter", baseUrl=site.url, key=site.keys["balie"],
                   questions=[ANSWERABLE, OUT_OF_SCOPE], escalateAnswered=True,
                   productPrefix="reis", product="Reispas volwassenen", dossier=dossier)
    assert_clean(result)

    # Not signed in: the counter page sends you to the sign-in form, focus in the key field.
    assert result["signinUrl"].endswith("/aanmelden?volgende=/balie")
    assert result["signinFocus"] == "sleutel"

    # Keyboard: Tab from the top reaches the question box and then its submit button.
    ids = [stop["id"] for stop in result["tabStops"]]
    assert "vraag" in ids, result["tabStops"]
    assert ids[ids.index("vraag") + 1] == "vraag-versturen", result["tabStops"]

    answered, escalated = result["cards"]
    # The answerable question: answer card with text, table, sources and the SPARQL behind a toggle.
    assert answered["status"] == "answered" and answered["badge"] == "beantwoord"
    assert answered["question"] == ANSWERABLE
    assert "€" in answered["answer"] and "Reispas" in answered["answer"]
    assert answered["rows"] >= 1 and "bedrag" in answered["headers"]
    assert any(s.startswith("productcatalogus") for s in answered["sources"]), answered["sources"]
    assert answered["hasSparql"] and answered["sparqlOpen"] is False
    assert result["sparqlShown"] and "SELECT" in result["sparqlText"]
    assert answered["escalationState"] == "none" and answered["escalateButton"]

    # The out-of-scope question for balie: escalated to the social service, with a reference.
    assert escalated["status"] == "escalated" and escalated["badge"] == "doorverwezen"
    assert escalated["escalationState"] == "escalated" and not escalated["escalateButton"]
    assert "Sociale dienst (OCMW-SOC)" in escalated["escalationText"]
    assert "ESC-" in escalated["escalationText"] and "beperkte gegevens" in escalated["escalationText"]
    assert escalated["rows"] == 0 and not escalated["hasSparql"]

    # History: both questions, newest first.
    assert [h.split("\n")[0] for h in result["history"]][0].startswith(OUT_OF_SCOPE[:20])
    assert len(result["history"]) == 2

    # Escalating the answered question by hand.
    manual = result["manualEscalation"]
    assert manual["card"]["escalationState"] == "escalated" and manual["card"]["status"] == "escalated"
    assert "manueel" in manual["card"]["escalationText"] and "OCMW-SOC" in manual["card"]["escalationText"]

    # Product autocomplete over the catalogue and the product card.
    assert "Reispas volwassenen" in result["suggestions"]
    assert "Reispas volwassenen" in result["productCard"] and "Kosten" in result["productCard"]
    # Dossier card.
    assert f"Dossier {dossier}" in result["dossierCard"] and "Stappen" in result["dossierCard"]

    for name in ("counter-answers.png", "counter-page.png"):
        assert (ARTEFACTS / name).stat().st_size > 20_000

    # The pipeline logged both questions and the escalations went to the records file.
    log = [json.loads(line) for line in (site.root / "var" / "questions.jsonl").read_text().splitlines()]
    assert {(e["question"], e["status"]) for e in log} >= {(ANSWERABLE, "answered"), (OUT_OF_SCOPE, "escalated")}
    records = [json.loads(line) for line in (site.root / "var" / "escalations.jsonl").read_text().splitlines()]
    assert sum(r.get("event") == "created" for r in records) >= 2  # the pipeline's and the manual one
