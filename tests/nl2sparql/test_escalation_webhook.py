"""Escalation records are stored before the answer and POSTed to the webhook with retries: a
real HTTP receiver on loopback that fails the first attempts."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from nl2sparql.escalate import Escalator


@pytest.fixture()
def receiver():
    received, statuses = [], [503, 500]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = statuses.pop(0) if statuses else 202
            received.append((status, json.loads(body)))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/flow", received
    server.shutdown()


def test_escalation_is_recorded_and_posted_with_retries(config, gate, embedder, receiver, tmp_path, principals,
                                                        make_settings):
    from nl2sparql.pipeline import Asker

    url, received = receiver
    settings = make_settings(config, tmp_path, webhook_url=url, retries=3, backoff_seconds=0.05)
    asker = Asker(config, gate, settings=settings, embedder=embedder)
    a = asker.ask("Welke steun ontvangt iemand van het OCMW, toon alle leefloondossiers", principals["balie"])
    assert a.status == "escalated", a
    assert asker.escalator.wait(10)
    assert [s for s, _ in received] == [503, 500, 202]
    payload = received[-1][1]
    assert payload["id"] == a.escalation.record_id and payload["unit"] == "OCMW-SOC"
    assert payload["reason"] == "beperkte_gegevens" and payload["role"] == "balie"
    assert set(payload) == {"type", "id", "created", "principal", "role", "question", "unit", "reason"}
    events = [json.loads(line) for line in (tmp_path / "escalations.jsonl").read_text().splitlines()]
    assert [e["event"] for e in events] == ["created", "delivered"] and events[1]["attempts"] == 3
    assert asker.escalator.undelivered() == []


def test_undelivered_escalations_are_kept_for_a_resend(config, tmp_path, principals, make_settings):
    settings = make_settings(config, tmp_path, webhook_url="http://127.0.0.1:9/unreachable", retries=1,
                            backoff_seconds=0.01, timeout_seconds=0.5)
    escalator = Escalator(config, settings.escalation)
    record = escalator.escalate(principals["balie"], "vraag", {"sociaal"})
    assert escalator.wait(10)
    assert [r.id for r in escalator.undelivered()] == [record.id]
