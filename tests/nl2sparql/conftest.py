"""One small generated city, ingested once per session, and one Asker (MiniLM loaded once)."""

from __future__ import annotations

import dataclasses
import os
from datetime import date
from pathlib import Path

import pytest

from graph_server.config import load_config
from graph_server.ingest.pipeline import run_ingest
from graph_server.scopes import ScopeGate, principal_for_role
from graph_server.store import GraphStore
from nl2sparql.settings import load_settings
from source_generator.generate import generate

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
SCALE = 0.03
SEED = 24107
TODAY = date(2026, 11, 29)


@pytest.fixture(scope="session")
def config():
    return load_config()


@pytest.fixture(scope="session")
def nl_store(config, tmp_path_factory) -> Path:
    sources = tmp_path_factory.mktemp("nl-sources")
    generate(sources, scale=SCALE, seed=SEED)
    root = tmp_path_factory.mktemp("nl-store")
    run_ingest(sources, config, store_root=root, log=None)
    return root


@pytest.fixture(scope="session")
def gate(config, nl_store):
    store = GraphStore(nl_store, read_only=True)
    yield ScopeGate(config, store)
    store.close()


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("nl-var")


def settings_for(config, var: Path, **escalation):
    base = load_settings(config, env={})
    return dataclasses.replace(
        base, question_log=var / "questions.jsonl",
        escalation=dataclasses.replace(base.escalation, records_path=var / "escalations.jsonl", **escalation))


@pytest.fixture(scope="session")
def today() -> date:
    return TODAY


@pytest.fixture(scope="session")
def make_settings():
    """`settings_for` as a fixture: test modules do not import this conftest (`tests` is not a
    package on the path when pytest is run as `pytest`)."""
    return settings_for


@pytest.fixture(scope="session")
def embedder(config):
    from nl2sparql.retrieve import Embedder

    return Embedder(load_settings(config, env={}).embedding_model)


@pytest.fixture(scope="session")
def asker(config, gate, var_dir, embedder):
    from nl2sparql.pipeline import Asker

    return Asker(config, gate, settings=settings_for(config, var_dir), today=TODAY, embedder=embedder)


@pytest.fixture(scope="session")
def principals(config):
    return {role: principal_for_role(config, role) for role in config.roles}
