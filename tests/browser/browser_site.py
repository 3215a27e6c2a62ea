"""One real server for all browser tests (counter page, dashboard, YASGUI): a small generated
and ingested store, the project's schakel.toml copied next to it, API keys for balie and
beheerder, uvicorn on a random loopback port. Built once per test session (the test modules
share it, and with it the question pipeline's model, which takes a while to load) and torn
down at exit. Pages are driven by Debian's chromium through playwright-core from npm
(`<name>_driver.mjs`)."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit


import pytest

from graph_server.app import create_app
from loopback import LoopbackServer
from graph_server.auth import ApiKeyStore, api_keys_path
from graph_server.config import Config, load_config
from graph_server.ingest.pipeline import run_ingest
from graph_server.store import GraphStore
from graph_server.yasgui import node_modules_dir
from source_generator.generate import generate

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "tests" / "artefacts"
CHROMIUM = Path(os.environ.get("SCHAKEL_CHROMIUM", "/usr/bin/chromium"))
SCALE = 0.03
SEED = 7
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def require_browser_tools() -> None:
    """Skip when the browser tools are missing on a user's machine; fail in CI, where
    `make test` installs them."""
    missing = missing_tools()
    if missing:
        message = f"browser tools missing: {', '.join(missing)} (run `make test`, or scripts/setup-browser.sh and npm ci)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def missing_tools() -> list[str]:
    missing = []
    if shutil.which("node") is None:
        missing.append("node")
    if not CHROMIUM.exists():
        missing.append(str(CHROMIUM))
    for package in ("playwright-core", "@triply/yasgui"):
        if not (node_modules_dir() / package / "package.json").is_file():
            missing.append(f"node_modules/{package}")
    return missing


@dataclass
class LiveSite:
    url: str
    root: Path
    config: Config
    store: GraphStore
    keys: dict[str, str]


@lru_cache(maxsize=1)
def live_site() -> LiveSite:
    root = Path(tempfile.mkdtemp(prefix="schakel-counter-"))
    shutil.copy(ROOT / "schakel.toml", root / "schakel.toml")
    config = load_config(root / "schakel.toml")
    generate(root / "sources", scale=SCALE, seed=SEED)
    run_ingest(root / "sources", config, store_root=config.store_path, log=None)
    keys_store = ApiKeyStore(api_keys_path(config))
    keys = {role: keys_store.create(role, f"browser-{role}")[0] for role in ("balie", "beheerder")}
    store = GraphStore(config.store_path)
    live = LoopbackServer(create_app(config, store))

    def stop() -> None:
        live.stop()
        store.close()
        shutil.rmtree(root, ignore_errors=True)

    atexit.register(stop)
    return LiveSite(live.url, root, config, store, keys)


def drive(driver: str, **options) -> dict:
    """Run `<driver>_driver.mjs` with `options`; its last line of output is the result."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    script = Path(__file__).with_name(f"{driver}_driver.mjs")
    proc = subprocess.run(["node", str(script), json.dumps({"executablePath": str(CHROMIUM),
                                                             "artefacts": str(ARTEFACTS), **options})],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"driver failed ({proc.returncode}):\n{proc.stderr[-4000:]}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "error" not in result, result["error"]
    return result


def assert_offline(result: dict) -> None:
    """Nothing fetched from another machine, no script errors."""
    outside = [u for u in result["requests"]
               if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).hostname not in LOOPBACK]
    assert not outside, f"the page fetched from outside this machine: {outside}"
    assert not result["pageErrors"], result["pageErrors"]
    assert not result["consoleErrors"], result["consoleErrors"]


def assert_clean(result: dict) -> None:
    """Offline and error-free, the session cookie out of JavaScript's reach, every field
    labelled, text contrast at WCAG AA."""
    assert_offline(result)
    assert result["jsCookies"] == "", "the session cookie must be HttpOnly"
    assert {"name": "schakel_sessie", "httpOnly": True, "sameSite": "Strict"} in result["cookies"]
    for labels in (result["signinLabels"], result["labels"]):
        assert not labels["missing"], f"fields without a label: {labels['missing']}"
        assert not labels["unnamedButtons"], labels["unnamedButtons"]
    assert result["contrast"]["checked"] > 20
    assert not result["contrast"]["problems"], result["contrast"]["problems"]
    # Every stop Tab reaches shows where the focus is ("body" is the browser's own stop after the
    # last control, before Tab wraps round).
    assert all(stop["focusVisible"] for stop in result["tabStops"] if stop["tag"] != "body"), result["tabStops"]
