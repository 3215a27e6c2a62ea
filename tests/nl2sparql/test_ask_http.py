"""POST /ask over a real uvicorn server on loopback, with an API key."""

import socket
import threading
import time

import httpx
import pytest
import uvicorn

from graph_server.app import build_context, create_app
from graph_server.auth import ApiKeyStore, api_keys_path


@pytest.fixture(scope="module")
def server(config, gate, asker, tmp_path_factory):
    import dataclasses

    root = tmp_path_factory.mktemp("ask-http")
    raw = dict(config.raw)
    raw["auth"] = {"api_keys_file": str(root / "keys.toml")}
    cfg = dataclasses.replace(config, raw=raw, audit_path=root / "audit.jsonl")
    keys = ApiKeyStore(api_keys_path(cfg))
    key = keys.create("balie", "test-balie")[0]
    ctx = build_context(cfg, gate.store)
    ctx.gate = gate
    app = create_app(cfg, gate.store, context=ctx)
    for route in app.router.routes:
        pass
    # the app's /ask router builds its Asker lazily: hand it the session one (same clock)
    for r in app.router.routes:
        endpoint = getattr(r, "endpoint", None)
        if getattr(r, "path", "") == "/ask" and endpoint is not None:
            for cell in endpoint.__closure__ or ():
                if hasattr(cell.cell_contents, "asker") and hasattr(cell.cell_contents, "warm_up"):
                    cell.cell_contents._asker = asker
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}", key
    srv.should_exit = True
    thread.join(10)


def test_ask_endpoint_answers_with_the_callers_scope(server):
    url, key = server
    with httpx.Client(base_url=url, timeout=60) as client:
        r = client.post("/ask", json={"question": "Hoeveel open meldingen zijn er per deelgemeente?"},
                        headers={"Authorization": f"Bearer {key}"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "answered" and body["rows"] and body["sources"]
        anon = client.post("/ask", json={"question": "Hoeveel open meldingen zijn er per deelgemeente?"})
        assert anon.status_code == 200 and anon.json()["status"] != "answered"
        bad = client.post("/ask", json={"question": "x"}, headers={"Authorization": "Bearer schakel_nope_nope"})
        assert bad.status_code == 401
        assert client.post("/ask", content=b"not json", headers={"Content-Type": "application/json"}).status_code == 400
