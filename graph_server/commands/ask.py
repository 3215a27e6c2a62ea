"""`schakel ask "vraag" --role balie`: one Dutch question answered from a store, as a role."""

from __future__ import annotations

import argparse
import json
import os
from datetime import date
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("ask", help="answer a Dutch question from the graph, as a role",
                                   description="Answer a question in Dutch from the graph within the scope of a role "
                                               "(the same pipeline as POST /ask).")
    parser.add_argument("question", help="the question, in Dutch")
    parser.add_argument("--role", default="publiek", help="role to ask as (default: publiek)")
    parser.add_argument("--name", default=None, help="who is asking (for the escalation record and the log)")
    parser.add_argument("--store", type=Path, default=None, help="store folder (default: [store] path of the config)")
    parser.add_argument("--config", type=Path, default=None, help="configuration file (default: schakel.toml)")
    parser.add_argument("--today", default=None, help="resolve 'vorige maand', 'dit jaar', ... relative to this "
                                                      "date (YYYY-MM-DD; default: today)")
    parser.add_argument("--json", action="store_true", help="print the whole answer as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from graph_server.cli import UserError
    from graph_server.config import load_config
    from graph_server.scopes import ScopeGate, principal_for_role
    from graph_server.store import GraphStore
    from nl2sparql.pipeline import Asker

    config = load_config(args.config)
    if args.role not in config.roles:
        raise UserError(f"unknown role {args.role!r}; configured roles: {', '.join(config.roles)}")
    store_path = args.store or config.store_path
    if not (Path(store_path) / "CURRENT").exists():
        raise UserError(f"no store at {store_path}; run 'schakel ingest' first")
    store = GraphStore(store_path, read_only=True)
    try:
        today = date.fromisoformat(args.today) if args.today else None
        asker = Asker(config, ScopeGate(config, store), today=today)
        principal = principal_for_role(config, args.role, name=args.name)
        answer = asker.ask(args.question, principal)
        asker.escalator.wait(30)
    finally:
        store.close()
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(answer.answer)
    print()
    print(f"status: {answer.status}  (vertrouwen {answer.confidence:.2f}, voorbeeld {answer.matched_example}, "
          f"{answer.latency_ms:.0f} ms)")
    if answer.escalation:
        print(f"doorgestuurd naar: {answer.escalation.unit}  reden: {answer.escalation.reason}  "
              f"referentie: {answer.escalation.record_id}")
    for source in answer.sources:
        print(f"bron: {source.graph} uit {source.source}, geladen {source.loaded_at}")
    return 0
