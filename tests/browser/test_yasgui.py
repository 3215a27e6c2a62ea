"""The YASGUI page in a real headless Chromium (Debian's `chromium`, driven by `playwright-core`
from npm through `yasgui_driver.mjs`), against a real server on loopback over a small
generated and ingested store.

What a person would check: the page loads, the endpoint is this server's /sparql, a query
shows result rows, the API-key field widens the scope, and nothing is fetched from outside
this machine. A screenshot of each run lands in tests/artefacts/ (gitignored).

`make test` installs chromium and the npm packages first (scripts/setup-browser.sh, npm ci).
Run alone: `.venv/bin/python -m pytest -m browser tests/browser`.
"""

from __future__ import annotations

import re

import httpx
import pytest

from browser_site import ARTEFACTS, LiveSite, assert_offline, drive, live_site, require_browser_tools

pytestmark = pytest.mark.browser

DOSSIER_COUNT = """PREFIX dbo: <http://dbpedia.org/ontology/>
SELECT (COUNT(?dossier) AS ?aantal) WHERE { ?dossier a dbo:Case }"""


@pytest.fixture(scope="module", autouse=True)
def _browser_tools():
    require_browser_tools()


@pytest.fixture(scope="module")
def live() -> LiveSite:
    return live_site()


def test_example_query_shows_rows(live):
    shot = ARTEFACTS / "yasgui-example-query.png"
    result = drive("yasgui", url=f"{live.url}/yasgui", screenshot=str(shot), checkAutocomplete=True)
    assert result["endpoint"] == f"{live.url}/sparql"
    assert result["status"] == 200
    # The preset query lists the counters' opening hours, public data: rows without a key.
    assert len(result["rows"]) >= 1, result
    assert any("schema:" in cell for row in result["rows"] for cell in row), result["rows"][:3]
    assert result["headers"] == [None]  # no key typed, no Authorization header
    # Prefix completion comes from the ontology through this server, not prefix.cc.
    assert "sk: <https://w3id.org/schakel/ns#>" in result["prefixCompletions"]
    assert_offline(result)
    assert shot.stat().st_size > 10_000


def test_api_key_field_widens_the_scope(live):
    anonymous = drive("yasgui", url=f"{live.url}/yasgui", query=DOSSIER_COUNT)
    assert anonymous["status"] == 200
    assert anonymous["rows"][0][-1].startswith('"0"'), anonymous["rows"]  # dossiers: not public

    shot = ARTEFACTS / "yasgui-api-key.png"
    balie = drive("yasgui", url=f"{live.url}/yasgui", query=DOSSIER_COUNT, apiKey=live.keys["balie"], screenshot=str(shot))
    assert balie["status"] == 200
    assert balie["headers"] == [f"Bearer {live.keys['balie']}"]
    count = int(balie["rows"][0][-1].split('"')[1])
    assert count > 0, balie["rows"]
    # The key travels on the request only: not in a share link, not in YASGUI's saved tabs.
    secret = live.keys["balie"].rsplit("_", 1)[1]
    assert secret not in balie["shareLink"] and "Authorization" not in balie["shareLink"]
    assert secret not in balie["localStorage"]
    assert_offline(balie)


def test_page_and_assets_are_served_from_here(live):
    with httpx.Client(base_url=live.url) as client:
        page = client.get("/yasgui")
        assert page.status_code == 200
        csp = page.headers["content-security-policy"]
        assert "connect-src 'self'" in csp and "script-src 'self'" in csp
        # Scripts and stylesheets come from this server (relative URLs), none from elsewhere.
        assert re.findall(r'(?:src|href)="(https?:)?//', page.text) == []
        assert client.get("/yasgui/dist/yasgui.min.js").status_code == 200
        assert client.get("/yasgui/dist/package.json").status_code == 404
        assert client.get("/yasgui/dist/..%2F..%2F..%2Fpackage.json").status_code == 404
