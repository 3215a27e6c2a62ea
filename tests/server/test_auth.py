"""Authentication: anonymous, API keys (hashed at rest, `schakel token create`), OIDC bearer
tokens signed with real RSA and EC keys; the rate limit per principal."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tomllib

import pytest

from server_fixtures import ROLE_GRAPHS, graph_iri, start_server
from graph_server.commands import token as token_command

ASK_GRAPHS = "SELECT DISTINCT ?g { GRAPH ?g { } }"


def graphs_seen(client) -> set[str]:
    response = client.get("/sparql", params={"query": ASK_GRAPHS})
    assert response.status_code == 200, response.text
    return {row["g"]["value"] for row in response.json()["results"]["bindings"]}


def iris(names) -> set[str]:
    return {graph_iri(n) for n in names}


def test_anonymous_is_publiek(server):
    with server.client() as client:
        assert graphs_seen(client) == iris(ROLE_GRAPHS["publiek"])


def test_api_key_by_bearer_and_by_header(server):
    key = server.keys["balie"]
    with server.client(headers={"Authorization": f"Bearer {key}"}) as client:
        assert graphs_seen(client) == iris(ROLE_GRAPHS["balie"])
    with server.client(headers={"X-API-Key": key}) as client:
        assert graphs_seen(client) == iris(ROLE_GRAPHS["balie"])
    with server.client(headers={"X-API-Key": key[:-2] + "xx"}) as client:
        response = client.get("/sparql", params={"query": "ASK {}"})
        assert response.status_code == 401 and "API key" in response.text


def test_keys_are_stored_hashed(server):
    text = (server.config.path.parent / "api_keys.toml").read_text()
    for key in server.keys.values():
        assert key not in text and key.split("_", 2)[2] not in text
    records = tomllib.loads(text)["keys"]
    assert all(len(r["hash"]) == 64 and len(r["salt"]) == 32 for r in records)


def test_integrator_grant_per_client(server):
    with server.client("integrator-plus") as client:
        assert graphs_seen(client) == iris(["catalogus", "meldingen"])
    with server.client("integrator") as client:
        assert graphs_seen(client) == iris(ROLE_GRAPHS["integrator"])


def test_token_create_command(server, capsys):
    parser = argparse.ArgumentParser()
    token_command.register(parser.add_subparsers())
    args = parser.parse_args(["token", "create", "--role", "integrator", "--name", "opendata-portaal",
                              "--graphs", "catalogus,sensoren", "--config", str(server.config.path)])
    assert args.run(args) == 0
    key = capsys.readouterr().out.splitlines()[0]
    assert key.startswith("schakel_")
    with server.client(headers={"Authorization": f"Bearer {key}"}) as client:
        assert graphs_seen(client) == iris(["catalogus", "sensoren"])
    bad = parser.parse_args(["token", "create", "--role", "balie", "--graphs", "sociaal",
                             "--config", str(server.config.path)])
    from graph_server.cli import UserError
    with pytest.raises(UserError):
        bad.run(bad)


def test_token_create_into_a_closed_pipe_ends_quietly(server):
    # `schakel token create | head -1` (make demo does the like): the reader leaves early
    command = [sys.executable, "-m", "graph_server.cli", "token", "create", "--role", "balie",
               "--name", "piped", "--config", str(server.config.path)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # before the interpreter has even started
    _, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    assert b"Traceback" not in errors and b"Exception ignored" not in errors


@pytest.mark.parametrize("key", ["rsa", "ec"])
def test_oidc_token_gives_role_from_claim(server, key):
    token = server.oidc.token({"schakel": {"role": "sociaal"}, "sub": "maria"}, key=key)
    with server.client(headers={"Authorization": f"Bearer {token}"}) as client:
        assert graphs_seen(client) == iris(ROLE_GRAPHS["sociaal"])


def test_oidc_list_claim_and_integrator_graphs(server):
    token = server.oidc.token({"schakel": {"role": ["onbekend", "integrator"]}, "schakel_graphs": ["adressen"]})
    with server.client(headers={"Authorization": f"Bearer {token}"}) as client:
        assert graphs_seen(client) == iris(["adressen"])


@pytest.mark.parametrize("case,expected_status,message", [
    ("expired", 401, "expired"),
    ("audience", 401, "audience"),
    ("issuer", 401, "issuer"),
    ("signature", 401, "signature"),
    ("role", 403, "role"),
    ("garbage", 401, "token"),
])
def test_invalid_oidc_tokens_are_refused(server, case, expected_status, message):
    claims = {"schakel": {"role": "balie"}}
    token = {
        "expired": lambda: server.oidc.token(claims, lifetime=-3600),
        "audience": lambda: server.oidc.token(claims, aud="other-service"),
        "issuer": lambda: server.oidc.token(claims, iss="https://evil.example/"),
        "signature": lambda: server.oidc.token(claims, key="other"),
        "role": lambda: server.oidc.token({"schakel": {"role": "koning"}}),
        "garbage": lambda: "eyJhbGciOiJSUzI1NiJ9.e30.c2ln",
    }[case]()
    with server.client(headers={"Authorization": f"Bearer {token}"}) as client:
        response = client.get("/sparql", params={"query": "ASK {}"})
    assert response.status_code == expected_status
    assert message in response.text.lower()
    if expected_status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_rate_limit_per_principal(tmp_path, oidc):
    limited = start_server(tmp_path / "limited", oidc, per_minute=5)
    try:
        with limited.client("balie") as balie, limited.client("sociaal") as sociaal:
            statuses = [balie.get("/sparql", params={"query": "ASK {}"}).status_code for _ in range(7)]
            assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
            refused = balie.get("/sparql", params={"query": "ASK {}"})
            assert "Retry-After" in refused.headers and "rate limit" in refused.text
            # Another principal has its own budget.
            assert sociaal.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    finally:
        limited.stop()
