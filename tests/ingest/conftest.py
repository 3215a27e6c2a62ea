"""One small generated city, ingested once per test session, shared by the ingest tests."""

import json
from pathlib import Path

import pytest

from graph_server.config import load_config
from graph_server.ingest.pipeline import run_ingest
from graph_server.store import GraphStore
from source_generator.generate import generate

SCALE = 0.03
SEED = 7


@pytest.fixture(scope="session")
def config():
    return load_config()


@pytest.fixture(scope="session")
def sources(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sources")
    generate(out, scale=SCALE, seed=SEED)
    return out


@pytest.fixture(scope="session")
def dirt(sources) -> dict:
    return json.loads((sources / "dirt_report.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def ingested(sources, config, tmp_path_factory):
    store_root = tmp_path_factory.mktemp("store")
    report = run_ingest(sources, config, store_root=store_root, log=None)
    return report, store_root


@pytest.fixture(scope="session")
def stored_sizes():
    """Reads the graph sizes of the store at a path, as a fresh process would."""
    def read(store_root: Path) -> dict[str, int]:
        store = GraphStore(store_root, read_only=True)
        try:
            return store.graph_sizes()
        finally:
            store.close()
    return read
