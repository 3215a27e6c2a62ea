"""`schakel token`: API keys for integrators and staff (create, list)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("token", help="create and list API keys",
                                   description="Manage API keys. Keys are stored hashed; a new key is "
                                               "printed once and cannot be shown again.")
    actions = parser.add_subparsers(dest="token_action", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="add an API key and print it once")
    create.add_argument("--role", required=True, help="a role from the configuration")
    create.add_argument("--name", help="who the key is for (shown in the audit log)")
    create.add_argument("--graphs", help="comma-separated graph names granted to this client (role integrator only)")
    create.add_argument("--config", type=Path, default=None, help="configuration file (default: schakel.toml)")
    create.set_defaults(run=run_create)
    listing = actions.add_parser("list", help="list the keys (ids, names, roles; never secrets)")
    listing.add_argument("--config", type=Path, default=None)
    listing.set_defaults(run=run_list)


def run_create(args: argparse.Namespace) -> int:
    from graph_server.auth import ApiKeyStore, api_keys_path
    from graph_server.cli import UserError
    from graph_server.config import load_config

    config = load_config(args.config)
    if args.role not in config.roles:
        raise UserError(f"unknown role {args.role!r}; configured roles: {', '.join(config.roles)}")
    graphs = None
    if args.graphs is not None:
        if args.role != "integrator":
            raise UserError("--graphs grants graphs per client and is only for role 'integrator'")
        graphs = [g.strip() for g in args.graphs.split(",") if g.strip()]
        unknown = [g for g in graphs if g not in config.graphs]
        if unknown:
            raise UserError(f"unknown graph(s) {', '.join(unknown)}; configured: {', '.join(config.graphs)}")
    path = api_keys_path(config)
    key, record = ApiKeyStore(path).create(args.role, args.name, graphs)
    print(key)
    granted = ", ".join(graphs) if graphs is not None else f"the role's graphs ({', '.join(config.role_graphs(args.role))})"
    print(f"# key {record.key_id} for {record.name!r}, role {record.role}, graphs: {granted}")
    print(f"# stored hashed in {path}; this is the only time the key is shown.")
    print("# use it as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from graph_server.auth import ApiKeyStore, api_keys_path
    from graph_server.config import load_config

    config = load_config(args.config)
    records = ApiKeyStore(api_keys_path(config)).records()
    if not records:
        print("no API keys")
    for record in records.values():
        graphs = ",".join(record.graphs) if record.graphs is not None else "(role default)"
        print(f"{record.key_id}\t{record.role}\t{graphs}\t{record.name}\t{record.created}")
    return 0
