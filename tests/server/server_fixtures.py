"""Fixtures for the server suites: a small on-disk store with a few triples in each configured
graph (including the restricted `sociaal` graph), API keys per role, an OIDC issuer with real
RSA and EC keys, and a real uvicorn server on a random loopback port."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from graph_server.app import create_app
from loopback import LoopbackServer
from graph_server.auth import ApiKeyStore
from graph_server.config import Config, load_config
from graph_server.store import GraphStore

BASE = "https://data.tienen.be/"
GRAPHS = ["catalogus", "adressen", "organisatie", "sensoren", "dossiers", "meldingen", "personen",
          "sociaal", "provenance", "quarantaine"]
ROLE_GRAPHS = {
    "publiek": ["catalogus", "adressen", "organisatie", "sensoren"],
    "balie": ["catalogus", "adressen", "organisatie", "sensoren", "dossiers", "meldingen", "personen"],
    "sociaal": ["catalogus", "adressen", "organisatie", "sensoren", "dossiers", "meldingen", "personen", "sociaal"],
    "integrator": ["catalogus", "adressen", "organisatie", "sensoren"],
    "redacteur": ["catalogus", "adressen"],
    "beheerder": GRAPHS,
}
ISSUER = "https://login.example.test/realms/tienen"
AUDIENCE = "schakel"
SECRET_TEXT = "Leefloon-dossier-GEHEIM-4711"


def graph_iri(name: str) -> str:
    return f"{BASE}graph/{name}"


def marker(name: str) -> str:
    return f"{BASE}id/marker/{name}"


def config_text(root: Path, *, timeout: float = 2.0, max_rows: int = 500, max_bytes: int = 32768,
                per_minute: int = 100000, extra: str = "") -> str:
    graphs = "\n".join(f'{g} = "x"' for g in GRAPHS)
    return f"""
[city]
name = "Tienen"
nis_code = "24107"
postcode = ["3300"]
base_iri = "{BASE}"
bbox = [4.86, 50.75, 5.03, 50.87]

[store]
path = "store"

[graphs]
{graphs}

[roles.publiek]
graphs = {json.dumps(ROLE_GRAPHS["publiek"])}
[roles.balie]
graphs = {json.dumps(ROLE_GRAPHS["balie"])}
[roles.sociaal]
graphs = {json.dumps(ROLE_GRAPHS["sociaal"])}
[roles.integrator]
graphs = {json.dumps(ROLE_GRAPHS["integrator"])}
[roles.redacteur]
graphs = {json.dumps(ROLE_GRAPHS["redacteur"])}
write = true
[roles.beheerder]
graphs = ["*"]
write = true

[limits]
query_timeout_seconds = {timeout}
max_result_rows = {max_rows}
max_request_bytes = {max_bytes}
requests_per_minute = {per_minute}

[audit]
path = "audit.jsonl"

[server]
max_concurrent_queries = 3

[auth]
api_keys_file = "api_keys.toml"

[auth.oidc]
issuer = "{ISSUER}"
audience = "{AUDIENCE}"
jwks_file = "jwks.json"
role_claim = "schakel.role"
graphs_claim = "schakel_graphs"
{extra}
"""


def fill_store(store: GraphStore, rows_per_graph: int = 4) -> None:
    lines = []
    for name in GRAPHS:
        g = graph_iri(name)
        lines.append(f'GRAPH <{g}> {{ <{marker(name)}> <http://example.org/inGraph> "{name}" .')
        for i in range(rows_per_graph):
            lines.append(f'<{BASE}id/thing/{name}-{i}> a <http://example.org/Thing> ; '
                         f'<http://www.w3.org/2000/01/rdf-schema#label> "{name} {i}"@nl .')
        if name == "sociaal":
            lines.append(f'<{BASE}id/dossier/soc-1> <http://example.org/note> "{SECRET_TEXT}" .')
            lines.append(f'<{BASE}id/thing/catalogus-0> <http://example.org/socialLink> <{BASE}id/dossier/soc-1> .')
        lines.append("}")
    store.update("INSERT DATA { " + "\n".join(lines) + " }")
    store.flush()


@dataclass
class OidcIssuer:
    rsa_key: rsa.RSAPrivateKey
    ec_key: ec.EllipticCurvePrivateKey
    other_key: rsa.RSAPrivateKey  # not in the JWKS

    def token(self, claims: dict | None = None, *, key: str = "rsa", lifetime: int = 300, **overrides) -> str:
        now = int(time.time())
        payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "tester", "iat": now, "exp": now + lifetime}
        payload.update(claims or {})
        payload.update(overrides)
        if key == "rsa":
            return jwt.encode(payload, self.rsa_key, algorithm="RS256", headers={"kid": "rsa-1"})
        if key == "ec":
            return jwt.encode(payload, self.ec_key, algorithm="ES256", headers={"kid": "ec-1"})
        return jwt.encode(payload, self.other_key, algorithm="RS256", headers={"kid": "rsa-1"})


def _jwk(public_key, kid: str, alg: str) -> dict:
    data = json.loads(jwt.algorithms.get_default_algorithms()[alg].to_jwk(public_key))
    data.update({"kid": kid, "alg": alg, "use": "sig"})
    return data


@pytest.fixture(scope="session")
def oidc() -> OidcIssuer:
    return OidcIssuer(rsa.generate_private_key(public_exponent=65537, key_size=2048),
                      ec.generate_private_key(ec.SECP256R1()),
                      rsa.generate_private_key(public_exponent=65537, key_size=2048))


@dataclass
class Server:
    url: str
    config: Config
    store: GraphStore
    keys: dict[str, str] = field(default_factory=dict)  # role -> API key
    oidc: OidcIssuer | None = None
    live: LoopbackServer | None = None

    def client(self, role: str | None = None, **kwargs) -> httpx.Client:
        headers = kwargs.pop("headers", {})
        if role is not None and role != "anonymous":
            headers["Authorization"] = f"Bearer {self.keys[role]}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=kwargs.pop("timeout", 30), **kwargs)

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
        self.store.close()


def start_server(root: Path, oidc_issuer: OidcIssuer, *, fill: bool = True, integrator_graphs=None, **config_kwargs) -> Server:
    root.mkdir(parents=True, exist_ok=True)
    jwks = {"keys": [_jwk(oidc_issuer.rsa_key.public_key(), "rsa-1", "RS256"),
                     _jwk(oidc_issuer.ec_key.public_key(), "ec-1", "ES256")]}
    (root / "jwks.json").write_text(json.dumps(jwks))
    (root / "schakel.toml").write_text(config_text(root, **config_kwargs))
    config = load_config(root / "schakel.toml")
    store = GraphStore(root / "store")
    if fill:
        fill_store(store)
    keys_store = ApiKeyStore(root / "api_keys.toml")
    keys = {role: keys_store.create(role, f"test-{role}")[0] for role in ROLE_GRAPHS}
    keys["integrator-plus"] = keys_store.create("integrator", "test-integrator-plus",
                                                integrator_graphs or ["catalogus", "meldingen"])[0]
    live = LoopbackServer(create_app(config, store))
    return Server(live.url, config, store, keys, oidc_issuer, live)


@pytest.fixture(scope="module")
def server(tmp_path_factory, oidc) -> Server:
    running = start_server(tmp_path_factory.mktemp("server"), oidc)
    yield running
    running.stop()
