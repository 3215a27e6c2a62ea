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

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from graph_server.app import create_app
from loopback import LoopbackServer
from graph_server.auth import ApiKeyStore
from graph_server.config import load_config
from graph_server.ingest.pipeline import run_ingest
from graph_server.store import GraphStore
from graph_server.yasgui import node_modules_dir
from source_generator.generate import generate

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("yasgui_driver.mjs")
ARTEFACTS = ROOT / "tests" / "artefacts"
CHROMIUM = Path(os.environ.get("SCHAKEL_CHROMIUM", "/usr/bin/chromium"))
SCALE = 0.02
SEED = 11
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}

DOSSIER_COUNT = """PREFIX dbo: <http://dbpedia.org/ontology/>
SELECT (COUNT(?dossier) AS ?aantal) WHERE { ?dossier a dbo:Case }"""


def _missing_tools() -> list[str]:
    missing = []
    if shutil.which("node") is None:
        missing.append("node")
    if not CHROMIUM.exists():
        missing.append(str(CHROMIUM))
    for package in ("playwright-core", "@triply/yasgui"):
        if not (node_modules_dir() / package / "package.json").is_file():
            missing.append(f"node_modules/{package}")
    return missing


@pytest.fixture(scope="module", autouse=True)
def _browser_tools():
    missing = _missing_tools()
    if missing:
        message = f"browser tools missing: {', '.join(missing)} (run `make test`, or scripts/setup-browser.sh and npm ci)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run these, never skip them quietly
        pytest.skip(message)


@dataclass
class LiveServer:
    url: str
    keys: dict[str, str]


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> LiveServer:
    root = tmp_path_factory.mktemp("yasgui")
    # The project's own configuration, copied so that its relative paths (store, keys, audit)
    # land in the temporary folder.
    shutil.copy(ROOT / "schakel.toml", root / "schakel.toml")
    config = load_config(root / "schakel.toml")
    generate(root / "sources", scale=SCALE, seed=SEED)
    run_ingest(root / "sources", config, store_root=config.store_path, log=None)
    keys_store = ApiKeyStore(root / "var" / "api_keys.toml")
    keys = {role: keys_store.create(role, f"browser-{role}")[0] for role in ("balie",)}
    store = GraphStore(config.store_path)
    live = LoopbackServer(create_app(config, store))
    try:
        yield LiveServer(live.url, keys)
    finally:
        live.stop()
        store.close()


def drive(**options) -> dict:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["node", str(DRIVER), json.dumps({"executablePath": str(CHROMIUM), **options})],
                          cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, f"driver failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _assert_offline(result: dict) -> None:
    outside = [u for u in result["requests"]
               if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname not in LOOPBACK]
    assert not outside, f"the page fetched from outside this machine: {outside}"
    assert not result["pageErrors"], result["pageErrors"]
    assert not result["consoleErrors"], result["consoleErrors"]


def test_example_query_shows_rows(live):
    shot = ARTEFACTS / "yasgui-example-query.png"
    result = drive(url=f"{live.url}/yasgui", screenshot=str(shot), checkAutocomplete=True)
    assert result["endpoint"] == f"{live.url}/sparql"
    assert result["status"] == 200
    # The preset query lists the counters' opening hours, public data: rows without a key.
    assert len(result["rows"]) >= 1, result
    assert any("schema:" in cell for row in result["rows"] for cell in row), result["rows"][:3]
    assert result["headers"] == [None]  # no key typed, no Authorization header
    # Prefix completion comes from the ontology through this server, not prefix.cc.
    assert "sk: <https://w3id.org/schakel/ns#>" in result["prefixCompletions"]
    _assert_offline(result)
    assert shot.stat().st_size > 10_000


def test_api_key_field_widens_the_scope(live):
    anonymous = drive(url=f"{live.url}/yasgui", query=DOSSIER_COUNT)
    assert anonymous["status"] == 200
    assert anonymous["rows"][0][-1].startswith('"0"'), anonymous["rows"]  # dossiers: not public

    shot = ARTEFACTS / "yasgui-api-key.png"
    balie = drive(url=f"{live.url}/yasgui", query=DOSSIER_COUNT, apiKey=live.keys["balie"], screenshot=str(shot))
    assert balie["status"] == 200
    assert balie["headers"] == [f"Bearer {live.keys['balie']}"]
    count = int(balie["rows"][0][-1].split('"')[1])
    assert count > 0, balie["rows"]
    # The key travels on the request only: not in a share link, not in YASGUI's saved tabs.
    secret = live.keys["balie"].rsplit("_", 1)[1]
    assert secret not in balie["shareLink"] and "Authorization" not in balie["shareLink"]
    assert secret not in balie["localStorage"]
    _assert_offline(balie)


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
