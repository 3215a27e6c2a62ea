"""Tests of the synthetic source-export generator (`schakel generate`, package source_generator).

They check the generated files against docs/sources.md (layout, fields, codelists), the
determinism promise, scaling, identifier validity, geography, the dirt report (every reported
record exists and really is dirty, and every dirty record is reported) and the CRM status
histories. Small scales keep the whole file well under 30 seconds.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from source_generator.generate import generate

SEED = 24107
SMALL = 0.02
MEDIUM = 0.05

BBOX_L72 = (184580, 160060, 196660, 173500)
BBOX_WGS84 = (4.86, 50.75, 5.03, 50.87)
EXPORT_DAY = date(2026, 11, 28)

DOSSIER_TYPES = {"omgevingsvergunning", "eid", "rijbewijs", "reispas", "huwelijk", "adreswijziging", "premie",
                 "evenement", "uittreksel"}
DOSSIER_STATUSES = {"ontvangen", "in_behandeling", "wacht_op_aanvrager", "beslist", "afgesloten", "geweigerd"}
MELDING_TYPES = {"sluikstort", "zwerfvuil", "straatverlichting", "wegdek", "voetpad", "groen", "riolering",
                 "verkeersbord", "graffiti", "geluidsoverlast"}
MELDING_STATUSES = {"nieuw", "in_behandeling", "opgelost", "afgewezen"}
STEUNVORMEN = {"leefloon", "huurtoelage", "schuldbemiddeling", "energiefonds", "thuiszorg"}
GROOTHEDEN = {"PM10", "PM2.5", "NO2", "LAeq", "voertuigen"}
THEMAS = {"BurgerOverheid", "BouwenWonen", "CultuurSportVrijeTijd", "EconomieWerk", "MilieuEnergie",
          "MobiliteitOpenbareWerken", "OnderwijsWetenschap", "WelzijnGezondheid"}
PRODUCT_TYPES = {"Toelating", "Bewijs", "FinancieelVoordeel", "Voorwerp", "AdviesBegeleiding",
                 "InfrastructuurMateriaal", "FinancieleVerplichting"}
DAYS = {"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"}


# --- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen_small")
    generate(out, scale=SMALL, seed=SEED)
    return out


@pytest.fixture(scope="module")
def medium(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gen_medium")
    generate(out, scale=MEDIUM, seed=SEED)
    return out


class Export:
    """The generated files, loaded once."""

    def __init__(self, root: Path):
        self.root = root
        self.adressen = _features(root / "gis" / "adressen.geojson")
        self.gebouwen = _features(root / "gis" / "gebouwen.geojson")
        self.percelen = _features(root / "gis" / "percelen.geojson")
        con = sqlite3.connect(root / "crm" / "crm.sqlite")
        con.row_factory = sqlite3.Row
        self.contacts = [dict(r) for r in con.execute("SELECT * FROM contact ORDER BY id")]
        self.dossiers = [dict(r) for r in con.execute("SELECT * FROM dossier ORDER BY id")]
        self.history = [dict(r) for r in con.execute("SELECT * FROM statushistoriek ORDER BY id")]
        self.crm_columns = {t: [r[1] for r in con.execute(f"PRAGMA table_info({t})")]
                            for t in ("contact", "dossier", "statushistoriek")}
        con.close()
        self.meldingen_doc = json.loads((root / "meldingen" / "meldingen.json").read_text(encoding="utf-8"))
        self.meldingen = self.meldingen_doc["meldingen"]
        self.producten = json.loads((root / "productcatalogus" / "producten.json").read_text(encoding="utf-8"))
        self.organisatie = json.loads((root / "organisatie" / "organisatie.json").read_text(encoding="utf-8"))
        self.sensoren_header, self.sensoren = _csv(root / "sensoren" / "sensoren.csv")
        self.metingen_header, self.metingen = _csv(root / "sensoren" / "metingen.csv")
        self.sociaal_header, self.sociaal = _csv(root / "sociaal" / "dossiers.csv")
        self.dirt = json.loads((root / "dirt_report.json").read_text(encoding="utf-8"))
        _, self.truth_adressen = _csv(root / "truth" / "adressen.csv")
        _, self.truth_personen = _csv(root / "truth" / "personen.csv")
        self.address_by_id = {f["properties"]["adres_id"]: f for f in self.adressen["features"]}

    def canonical_text(self, adres_id: int) -> str:
        p = self.address_by_id[adres_id]["properties"]
        bus = f" bus {p['busnummer']}" if p["busnummer"] else ""
        return f"{p['straatnaam']} {p['huisnummer']}{bus}, {p['postcode']} Tienen"

    def reported(self, source: str, kind: str) -> list:
        return self.dirt["sources"].get(source, {}).get(kind, [])

    def reported_ids(self, source: str, kind: str) -> set[str]:
        return {e["record"] if isinstance(e, dict) else e for e in self.reported(source, kind)}


def _features(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _csv(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def ex(small) -> Export:
    return Export(small)


@pytest.fixture(scope="module")
def exm(medium) -> Export:
    return Export(medium)


def _digest_tree(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# independent implementation of the national register number check (not the generator's)
def _rrn_ok(rrn: str, birth: date | None = None) -> bool:
    digits = rrn.replace(".", "").replace("-", "")
    if len(digits) != 11 or not digits.isdigit():
        return False
    body, check = digits[:9], int(digits[9:])
    if birth is not None:
        if digits[:6] != birth.strftime("%y%m%d"):
            return False
        prefix = "2" if birth.year >= 2000 else ""
        return 97 - int(prefix + body) % 97 == check
    return check in (97 - int(body) % 97, 97 - int("2" + body) % 97)


def _is_iso_date(s: str | None) -> bool:
    try:
        return s is not None and len(s) == 10 and date.fromisoformat(s).isoformat() == s
    except ValueError:
        return False


def _is_iso_datetime_with_offset(s: str | None) -> bool:
    if s is None or len(s) != 25 or s[10] != "T":
        return False
    try:
        return datetime.fromisoformat(s).utcoffset() is not None
    except ValueError:
        return False


# --- determinism ------------------------------------------------------------------------------

def test_same_seed_gives_identical_bytes_even_in_another_process(small, tmp_path):
    """Byte-identical per seed, also with a different PYTHONHASHSEED (no set/dict-order leaks)."""
    other = tmp_path / "again"
    code = ("import sys; from pathlib import Path; from source_generator.generate import generate; "
            f"generate(Path(sys.argv[1]), scale={SMALL}, seed={SEED})")
    env = dict(os.environ, PYTHONHASHSEED="12345")
    subprocess.run([sys.executable, "-c", code, str(other)], check=True, env=env, timeout=120)
    first, second = _digest_tree(small), _digest_tree(other)
    assert len(first) == 13
    assert first == second


def test_different_seed_gives_different_data(small, tmp_path):
    other = tmp_path / "seed2"
    generate(other, scale=SMALL, seed=SEED + 1)
    a, b = _digest_tree(small), _digest_tree(other)
    assert a.keys() == b.keys()
    for name in ("gis/adressen.geojson", "crm/crm.sqlite", "meldingen/meldingen.json", "sensoren/metingen.csv",
                 "sociaal/dossiers.csv", "dirt_report.json"):
        assert a[name] != b[name], name


# --- layout and fields of docs/sources.md -----------------------------------------------------

def test_every_documented_file_exists(small):
    for rel in ("gis/adressen.geojson", "gis/gebouwen.geojson", "gis/percelen.geojson", "crm/crm.sqlite",
                "meldingen/meldingen.json", "productcatalogus/producten.json", "organisatie/organisatie.json",
                "sensoren/sensoren.csv", "sensoren/metingen.csv", "sociaal/dossiers.csv", "dirt_report.json",
                "truth/adressen.csv", "truth/personen.csv"):
        assert (small / rel).is_file(), rel
        assert (small / rel).stat().st_size > 0, rel


def test_gis_geojson_fields(ex):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::31370"}}
    for fc in (ex.adressen, ex.gebouwen, ex.percelen):
        assert fc["type"] == "FeatureCollection"
        assert fc["crs"] == crs
    for f in ex.adressen["features"]:
        p = f["properties"]
        assert f["geometry"]["type"] == "Point"
        assert set(p) == {"adres_id", "straatnaam_id", "straatnaam", "huisnummer", "busnummer", "postcode",
                          "deelgemeente", "status"}
        assert isinstance(p["adres_id"], int) and isinstance(p["straatnaam_id"], int)
        assert isinstance(p["huisnummer"], str) and p["huisnummer"][0].isdigit()
        assert p["busnummer"] is None or isinstance(p["busnummer"], str)
        assert p["postcode"] == "3300"
        assert p["status"] in {"inGebruik", "gehistoreerd", "voorgesteld"}
    assert len({f["properties"]["adres_id"] for f in ex.adressen["features"]}) == len(ex.adressen["features"])
    texts = [ex.canonical_text(i) for i in ex.address_by_id]
    assert len(set(texts)) == len(texts), "two register addresses with the same text"
    deelgemeenten = {f["properties"]["deelgemeente"] for f in ex.adressen["features"]}
    assert deelgemeenten == {"Tienen", "Bost", "Goetsenhoven", "Hakendover", "Kumtich", "Oorbeek", "Oplinter",
                             "Sint-Margriete-Houtem", "Vissenaken"}
    for f in ex.gebouwen["features"]:
        assert f["geometry"]["type"] == "Polygon"
        assert set(f["properties"]) == {"gebouw_id", "status", "adres_ids"}
        assert f["properties"]["status"] in {"gerealiseerd", "gepland", "inAanbouw", "gehistoreerd"}
        assert all(a in ex.address_by_id for a in f["properties"]["adres_ids"])
        ring = f["geometry"]["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) >= 4
    capakey = re.compile(r"^\d{5}[A-Z]\d{4}/\d{2}[A-Z_]\d{3}$")
    keys = [f["properties"]["capakey"] for f in ex.percelen["features"]]
    assert all(capakey.match(k) for k in keys), [k for k in keys if not capakey.match(k)][:5]
    assert len(set(keys)) == len(keys)
    assert any(k.startswith("24593") for k in keys)
    for f in ex.percelen["features"]:
        assert set(f["properties"]) == {"capakey", "adres_ids"}
        assert all(a in ex.address_by_id for a in f["properties"]["adres_ids"])


def test_historic_city_hall_is_in_the_register_and_the_organisation(ex):
    hits = [f for f in ex.adressen["features"] if f["properties"]["straatnaam"] == "Grote Markt"
            and f["properties"]["huisnummer"] == "23" and f["properties"]["busnummer"] is None]
    assert len(hits) == 1 and hits[0]["properties"]["status"] == "inGebruik"
    stadhuis = [loc for loc in ex.organisatie["locaties"] if loc["adres_id"] == hits[0]["properties"]["adres_id"]]
    assert stadhuis and stadhuis[0]["adres_tekst"] == "Grote Markt 23, 3300 Tienen"


def test_crm_tables_and_codelists(ex):
    assert ex.crm_columns == {
        "contact": ["id", "rijksregisternummer", "voornaam", "achternaam", "geboortedatum", "email", "telefoon", "adres_tekst"],
        "dossier": ["id", "dossiernummer", "type", "status", "geopend", "afgesloten", "behandelende_dienst",
                    "aanvrager_id", "adres_tekst", "omschrijving"],
        "statushistoriek": ["id", "dossier_id", "status", "tijdstip", "medewerker"],
    }
    units = {d["code"] for d in ex.organisatie["diensten"]}
    contact_ids = {c["id"] for c in ex.contacts}
    prefix = {"omgevingsvergunning": "OV-"}
    numbers = set()
    for d in ex.dossiers:
        assert d["behandelende_dienst"] in units
        assert d["aanvrager_id"] in contact_ids
        assert re.match(r"^[A-Z]{2,3}-20\d\d-\d{6}$", d["dossiernummer"])
        if d["type"] in prefix:
            assert d["dossiernummer"].startswith(prefix[d["type"]])
        numbers.add(d["dossiernummer"])
    assert len(numbers) == len(ex.dossiers)
    assert {d["type"] for d in ex.dossiers} - {None} <= DOSSIER_TYPES
    assert len({d["type"] for d in ex.dossiers} & DOSSIER_TYPES) >= 6


def test_meldingen_products_organisation_sensors_social_fields(ex):
    assert _is_iso_datetime_with_offset(ex.meldingen_doc["exported_at"])
    ids = [m["id"] for m in ex.meldingen]
    assert len(set(ids)) == len(ids)
    for m in ex.meldingen:
        assert set(m) == {"id", "type", "beschrijving", "adres", "locatie", "status", "aangemaakt", "gewijzigd", "melder"}
        assert re.match(r"^M-20\d\d-\d{5}$", m["id"])
        assert m["status"] in MELDING_STATUSES
        assert m["adres"] is not None or m["locatie"] is not None
        assert m["locatie"] is None or set(m["locatie"]) == {"lat", "lon"}
        assert set(m["melder"]) == {"rijksregisternummer", "naam", "email"}
        assert _is_iso_datetime_with_offset(m["gewijzigd"])

    products = ex.producten["producten"]
    assert 140 <= len(products) <= 160
    units = {d["code"] for d in ex.organisatie["diensten"]}
    for p in products:
        assert set(p) == {"id", "naam", "beschrijving", "thema", "type", "doelgroepen", "voorwaarden", "procedure",
                          "kosten", "bewijsstukken", "bevoegde_dienst", "kanalen", "trefwoorden", "doorlooptijd_dagen"}
        assert p["thema"] in THEMAS and p["type"] in PRODUCT_TYPES
        assert p["bevoegde_dienst"] in units
        assert p["kosten"] and all(set(k) == {"bedrag", "valuta", "omschrijving"} and k["valuta"] == "EUR"
                                   and isinstance(k["bedrag"], float) for k in p["kosten"])
        assert all(set(b) == {"naam", "beschrijving"} for b in p["bewijsstukken"])
        assert all(set(k) == {"type", "omschrijving", "url"} and k["type"] in {"balie", "online", "telefoon", "email"}
                   for k in p["kanalen"])
        assert p["doorlooptijd_dagen"] is None or isinstance(p["doorlooptijd_dagen"], int)
    names = {p["naam"] for p in products}
    for must in ("Elektronische identiteitskaart (eID)", "Kids-ID", "Reispas volwassenen", "Rijbewijs",
                 "Uittreksel uit het strafregister", "Attest van woonst", "Samenstelling van gezin", "Huwelijk",
                 "Evenementenvergunning", "Restafvalzakken", "Bewonerskaart parkeren"):
        assert must in names, must

    org = ex.organisatie
    assert set(org) == {"diensten", "locaties", "loketten"}
    codes = {d["code"] for d in org["diensten"]}
    assert {"BURG", "OMG", "WEG", "MIL", "FIN", "OCMW-SOC", "ONTH", "CULT"} <= codes
    for d in org["diensten"]:
        assert set(d) == {"code", "naam", "omschrijving", "email", "telefoon", "bovenliggend"}
        assert d["bovenliggend"] is None or d["bovenliggend"] in codes
    loc_ids = {loc["id"] for loc in org["locaties"]}
    for loc in org["locaties"]:
        assert set(loc) == {"id", "naam", "adres_id", "adres_tekst"}
        if loc["adres_id"] is not None:
            assert ex.canonical_text(loc["adres_id"]) == loc["adres_tekst"]
    for lok in org["loketten"]:
        assert set(lok) == {"id", "naam", "dienst", "locatie", "openingsuren"}
        assert lok["dienst"] in codes and lok["locatie"] in loc_ids
        for slot in lok["openingsuren"]:
            assert set(slot) == {"dag", "van", "tot", "op_afspraak"} and slot["dag"] in DAYS
            assert slot["van"] < slot["tot"] and isinstance(slot["op_afspraak"], bool)

    assert ex.sensoren_header == ["sensor_id", "type", "naam", "x_lambert72", "y_lambert72", "grootheid", "eenheid", "geplaatst"]
    assert ex.metingen_header == ["sensor_id", "grootheid", "tijdstip", "waarde"]
    assert {r["type"] for r in ex.sensoren} == {"luchtkwaliteit", "geluid", "verkeer"}
    assert {r["grootheid"] for r in ex.sensoren} == GROOTHEDEN
    series = {(r["sensor_id"], r["grootheid"]) for r in ex.sensoren}
    assert 14 <= len(series) <= 16
    assert ex.sociaal_header == ["dossier_id", "rijksregisternummer", "voornaam", "achternaam", "adres_tekst",
                                 "steunvorm", "status", "geopend", "afgesloten", "maatschappelijk_werker"]
    assert {r["status"] for r in ex.sociaal} <= {"lopend", "afgesloten"}


def test_sensor_time_series_cover_the_documented_hours(ex):
    hours = round(8760 * SMALL)
    series = {(r["sensor_id"], r["grootheid"]) for r in ex.sensoren}
    assert len(ex.metingen) == hours * len(series)
    clean = [m for m in ex.metingen if m["grootheid"] in GROOTHEDEN and _is_iso_datetime_with_offset(m["tijdstip"])]
    first = min(datetime.fromisoformat(m["tijdstip"]) for m in clean)
    assert first.isoformat() == "2025-12-01T00:00:00+01:00"
    for m in clean:
        float(m["waarde"])  # '.' decimal separator
        assert "," not in m["waarde"]


def test_traffic_has_a_daily_cycle(exm):
    by_hour: dict[int, list[int]] = {}
    for m in exm.metingen:
        if m["grootheid"] == "voertuigen" and _is_iso_datetime_with_offset(m["tijdstip"]):
            t = datetime.fromisoformat(m["tijdstip"])
            if t.weekday() < 5:
                by_hour.setdefault(t.hour, []).append(int(m["waarde"]))
    mean = {h: sum(v) / len(v) for h, v in by_hour.items()}
    assert mean[8] > 4 * mean[3] and mean[17] > 4 * mean[3]


# --- scale ------------------------------------------------------------------------------------

def test_counts_scale_linearly(ex, exm):
    ratio = MEDIUM / SMALL
    assert len(exm.dossiers) == round(25_000 * MEDIUM) and len(ex.dossiers) == round(25_000 * SMALL)
    assert len(exm.meldingen) == round(8_000 * MEDIUM) and len(ex.meldingen) == round(8_000 * SMALL)
    assert len(exm.sociaal) == round(1_500 * MEDIUM)
    assert len(exm.gebouwen["features"]) == round(12_000 * MEDIUM)
    assert len(exm.percelen["features"]) == round(14_000 * MEDIUM)
    assert abs(len(exm.adressen["features"]) - 17_000 * MEDIUM) < 0.05 * 17_000 * MEDIUM
    assert abs(len(exm.adressen["features"]) / len(ex.adressen["features"]) - ratio) < 0.15 * ratio
    assert abs(len(exm.metingen) / len(ex.metingen) - ratio) < 0.01 * ratio
    assert len(exm.producten["producten"]) == len(ex.producten["producten"])  # one catalogue per city


def test_tiny_scale_still_has_a_handful_of_everything(tmp_path):
    s = generate(tmp_path / "tiny", scale=0.0005, seed=7)
    for source, entities in s.records.items():
        for entity, n in entities.items():
            assert n >= 5, (source, entity, n)
    metingen = (tmp_path / "tiny" / "sensoren" / "metingen.csv").read_text(encoding="utf-8").splitlines()
    assert len(metingen) - 1 == 48 * 16


# --- identifiers and identity -----------------------------------------------------------------

def test_rijksregisternummers_are_valid(ex):
    for c in ex.contacts:
        assert _rrn_ok(c["rijksregisternummer"], date.fromisoformat(c["geboortedatum"])), c
    rrns = [m["melder"]["rijksregisternummer"] for m in ex.meldingen if m["melder"]["rijksregisternummer"]]
    rrns += [r["rijksregisternummer"] for r in ex.sociaal]
    assert rrns and all(_rrn_ok(r) for r in rrns)
    # the 2000+ rule is exercised: some persons were born in this century
    assert any(c["geboortedatum"] >= "2000" for c in ex.contacts) or any(r[:1] in "012" for r in rrns)


def test_same_person_appears_across_sources(exm):
    def norm(r):
        return r.replace(".", "").replace("-", "")
    forms: dict[str, set[str]] = {}
    for c in exm.contacts:
        forms.setdefault(norm(c["rijksregisternummer"]), set()).add(c["rijksregisternummer"])
    twice = [k for k, v in forms.items() if len(v) == 2]
    assert twice, "no person with two differently formatted contact rows"
    crm = set(forms)
    melders = {norm(m["melder"]["rijksregisternummer"]) for m in exm.meldingen if m["melder"]["rijksregisternummer"]}
    clients = {r["rijksregisternummer"] for r in exm.sociaal}
    assert melders & crm and clients & crm and melders & clients
    # the reported duplicate rows are exactly the second rows of those persons
    dup_rows = exm.reported_ids("crm", "duplicate_person")
    by_id = {str(c["id"]): c for c in exm.contacts}
    assert {norm(by_id[i]["rijksregisternummer"]) for i in dup_rows} == {k for k, v in forms.items() if len(v) == 2}


# --- geography --------------------------------------------------------------------------------

def _in_l72(x, y):
    return BBOX_L72[0] <= x <= BBOX_L72[2] and BBOX_L72[1] <= y <= BBOX_L72[3]


def _in_wgs(lon, lat):
    return BBOX_WGS84[0] <= lon <= BBOX_WGS84[2] and BBOX_WGS84[1] <= lat <= BBOX_WGS84[3]


def test_coordinates_inside_the_city_except_reported(exm):
    for f in exm.adressen["features"]:
        assert _in_l72(*f["geometry"]["coordinates"])
    for fc in (exm.gebouwen, exm.percelen):
        for f in fc["features"]:
            assert all(_in_l72(x, y) for x, y in f["geometry"]["coordinates"][0])
    outside_sensors = exm.reported_ids("sensoren", "outside_city")
    assert outside_sensors
    for r in exm.sensoren:
        inside = _in_l72(float(r["x_lambert72"]), float(r["y_lambert72"]))
        assert inside == (r["sensor_id"] not in outside_sensors), r
    outside = exm.reported_ids("meldingen", "outside_city")
    assert outside
    for m in exm.meldingen:
        if m["locatie"] is not None:
            assert _in_wgs(m["locatie"]["lon"], m["locatie"]["lat"]) == (m["id"] not in outside), m


def test_melding_location_is_near_its_address(exm):
    from pyproj import Transformer
    to_l72 = Transformer.from_crs(4326, 31370, always_xy=True)
    truth = {r["record"]: r for r in exm.truth_adressen if r["source"] == "meldingen"}
    checked = 0
    for m in exm.meldingen:
        t = truth[m["id"]]
        if m["locatie"] and t["adres_id"] and m["id"] not in exm.reported_ids("meldingen", "outside_city"):
            x, y = to_l72.transform(m["locatie"]["lon"], m["locatie"]["lat"])
            ax, ay = exm.address_by_id[int(t["adres_id"])]["geometry"]["coordinates"]
            assert ((x - ax) ** 2 + (y - ay) ** 2) ** 0.5 < 25
            checked += 1
    assert checked > 50


# --- dirt -------------------------------------------------------------------------------------

def test_dirt_report_shape_and_rates(exm):
    d = exm.dirt
    assert d["seed"] == SEED and d["scale"] == MEDIUM
    assert set(d["rates"]) == {"duplicate_person", "address_variant", "unknown_address", "missing_mandatory",
                               "invalid_date", "outside_city", "unknown_code"}
    n_dossier, n_contact = len(exm.dossiers), len(exm.contacts)
    n_melding = len(exm.meldingen)
    dossier_ids = {x["dossiernummer"] for x in exm.dossiers}

    def share(source, kind, universe):
        return len(exm.reported_ids(source, kind) & universe) / len(universe)

    for kind in ("missing_mandatory", "invalid_date", "unknown_code"):
        assert abs(share("crm", kind, dossier_ids) - d["rates"][kind]) < 0.002, kind
        assert abs(len(exm.reported_ids("meldingen", kind)) / n_melding - d["rates"][kind]) < 0.004, kind
    for kind in ("address_variant", "unknown_address"):
        assert abs(share("crm", kind, dossier_ids) - d["rates"][kind]) < 0.003, kind
    persons = len({c["rijksregisternummer"].replace(".", "").replace("-", "") for c in exm.contacts})
    assert abs(len(exm.reported("crm", "duplicate_person")) / persons - d["rates"]["duplicate_person"]) < 0.01
    meas = len(exm.metingen)
    for kind in ("invalid_date", "unknown_code"):
        assert abs(len(exm.reported("sensoren", kind)) / meas - d["rates"][kind]) < 0.001
    assert d["records"]["crm"]["dossier"] == n_dossier and d["records"]["crm"]["contact"] == n_contact


def test_every_reported_record_exists(exm):
    dossiers = {d["dossiernummer"] for d in exm.dossiers}
    contacts = {str(c["id"]) for c in exm.contacts}
    meldingen = {m["id"] for m in exm.meldingen}
    social = {r["dossier_id"] for r in exm.sociaal}
    sensors = {r["sensor_id"] for r in exm.sensoren}
    measurements = {f"{m['sensor_id']}|{m['grootheid']}|{m['tijdstip']}" for m in exm.metingen}
    universe = {"crm": dossiers | contacts, "meldingen": meldingen, "sociaal": social,
                "sensoren": sensors | measurements}
    total = 0
    for source, kinds in exm.dirt["sources"].items():
        for kind, entries in kinds.items():
            for e in entries:
                rid = e["record"] if isinstance(e, dict) else e
                assert isinstance(rid, str)
                assert rid in universe[source], (source, kind, rid)
                total += 1
    assert total > 100


def test_dirty_records_are_dirty_and_clean_records_are_clean(exm):
    """Each kind is checked both ways: what is reported is wrong in the export, and what is wrong
    in the export is reported (so the ingest gold numbers can come from the report)."""
    crm_bad_type = {d["dossiernummer"] for d in exm.dossiers if d["type"] is None}
    assert crm_bad_type == exm.reported_ids("crm", "missing_mandatory")
    crm_bad_status = {d["dossiernummer"] for d in exm.dossiers if d["status"] not in DOSSIER_STATUSES}
    assert crm_bad_status == exm.reported_ids("crm", "unknown_code")
    crm_bad_date = {d["dossiernummer"] for d in exm.dossiers
                    if not _is_iso_date(d["geopend"]) or (d["afgesloten"] is not None and not _is_iso_date(d["afgesloten"]))}
    assert crm_bad_date == exm.reported_ids("crm", "invalid_date")

    m_missing = {m["id"] for m in exm.meldingen if m["type"] is None}
    assert m_missing == exm.reported_ids("meldingen", "missing_mandatory")
    m_unknown = {m["id"] for m in exm.meldingen if m["type"] is not None and m["type"] not in MELDING_TYPES}
    assert m_unknown == exm.reported_ids("meldingen", "unknown_code")
    m_bad_date = {m["id"] for m in exm.meldingen if not _is_iso_datetime_with_offset(m["aangemaakt"])}
    assert m_bad_date == exm.reported_ids("meldingen", "invalid_date")

    s_missing = {r["dossier_id"] for r in exm.sociaal if r["steunvorm"] == ""}
    assert s_missing == exm.reported_ids("sociaal", "missing_mandatory")
    s_unknown = {r["dossier_id"] for r in exm.sociaal if r["steunvorm"] and r["steunvorm"] not in STEUNVORMEN}
    assert s_unknown == exm.reported_ids("sociaal", "unknown_code")
    s_bad_date = {r["dossier_id"] for r in exm.sociaal if not _is_iso_date(r["geopend"])}
    assert s_bad_date == exm.reported_ids("sociaal", "invalid_date")

    bad_q = {f"{m['sensor_id']}|{m['grootheid']}|{m['tijdstip']}" for m in exm.metingen if m["grootheid"] not in GROOTHEDEN}
    assert bad_q == exm.reported_ids("sensoren", "unknown_code")
    bad_t = {f"{m['sensor_id']}|{m['grootheid']}|{m['tijdstip']}" for m in exm.metingen
             if not _is_iso_datetime_with_offset(m["tijdstip"])}
    assert bad_t == exm.reported_ids("sensoren", "invalid_date")


def test_address_texts_match_truth(exm):
    """Clean texts are the canonical register text; variants differ from it but point at a real
    address; unknown texts match no register address; the truth table covers every dossier."""
    canonical = {exm.canonical_text(i): i for i in exm.address_by_id}
    truth = {(r["source"], r["entity"], r["record"]): r for r in exm.truth_adressen}
    variants = {(src, e["record"]): e for src in ("crm", "meldingen", "sociaal")
                for e in exm.reported(src, "address_variant")}
    texts = ([("crm", "dossier", d["dossiernummer"], d["adres_tekst"]) for d in exm.dossiers]
             + [("crm", "contact", str(c["id"]), c["adres_tekst"]) for c in exm.contacts]
             + [("meldingen", "melding", m["id"], m["adres"]) for m in exm.meldingen]
             + [("sociaal", "dossier", r["dossier_id"], r["adres_tekst"]) for r in exm.sociaal])
    kinds_seen = set()
    for source, entity, record, text in texts:
        t = truth[(source, entity, record)]
        kinds_seen.add(t["kind"])
        if t["kind"] == "exact":
            assert canonical[text] == int(t["adres_id"])
        elif t["kind"] == "variant":
            v = variants[(source, record)]
            assert v["text"] == text and v["adres_id"] == int(t["adres_id"])
            assert text != exm.canonical_text(v["adres_id"])
        elif t["kind"] == "unknown":
            assert t["adres_id"] == "" and text not in canonical
            assert record in exm.reported_ids(source, "unknown_address")
        else:
            assert t["kind"] == "location_only" and text is None
    assert kinds_seen == {"exact", "variant", "unknown", "location_only"}
    assert len([1 for s, e, _ in truth if (s, e) == ("crm", "dossier")]) == len(exm.dossiers)


def test_variants_include_the_documented_forms(exm):
    texts = [e["text"] for src in ("crm", "meldingen", "sociaal") for e in exm.reported(src, "address_variant")]
    assert any(t == t.lower() for t in texts)                    # lower case
    assert any("3300" not in t for t in texts)                   # no postcode
    assert any(("str." in t or "stwg." in t or "Mkt" in t) for t in texts)  # abbreviations


# --- CRM status histories ---------------------------------------------------------------------

def test_status_histories_are_consistent(exm):
    skip = exm.reported_ids("crm", "invalid_date") | exm.reported_ids("crm", "unknown_code")
    hist: dict[int, list[dict]] = {}
    for h in exm.history:
        hist.setdefault(h["dossier_id"], []).append(h)
    closed = 0
    for d in exm.dossiers:
        steps = hist.get(d["id"])
        assert steps, d
        assert all(s["status"] in DOSSIER_STATUSES and s["medewerker"] for s in steps)
        times = [datetime.fromisoformat(s["tijdstip"]) for s in steps]
        assert all(_is_iso_datetime_with_offset(s["tijdstip"]) for s in steps)
        assert times == sorted(times)
        assert steps[0]["status"] == "ontvangen"
        assert times[-1].date() <= EXPORT_DAY
        if d["dossiernummer"] in skip:
            continue
        opened = date.fromisoformat(d["geopend"])
        assert times[0].date() == opened
        assert steps[-1]["status"] == d["status"]
        if d["status"] in ("afgesloten", "geweigerd"):
            closed += 1
            assert d["afgesloten"] is not None
            assert opened <= date.fromisoformat(d["afgesloten"]) <= EXPORT_DAY
            assert times[-1].date() == date.fromisoformat(d["afgesloten"])
        else:
            assert d["afgesloten"] is None
    assert 0 < closed < len(exm.dossiers)


def test_dossier_dates_within_the_period(exm):
    skip = exm.reported_ids("crm", "invalid_date")
    opened = [d["geopend"] for d in exm.dossiers if d["dossiernummer"] not in skip]
    assert min(opened) >= "2024-01-01" and max(opened) <= "2026-11-28"
    assert min(opened) < "2024-03-01" and max(opened) > "2026-09-01"


# --- command line -----------------------------------------------------------------------------

def _parser():
    from graph_server.commands import generate as cmd
    parser = argparse.ArgumentParser()
    cmd.register(parser.add_subparsers(dest="command"))
    return parser


def test_cli_rejects_bad_arguments(tmp_path):
    from graph_server.cli import UserError
    parser = _parser()
    for scale in ("0", "-1", "nan", "1000"):
        args = parser.parse_args(["generate", "--scale", scale, "--out", str(tmp_path / "x")])
        with pytest.raises(UserError):
            args.run(args)
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    args = parser.parse_args(["generate", "--scale", "0.01", "--out", str(afile)])
    with pytest.raises(UserError):
        args.run(args)


def test_cli_generates_and_prints_a_summary(tmp_path, capsys):
    parser = _parser()
    args = parser.parse_args(["generate", "--scale", "0.005", "--seed", "3", "--out", str(tmp_path / "o"), "--quiet"])
    assert args.run(args) == 0
    printed = capsys.readouterr().out
    assert "crm" in printed and "dossier" in printed and "dirt" in printed
    assert (tmp_path / "o" / "crm" / "crm.sqlite").is_file()
