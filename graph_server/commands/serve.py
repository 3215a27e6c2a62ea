"""`schakel serve`: the SPARQL / Graph Store server on one store folder."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="serve the SPARQL 1.1 and Graph Store endpoints",
                                   description="Serve the SPARQL 1.1 Protocol and Graph Store endpoints over "
                                               "a store, scoped per role.")
    parser.add_argument("--store", type=Path, default=None, help="store folder (default: [store] path of the config)")
    parser.add_argument("--config", type=Path, default=None, help="configuration file (default: schakel.toml)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    parser.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from graph_server.app import create_app
    from graph_server.config import load_config
    from graph_server.store import GraphStore

    config = load_config(args.config)
    store = GraphStore(args.store or config.store_path)
    app = create_app(config, store)
    host = f"[{args.host}]" if ":" in args.host else args.host
    base = f"http://{host}:{args.port}"
    print(f"Schakel serving {store.root} for {config.city.name}")
    print(f"  SPARQL endpoint:      {base}/sparql")
    print(f"  Graph Store Protocol: {base}/graph-store")
    print(f"  VoID:                 {base}/.well-known/void")
    print(f"  YASGUI (integrators): {base}/yasgui")
    print(f"  question API:         {base}/ask")
    print(f"  counter page:         {base}/balie   (sign in at {base}/aanmelden with an API key)")
    print(f"  indicators:           {base}/dashboard")
    print(f"  API docs:             {base}/docs")
    print(f"  audit log:            {config.audit_path}")
    try:
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    finally:
        store.close()
    return 0
