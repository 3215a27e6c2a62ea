"""A small hand-written dataset in every graph the web pages read (catalogue, dossiers,
meldingen, persons, a restricted social file, provenance and quarantine), the project's own
schakel.toml, API keys per role, and an in-process client. Fast: no generator, no ingest."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyoxigraph as ox
from starlette.testclient import TestClient

from graph_server.app import create_app
from graph_server.auth import ApiKeyStore, api_keys_path
from graph_server.config import Config, load_config
from graph_server.store import GraphStore

ROOT = Path(__file__).resolve().parents[2]
B = "https://data.tienen.be/"
SECRET_NAME = "Zora Geheimnaam"          # a social-service client: only in the sociaal graph
SECRET_FILE = "SOC-2026-4711"           # a social file number
PERSON_NAME = "Gust Diallo"             # a dossier applicant: personen graph (staff only)
DOSSIER = "OV-2026-000001"
PRODUCT_TITLE = "Reispas volwassenen"


def _dossiers() -> str:
    lines = []
    kinds = ["reispas", "eid", "omgevingsvergunning"]
    for i in range(1, 19):
        kind = kinds[i % 3]
        number = DOSSIER if i == 1 else f"D-2026-{i:06d}"
        month = (i % 9) + 1
        opened = f"2026-{month:02d}-{(i % 27) + 1:02d}"
        closed = f"2026-{min(month + 1, 11):02d}-{(i % 20) + 5:02d}" if i % 4 else None
        status = "afgesloten" if closed else "in_behandeling"
        lines.append(f"""<{B}id/dossier/{number}> a dbo:Case ; dct:identifier "{number}" ;
            dct:description "Testdossier {i}"@nl ;
            sk:dossiertype <https://w3id.org/schakel/id/concept/dossiertype/{kind}> ;
            adms:status <https://w3id.org/schakel/id/concept/dossierstatus/{status}> ;
            dossier:openingsdatum "{opened}"^^xsd:date ;
            {f'dossier:sluitingsdatum "{closed}"^^xsd:date ;' if closed else ''}
            sk:behandelendeDienst <{B}id/dienst/BURG> ;
            sk:aanvrager <{B}id/persoon/p1> .""")
    lines.append(f"""<{B}id/dossier/{DOSSIER}> dossier:doorloopt <{B}id/dossier/{DOSSIER}/stap/1> .
        <{B}id/dossier/{DOSSIER}/stap/1> a dossier:Procedurestap ;
            adms:status <https://w3id.org/schakel/id/concept/dossierstatus/ontvangen> ;
            prov:startedAtTime "2026-01-08T15:35:00+01:00"^^xsd:dateTime .""")
    return "\n".join(lines)


def _meldingen() -> str:
    lines = []
    for i, (area, status) in enumerate([("tienen", "nieuw"), ("tienen", "in_behandeling"), ("kumtich", "nieuw"),
                                        ("bost", "opgelost"), ("oorbeek", "afgewezen")]):
        lines.append(f"""<{B}id/melding/M{i}> a sk:Melding ; dct:identifier "M{i}" ;
            adms:status <https://w3id.org/schakel/id/concept/meldingstatus/{status}> ;
            sk:deelgemeente <{B}id/deelgemeente/{area}> ;
            dct:created "2026-10-0{i + 1}T10:00:00+02:00"^^xsd:dateTime .""")
    return "\n".join(lines)


def dataset(now: datetime) -> str:
    ended = (now - timedelta(hours=2)).isoformat()
    stale = (now - timedelta(days=3)).isoformat()
    return f"""
@prefix adms: <http://www.w3.org/ns/adms#> .
@prefix cpsv: <http://purl.org/vocab/cpsv#> .
@prefix dbo: <http://dbpedia.org/ontology/> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix dossier: <https://data.vlaanderen.be/ns/dossier#> .
@prefix m8g: <http://data.europa.eu/m8g/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sk: <https://w3id.org/schakel/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix schakel: <https://data.tienen.be/ns/schakel#> .

<{B}graph/ontologie> {{
  <https://w3id.org/schakel/id/concept/dossiertype/reispas> skos:prefLabel "reispas"@nl .
  <https://w3id.org/schakel/id/concept/dossiertype/eid> skos:prefLabel "elektronische identiteitskaart (eID)"@nl .
  <https://w3id.org/schakel/id/concept/dossiertype/omgevingsvergunning> skos:prefLabel "omgevingsvergunning"@nl .
  <https://w3id.org/schakel/id/concept/dossierstatus/afgesloten> skos:prefLabel "afgesloten"@nl .
  <https://w3id.org/schakel/id/concept/dossierstatus/in_behandeling> skos:prefLabel "in behandeling"@nl .
  <https://w3id.org/schakel/id/concept/dossierstatus/ontvangen> skos:prefLabel "ontvangen"@nl .
}}
<{B}graph/adressen> {{
  <{B}id/deelgemeente/tienen> rdfs:label "Tienen"@nl .
  <{B}id/deelgemeente/kumtich> rdfs:label "Kumtich"@nl .
  <{B}id/deelgemeente/bost> rdfs:label "Bost"@nl .
  <{B}id/deelgemeente/oorbeek> rdfs:label "Oorbeek"@nl .
}}
<{B}graph/organisatie> {{
  <{B}id/dienst/BURG> skos:prefLabel "Burgerzaken"@nl ; skos:notation "BURG" .
  <{B}id/dienst/OCMW-SOC> skos:prefLabel "Sociale dienst"@nl ; skos:notation "OCMW-SOC" .
}}
<{B}graph/catalogus> {{
  <{B}id/product/P0005> a cpsv:PublicService ; dct:identifier "P0005" ; dct:title "{PRODUCT_TITLE}"@nl ;
     dct:description "Aanvraag van een Belgisch paspoort voor volwassenen."@nl ;
     dcat:keyword "paspoort"@nl ; m8g:processingTime "P10D" ;
     m8g:serviceProvider <{B}id/dienst/BURG> ; m8g:hasCost <{B}id/product/P0005/kost/1> .
  <{B}id/product/P0005/kost/1> a m8g:Cost ; m8g:value "90"^^xsd:double ; dct:description "normale procedure" ;
     m8g:currency <http://publications.europa.eu/resource/authority/currency/EUR> .
  <{B}id/product/P0006> a cpsv:PublicService ; dct:identifier "P0006" ; dct:title "Reispas minderjarigen"@nl .
  <{B}id/product/P0001> a cpsv:PublicService ; dct:identifier "P0001" ; dct:title "Elektronische identiteitskaart (eID)"@nl ;
     dcat:keyword "ID-kaart"@nl .
}}
<{B}graph/dossiers> {{ {_dossiers()} }}
<{B}graph/meldingen> {{ {_meldingen()} }}
<{B}graph/personen> {{ <{B}id/persoon/p1> rdfs:label "{PERSON_NAME}" . }}
<{B}graph/sociaal> {{
  <{B}id/sociaaldossier/{SECRET_FILE}> a dbo:Case, sk:SociaalDossier ; dct:identifier "{SECRET_FILE}" ;
     dossier:openingsdatum "2026-03-01"^^xsd:date ; sk:client <{B}id/persoon/s1> .
  <{B}id/persoon/s1> rdfs:label "{SECRET_NAME}" .
}}
<{B}graph/provenance> {{
  <{B}id/run/crm> a prov:Activity ; schakel:source "crm" ; prov:endedAtTime "{ended}"^^xsd:dateTime ;
     schakel:recordsRead 100 ; schakel:recordsLoaded 96 ; schakel:recordsQuarantined 4 ; schakel:warnings 0 .
  <{B}id/run/meldingen> a prov:Activity ; schakel:source "meldingen" ; prov:endedAtTime "{stale}"^^xsd:dateTime ;
     schakel:recordsRead 50 ; schakel:recordsLoaded 50 ; schakel:recordsQuarantined 0 ; schakel:warnings 0 .
}}
<{B}graph/quarantaine> {{
  <{B}id/q/1> a schakel:QuarantinedRecord ; schakel:source "crm" ; schakel:record "D-X-1" ;
     schakel:reason "Dossiertype ontbreekt" ; schakel:shape <https://w3id.org/schakel/shapes#ZaakShape> .
}}
"""


def question_log_lines(now: datetime) -> list[dict]:
    """What nl2sparql.questionlog.QuestionLog writes, over two weeks."""
    entries = []
    for day in range(14):
        t = now - timedelta(days=day, hours=1)
        for k in range(5):
            status = "answered" if k < 4 else "escalated"
            entry = {"time": (t - timedelta(minutes=k)).isoformat(timespec="milliseconds"),
                     "principal": "key:anna", "role": "balie",
                     "question": "Hoeveel kost een reispas?" if status == "answered" else "Welke leefloondossiers lopen er?",
                     "status": status, "latency_ms": 100.0 + 10 * k + day, "matched_example": "kost-1",
                     "translator": "catalogue", "confidence": 0.9, "rows": 1, "attempts": 1}
            if status == "escalated":
                entry.update(escalation_id=f"ESC-{day}", reason="beperkte_gegevens")
            entries.append(entry)
    entries.append({"time": now.isoformat(), "principal": "key:soc", "role": "sociaal",
                    "question": f"Wat is de stand van het dossier van {SECRET_NAME}?", "status": "not_understood",
                    "latency_ms": 300.0, "matched_example": None, "translator": None, "confidence": 0.1,
                    "rows": 0, "attempts": 1})
    return entries


def escalation_lines(now: datetime) -> list[dict]:
    """What nl2sparql.escalate.Escalator writes: one per escalated question in the log, and one
    made by hand at the counter (no logged question points to it)."""
    manual = {"event": "created", "id": "ESC-HAND", "created": now.isoformat(timespec="seconds"),
              "principal": "key:anna", "role": "balie", "question": "Hoeveel kost een reispas?",
              "unit": "OCMW-SOC", "reason": "buiten_bevoegdheid"}
    delivered = {"event": "delivered", "id": "ESC-HAND", "attempts": 1, "status": 200}
    return [manual, delivered] + [{"event": "created", "id": f"ESC-{d}", "created": (now - timedelta(days=d)).isoformat(timespec="seconds"),
             "principal": "key:anna", "role": "balie", "question": "Welke leefloondossiers lopen er?",
             "unit": "OCMW-SOC", "reason": "beperkte_gegevens"} for d in range(14)]


@dataclass
class Site:
    root: Path
    config: Config
    store: GraphStore
    keys: dict[str, str]
    app: object

    def client(self, *, https: bool = False) -> TestClient:
        return TestClient(self.app, base_url="https://testserver" if https else "http://testserver")

    def sign_in(self, client: TestClient, role: str, target: str = "/balie"):
        return client.post("/aanmelden", data={"sleutel": self.keys[role], "volgende": target}, follow_redirects=False)


def base_config_text() -> str:
    """The project's schakel.toml without its [web] tables, so a test can add its own."""
    kept, skipping = [], False
    for line in (ROOT / "schakel.toml").read_text(encoding="utf-8").splitlines(keepends=True):
        header = line.strip()
        if header.startswith("["):
            name = header.strip("[]").strip()
            skipping = name == "web" or name.startswith("web.")
        if not skipping:
            kept.append(line)
    return "".join(kept)


def make_site(root: Path, *, web_section: str = "", with_logs: bool = True) -> Site:
    root.mkdir(parents=True, exist_ok=True)
    text = base_config_text()
    # The question log and escalation records stay at their defaults (var/questions.jsonl,
    # var/escalations.jsonl), relative to this copy.
    (root / "schakel.toml").write_text(text + web_section, encoding="utf-8")
    config = load_config(root / "schakel.toml")
    now = datetime.now(timezone.utc)
    store = GraphStore(config.store_path)
    store.oxigraph.load(dataset(now).encode(), format=ox.RdfFormat.TRIG)
    store.flush()
    if with_logs:
        (root / "var").mkdir(exist_ok=True)
        (root / "var" / "questions.jsonl").write_text(
            "".join(json.dumps(e) + "\n" for e in question_log_lines(now)), encoding="utf-8")
        (root / "var" / "escalations.jsonl").write_text(
            "".join(json.dumps(e) + "\n" for e in escalation_lines(now)), encoding="utf-8")
    keys_store = ApiKeyStore(api_keys_path(config))
    keys = {role: keys_store.create(role, f"web-{role}")[0]
            for role in ("balie", "sociaal", "beheerder", "integrator", "publiek")}
    app = create_app(config, store)
    return Site(root, config, store, keys, app)


def remove_site(site: Site) -> None:
    site.store.close()
    shutil.rmtree(site.root, ignore_errors=True)
