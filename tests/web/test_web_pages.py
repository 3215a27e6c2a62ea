"""The counter page and the dashboard over plain HTTP (no browser): sign-in and the session
cookie, CSRF, who may open what, the JSON routes, and that nobody sees data outside their role
— anonymous visitors least of all."""

from __future__ import annotations

import base64
import json
import re

import pytest
from web_fixtures import DOSSIER, PERSON_NAME, PRODUCT_TITLE, SECRET_FILE, SECRET_NAME, base_config_text, make_site, remove_site

from graph_server.scopes import Principal

RESTRICTED = (SECRET_NAME, SECRET_FILE, PERSON_NAME, DOSSIER, "leefloon")


def fake_asker(principal: Principal, question: str) -> dict:
    """The /ask contract, scoped like the real pipeline: social questions escalate for roles
    without the sociaal graph."""
    if "leefloon" in question.lower():
        if any(g.endswith("/graph/sociaal") for g in principal.graphs) or principal.all_graphs:
            return {"status": "answered", "answer": f"1 lopend dossier: {SECRET_FILE}", "rows": [{"dossier": SECRET_FILE}],
                    "sparql": "SELECT ...", "sources": [], "confidence": 0.9, "escalation": None,
                    "matched_example": "soc-1", "latency_ms": 5}
        return {"status": "escalated", "answer": "Doorverwezen naar de sociale dienst.", "rows": [], "sparql": None,
                "sources": [], "confidence": 0.8,
                "escalation": {"unit": "OCMW-SOC", "reason": "beperkte_gegevens", "record_id": "ESC-1"},
                "matched_example": None, "latency_ms": 5}
    return {"status": "answered", "answer": "Een reispas kost € 90.", "rows": [{"product": PRODUCT_TITLE, "kost": 90.0}],
            "sparql": "PREFIX m8g: <http://data.europa.eu/m8g/>\nSELECT ?kost WHERE { ?p m8g:hasCost/m8g:value ?kost }",
            "sources": [{"graph": "https://data.tienen.be/graph/catalogus", "source": "productcatalogus",
                         "loaded_at": "2026-11-28T06:00:00Z"}],
            "confidence": 0.93, "escalation": None, "matched_example": "kost-1", "latency_ms": 12.5}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = make_site(tmp_path_factory.mktemp("web"))
    site.app.state.schakel_web_asker = fake_asker
    site.app.state.schakel_web_escalator = lambda principal, question, note: {
        "unit": "OCMW-SOC", "reason": "manueel", "record_id": "ESC-MAN-1"}
    yield site
    remove_site(site)


def signed_in(site, role: str, target: str = "/balie"):
    client = site.client()
    response = site.sign_in(client, role, target)
    assert response.status_code == 303, response.text
    return client


def csrf_of(client) -> str:
    page = client.get("/balie")
    return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)


# --- anonymous ----------------------------------------------------------------------------------

def test_anonymous_is_sent_to_sign_in_and_gets_no_data(site):
    client = site.client()
    for path in ("/balie", "/dashboard"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/aanmelden?volgende={path}"
    for method, path in (("GET", "/balie/api/producten?q=reis"), ("GET", f"/balie/api/dossier/{DOSSIER}"),
                         ("GET", "/balie/api/product/P0005"), ("POST", "/balie/api/vraag"),
                         ("POST", "/balie/api/doorverwijzen")):
        response = client.request(method, path, json={"question": "Welke leefloondossiers lopen er?"})
        assert response.status_code == 401, (path, response.text)
        assert response.headers["content-type"].startswith("application/json")
        assert not any(secret in response.text for secret in RESTRICTED)
    page = client.get("/aanmelden")
    assert page.status_code == 200
    assert not any(secret in page.text for secret in RESTRICTED)


def test_sign_in_form_is_labelled_and_self_contained(site):
    page = site.client().get("/aanmelden")
    assert '<label for="sleutel">' in page.text and 'id="sleutel"' in page.text
    assert 'lang="nl"' in page.text
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    # Nothing from another origin: every script and stylesheet is served from here.
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page.text)


# --- sign-in and the session cookie --------------------------------------------------------------

def test_wrong_key_is_refused_without_a_cookie(site):
    client = site.client()
    for key in ("schakel_000000000000_nope", "not-a-key", site.keys["balie"][:-3] + "xyz"):
        response = client.post("/aanmelden", data={"sleutel": key}, follow_redirects=False)
        assert response.status_code == 401
        assert "set-cookie" not in response.headers
        assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text


def test_cookie_is_signed_httponly_strict_and_never_holds_the_key(site):
    client = site.client()
    response = site.sign_in(client, "balie")
    assert response.headers["location"] == "/balie"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http (loopback tests); see the https case below
    value = cookie.split(";")[0].split("=", 1)[1]
    secret_part = site.keys["balie"].rsplit("_", 1)[1]
    body = base64.urlsafe_b64decode(value.split(".")[0] + "==")
    assert secret_part not in value and secret_part.encode() not in body
    assert json.loads(body)["role"] == "balie"

    https = site.client(https=True)
    assert "Secure" in site.sign_in(https, "balie").headers["set-cookie"]


def test_tampered_expired_or_revoked_sessions_are_rejected(site, monkeypatch):
    client = signed_in(site, "balie")
    value = client.cookies.get("schakel_sessie")
    body, mac = value.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))

    def forged(**changes) -> str:
        data = base64.urlsafe_b64encode(json.dumps({**payload, **changes}).encode()).rstrip(b"=").decode()
        return f"{data}.{mac}"

    for bad in (forged(role="beheerder"), forged(exp=payload["exp"] + 10**6), value[:-2] + "xx", "garbage"):
        other = site.client()
        other.cookies.set("schakel_sessie", bad)
        response = other.get("/dashboard", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/aanmelden")
        assert other.get("/balie/api/producten?q=re").status_code == 401

    # Expired: the clock moves past the session's end.
    import graph_server.web.session as session_module
    real_time = session_module.time.time
    monkeypatch.setattr(session_module.time, "time", lambda: real_time() + 11 * 3600)
    assert client.get("/balie", follow_redirects=False).status_code == 303
    monkeypatch.undo()
    assert client.get("/balie").status_code == 200

    # Revoked: removing the key's block from the keys file ends the session at once.
    site2_client = signed_in(site, "sociaal")
    keys_file = site.root / "var" / "api_keys.toml"
    original = keys_file.read_text()
    key_id = site.keys["sociaal"].split("_")[1]
    blocks = original.split("\n[[keys]]\n")
    keys_file.write_text("\n[[keys]]\n".join(b for b in blocks if f'id = "{key_id}"' not in b))
    try:
        assert site2_client.get("/balie", follow_redirects=False).status_code == 303
    finally:
        keys_file.write_text(original)


def test_roles_without_a_capability_cannot_sign_in(site):
    for role in ("integrator", "publiek"):
        response = site.sign_in(site.client(), role)
        assert response.status_code == 403
        assert "set-cookie" not in response.headers
        assert "geen toegang" in response.text


def test_sign_in_goes_to_the_page_asked_for_if_allowed(site):
    assert site.sign_in(site.client(), "beheerder", "/dashboard").headers["location"] == "/dashboard"
    # balie may not open the dashboard: it lands on the counter page instead.
    assert site.sign_in(site.client(), "balie", "/dashboard").headers["location"] == "/balie"
    # Only known pages: no open redirect.
    assert site.sign_in(site.client(), "balie", "https://evil.example/").headers["location"] == "/balie"


def test_sign_out_needs_the_form_token_and_clears_the_cookie(site):
    client = signed_in(site, "balie")
    assert client.post("/afmelden", data={"csrf": "wrong"}, follow_redirects=False).status_code == 403
    response = client.post("/afmelden", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert response.status_code == 303
    assert 'schakel_sessie=""' in response.headers["set-cookie"] or "Max-Age=0" in response.headers["set-cookie"]
    assert client.get("/balie", follow_redirects=False).status_code == 303


# --- counter page -------------------------------------------------------------------------------

def test_counter_page_has_labelled_fields_and_no_data_yet(site):
    client = signed_in(site, "balie")
    page = client.get("/balie")
    assert page.status_code == 200
    for field in ("vraag", "product", "dossiernummer"):
        assert f'<label for="{field}">' in page.text and f'id="{field}"' in page.text
    assert 'id="vraag-versturen"' in page.text
    assert 'content="Sociale dienst (OCMW-SOC)"' in page.text  # where this role's escalations go
    assert "Dashboard" not in page.text  # balie has no management capability: no link either
    assert not any(secret in page.text for secret in RESTRICTED)
    assert client.get("/web/static/balie.js").status_code == 200
    assert client.get("/web/static/../routes.py").status_code == 404
    assert client.get("/web/static/routes.py").status_code == 404


def test_ask_needs_csrf_and_same_origin(site):
    client = signed_in(site, "balie")
    token = csrf_of(client)
    question = {"question": "Hoeveel kost een reispas?"}
    assert client.post("/balie/api/vraag", json=question).status_code == 403
    assert client.post("/balie/api/vraag", json=question, headers={"X-CSRF-Token": "nope"}).status_code == 403
    assert client.post("/balie/api/vraag", json=question,
                       headers={"X-CSRF-Token": token, "Origin": "https://evil.example"}).status_code == 403
    ok = client.post("/balie/api/vraag", json=question, headers={"X-CSRF-Token": token, "Origin": "http://testserver"})
    assert ok.status_code == 200, ok.text
    assert client.post("/balie/api/vraag", json={"question": "  "}, headers={"X-CSRF-Token": token}).status_code == 400


def test_answer_and_escalation_follow_the_ask_contract(site):
    client = signed_in(site, "balie")
    token = csrf_of(client)
    answer = client.post("/balie/api/vraag", json={"question": "Hoeveel kost een reispas?"},
                         headers={"X-CSRF-Token": token}).json()
    assert answer["status"] == "answered" and answer["escalation"] is None
    assert answer["rows"] == [{"product": PRODUCT_TITLE, "kost": 90.0}]
    assert answer["sources"][0]["source"] == "productcatalogus" and answer["sparql"].startswith("PREFIX")
    assert answer["question"] == "Hoeveel kost een reispas?"

    escalated = client.post("/balie/api/vraag", json={"question": "Welke leefloondossiers lopen er?"},
                            headers={"X-CSRF-Token": token}).json()
    assert escalated["status"] == "escalated"
    assert escalated["escalation"]["unit"] == "OCMW-SOC"
    assert escalated["escalation"]["unit_label"] == "Sociale dienst (OCMW-SOC)"
    assert escalated["escalation"]["reason_label"].startswith("vraagt beperkte gegevens")
    assert SECRET_FILE not in json.dumps(escalated)

    manual = client.post("/balie/api/doorverwijzen", json={"question": "Hoeveel kost een reispas?"},
                         headers={"X-CSRF-Token": token})
    assert manual.status_code == 200
    assert manual.json() == {"unit": "OCMW-SOC", "reason": "manueel", "record_id": "ESC-MAN-1",
                             "reason_label": "manueel doorverwezen door de balie",
                             "unit_label": "Sociale dienst (OCMW-SOC)"}
    audit = (site.root / "var" / "audit.jsonl").read_text()
    assert '"operation": "web-ask"' in audit and '"operation": "web-escalate"' in audit
    assert "reispas" not in audit  # the audit log keeps a hash of the question, not its text


def test_product_autocomplete_and_card(site):
    client = signed_in(site, "balie")
    found = client.get("/balie/api/producten", params={"q": "reis"}).json()["producten"]
    assert [p["title"] for p in found] == ["Reispas minderjarigen", PRODUCT_TITLE]
    assert client.get("/balie/api/producten", params={"q": "id-k"}).json()["producten"][0]["keyword"] == "ID-kaart"
    assert client.get("/balie/api/producten", params={"q": "r"}).json()["producten"] == []
    card = client.get(f"/balie/api/product/{PRODUCT_TITLE}").json()  # by title, as typed in the field
    assert card["id"] == "P0005" and card["provider"] == "Burgerzaken" and card["processing_time"] == "10 dagen"
    assert card["costs"] == [{"amount": "€ 90", "description": "normale procedure"}]
    assert client.get("/balie/api/product/P0005").json()["title"] == PRODUCT_TITLE
    missing = client.get("/balie/api/product/bestaat-niet")
    assert missing.status_code == 404 and "fout" in missing.json()
    # Quotes and braces reach SPARQL as a string literal only.
    assert client.get('/balie/api/product/x" } ; DROP ALL ; #').status_code == 404


def test_dossier_lookup_is_scoped_to_the_role(site):
    balie = signed_in(site, "balie")
    dossier = balie.get(f"/balie/api/dossier/{DOSSIER.lower()}").json()
    assert dossier["number"] == DOSSIER and dossier["type"] == "elektronische identiteitskaart (eID)"
    assert dossier["applicant"] == PERSON_NAME and dossier["steps"][0]["status"] == "ontvangen"
    # A social file is a dbo:Case too, but in the restricted graph: not found for balie ...
    refused = balie.get(f"/balie/api/dossier/{SECRET_FILE}")
    assert refused.status_code == 404 and SECRET_FILE not in refused.text.replace(f"/{SECRET_FILE}", "")
    # ... and found for the social service.
    social = signed_in(site, "sociaal")
    assert social.get(f"/balie/api/dossier/{SECRET_FILE}").json()["number"] == SECRET_FILE


# --- dashboard ----------------------------------------------------------------------------------

CHARTS = ("eerstelijnsantwoord", "vragen-per-uitkomst", "escalaties-per-reden", "escalaties-per-dienst",
          "onbeantwoorde-vragen", "latentie", "dossiers-geopend", "dossiers-afgesloten", "doorlooptijd",
          "meldingen-open", "conformiteit", "quarantaine", "versheid")


def chart_points(html: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in re.finditer(r'data-chart="([^"]+)" data-points="(\d+)"', html)}


def test_dashboard_is_for_management_only(site):
    balie = signed_in(site, "balie")
    response = balie.get("/dashboard")
    assert response.status_code == 403
    assert "data-chart" not in response.text and "Geen toegang" in response.text
    assert not any(secret in response.text for secret in RESTRICTED)


def test_dashboard_charts_are_filled(site):
    client = signed_in(site, "beheerder", "/dashboard")
    page = client.get("/dashboard")
    assert page.status_code == 200
    points = chart_points(page.text)
    assert set(points) == set(CHARTS)
    assert all(n > 0 for n in points.values()), points
    assert '<label for="dagen">' in page.text
    assert "doel 80%" in page.text and 'data-goal="0.8"' in page.text
    # First-line rate in the log: 56 of 71 answered.
    assert "79%" in page.text
    assert "OCMW-SOC" in page.text and "vraagt beperkte gegevens" in page.text
    assert "manueel doorverwezen door de balie" in page.text  # the record no logged question points to
    assert "Dossiertype ontbreekt" in page.text  # top quarantine reason
    # beheerder sees every graph, so the social question's text is shown to it
    assert SECRET_NAME in page.text
    # Social files (dbo:Case in the sociaal graph) are not counted as service dossiers.
    assert "onbekend type" not in page.text
    for days in ("7", "30", "365", "bogus"):
        assert client.get("/dashboard", params={"dagen": days}).status_code == 200


def test_dashboard_for_a_narrower_management_role_hides_what_it_may_not_see(tmp_path):
    site = make_site(tmp_path, web_section='\n[web.capabilities]\nmanagement = ["beheerder", "balie"]\n')
    try:
        client = signed_in(site, "balie", "/dashboard")
        page = client.get("/dashboard")
        assert page.status_code == 200
        # The social worker's question names a client: hidden from a role without the sociaal graph.
        assert SECRET_NAME not in page.text and "vraag van een rol met meer toegang" in page.text
        assert SECRET_FILE not in page.text
        # No provenance/quarantine graphs for balie: the quality charts stay empty, with a notice.
        points = chart_points(page.text)
        assert points["conformiteit"] == 0 and points["quarantaine"] == 0
        assert "ziet de provenance- en quarantainegegevens niet" in page.text
        assert "Dossiertype ontbreekt" not in page.text
        assert points["dossiers-geopend"] > 0  # balie does see dossiers
    finally:
        remove_site(site)


def test_web_settings_are_validated(tmp_path):
    from graph_server.config import ConfigError, load_config
    from graph_server.web.settings import load_web_settings

    base = base_config_text()

    def settings(section: str, env: dict | None = None):
        (tmp_path / "schakel.toml").write_text(base + section, encoding="utf-8")
        return load_web_settings(load_config(tmp_path / "schakel.toml"), env or {})

    defaults = settings("")
    assert defaults.allows("beheerder", "management") and not defaults.allows("balie", "management")
    assert defaults.allows("balie", "balie") and not defaults.allows("integrator", "balie")
    assert defaults.first_line_goal == 0.8 and defaults.session_seconds == 36000
    # The signing secret: generated once into a private file, then reused; the environment wins.
    secret_file = tmp_path / "var" / "web-session.key"
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert settings("").secret == defaults.secret
    assert settings("", {"SCHAKEL_WEB_SECRET": "x" * 40}).secret == b"x" * 40
    with pytest.raises(ConfigError, match="at least 16"):
        settings("", {"SCHAKEL_WEB_SECRET": "short"})
    with pytest.raises(ConfigError, match="unknown role"):
        settings('\n[web.capabilities]\nmanagement = ["directie"]\n')
    with pytest.raises(ConfigError, match="anonymous"):
        settings('\n[web.capabilities]\nmanagement = ["publiek"]\n')
    with pytest.raises(ConfigError, match="first_line_goal"):
        settings("\n[web]\nfirst_line_goal = 80\n")
