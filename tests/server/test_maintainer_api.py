"""POST /validate and GET /quality over a real server on loopback: maintainers only."""

VALID = b"""@prefix adres: <https://data.vlaanderen.be/ns/adres#> .
<https://data.tienen.be/id/postinfo/3300> a adres:Postinfo ; adres:postcode "3300" .
"""
INVALID = b"""@prefix adres: <https://data.vlaanderen.be/ns/adres#> .
<https://data.tienen.be/id/postinfo/3000> a adres:Postinfo ; adres:postcode "3000" .
"""


def test_validate_reports_a_violation_for_maintainers(server):
    with server.client("beheerder") as client:
        ok = client.post("/validate", content=VALID, headers={"Content-Type": "text/turtle"})
        bad = client.post("/validate", content=INVALID, headers={"Content-Type": "text/turtle"})
        broken = client.post("/validate", content=b"<a> <b> .", headers={"Content-Type": "text/turtle"})
    assert ok.status_code == 200 and ok.json()["conforms"] is True
    assert bad.status_code == 200 and bad.json()["conforms"] is False
    assert "3000" in bad.text
    assert broken.status_code == 400 and "line" in broken.json()


def test_validate_and_quality_are_refused_to_other_roles(server):
    for role in (None, "balie", "sociaal"):
        with server.client(role) as client:
            assert client.post("/validate", content=VALID, headers={"Content-Type": "text/turtle"}).status_code == 403
            assert client.get("/quality").status_code == 403


def test_quality_answers_per_source_for_maintainers(server):
    with server.client("beheerder") as client:
        response = client.get("/quality")
    assert response.status_code == 200
    assert isinstance(response.json()["sources"], list)
