"""Gold answers (examples/questions/gold.py) on a tiny generated dataset, checked against facts
computed a second, deliberately simple way (raw SQL, raw JSON/CSV, brute-force nearest
address) and against hand-checkable catalogue facts (the eID costs 25 euro)."""

from __future__ import annotations

import csv
import json
import math
import sqlite3
from collections import Counter
from datetime import date

import pytest

from nl2sparql.evaluate import question_package
from source_generator.generate import generate

SEED = 24107
SCALE = 0.02
TODAY = date(2026, 11, 29)
QUARANTINE = ("missing_mandatory", "invalid_date", "outside_city", "unknown_code")


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    out = tmp_path_factory.mktemp("gold_sources")
    generate(out, scale=SCALE, seed=SEED)
    return out


@pytest.fixture(scope="module")
def pkg():
    return question_package()


@pytest.fixture(scope="module")
def data(pkg, sources):
    return pkg.SourceData(sources)


@pytest.fixture(scope="module")
def dirt(sources):
    return json.loads((sources / "dirt_report.json").read_text(encoding="utf-8"))


def gold(pkg, data, fn, **args):
    return pkg.compute(data, fn, args, today=TODAY)


def value(g):
    """The single value of a scalar gold answer."""
    assert g.kind == "scalar", g
    return g.items[0][0].alternatives[0]


def values(g):
    return {item[0].alternatives[0] for item in g.items}


def bad_ids(dirt, source):
    return {str(x) for k in QUARANTINE for x in dirt["sources"][source].get(k, [])}


# --- catalogue and organisation: hand-checkable ----------------------------------------------

def test_eid_costs_and_documents(pkg, data):
    eid = "Elektronische identiteitskaart (eID)"
    assert value(gold(pkg, data, "product_costs", product=eid, omschrijving="normale procedure")) == 25.0
    assert values(gold(pkg, data, "product_costs", product=eid)) == {25.0, 124.0, 185.0}
    assert values(gold(pkg, data, "product_documents", product=eid)) == {"Identiteitskaart", "Oproepingsbrief", "Pasfoto"}
    assert value(gold(pkg, data, "product_costs", product="Kids-ID", omschrijving="normale")) == 8.0
    unit = gold(pkg, data, "product_unit", product=eid).items[0][0].alternatives
    assert unit == ("Burgerzaken", "BURG")


def test_product_lookup_fails_clearly(pkg, data):
    with pytest.raises(pkg.GoldError, match="no product"):
        gold(pkg, data, "product_costs", product="Vergunning voor een ruimteschip")


def test_catalogue_counts_by_reading_the_json(pkg, data, sources):
    products = json.loads((sources / "productcatalogus" / "producten.json").read_text(encoding="utf-8"))["producten"]
    assert len(products) == 150
    free = sum(1 for p in products if all(k["bedrag"] == 0 for k in p["kosten"]))
    assert value(gold(pkg, data, "count_products", free=True)) == free
    bw = sum(1 for p in products if p["thema"] == "BouwenWonen")
    assert value(gold(pkg, data, "count_products", thema="BouwenWonen")) == bw
    assert value(gold(pkg, data, "most_expensive_product", unit="BURG")) == "Concessie op de begraafplaats"
    assert value(gold(pkg, data, "more_expensive", products=["Reispas volwassenen",
                                                              "Elektronische identiteitskaart (eID)"])) == "Reispas volwassenen"


def test_opening_hours(pkg, data):
    wed = gold(pkg, data, "counter_hours", counter="LOK-SNELBALIE", dag="woensdag")
    assert {tuple(c.alternatives[0] for c in item) for item in wed.items} == {("08:30", "12:00"), ("13:30", "16:00")}
    assert gold(pkg, data, "counter_hours", counter="LOK-CULT", dag="maandag").kind == "empty"
    assert values(gold(pkg, data, "counters_open_on", dag="zondag")) == {"Toeristisch infokantoor"}
    assert "Sportonthaal" in values(gold(pkg, data, "counters_open_at", dag="donderdag", tijd="17:30"))
    assert "Grote Markt 23, 3300 Tienen" in gold(pkg, data, "location_address", location="LOC-STADHUIS").items[0][0].alternatives
    assert values(gold(pkg, data, "locations_without_address")) == {"Mobiel loket deelgemeenten"}


# --- CRM: counts read a second way ---------------------------------------------------------------

def test_dossier_counts_match_raw_sql(pkg, data, sources, dirt):
    bad = bad_ids(dirt, "crm")
    con = sqlite3.connect(sources / "crm" / "crm.sqlite")
    rows = con.execute("SELECT dossiernummer, type, status, geopend, afgesloten FROM dossier").fetchall()
    con.close()
    clean = [r for r in rows if r[0] not in bad]
    assert len(clean) == len(rows) - len(bad & {r[0] for r in rows})
    eid_2025 = sum(1 for r in clean if r[1] == "eid" and r[3].startswith("2025-"))
    assert value(gold(pkg, data, "count_dossiers", type="eid", period="year:2025")) == eid_2025
    open_ = sum(1 for r in clean if not r[4] and r[2] not in ("afgesloten", "geweigerd"))
    assert value(gold(pkg, data, "count_dossiers", open=True)) == open_
    per_type = Counter(r[1] for r in clean if "2026-01-01" <= r[3] <= "2026-11-29")
    g = gold(pkg, data, "dossiers_per_type", period="this_year")
    assert {(i[0].alternatives[0], i[1].alternatives[0]) for i in g.items} == set(per_type.items())


def test_quarantined_dossier_is_invisible(pkg, data, dirt):
    missing = dirt["sources"]["crm"]["missing_mandatory"][0]
    with pytest.raises(pkg.GoldError):
        gold(pkg, data, "dossier_status", dossiernummer=missing)
    assert missing not in {d["dossiernummer"] for d in data.dossiers}


def test_person_with_two_contact_rows_is_one_person(pkg, data, sources, dirt):
    con = sqlite3.connect(sources / "crm" / "crm.sqlite")
    contacts = {r[0]: r[1:] for r in con.execute("SELECT id, rijksregisternummer, voornaam, achternaam FROM contact")}
    dossiers = con.execute("SELECT dossiernummer, aanvrager_id FROM dossier").fetchall()
    con.close()
    bad = bad_ids(dirt, "crm")
    extra = int(dirt["sources"]["crm"]["duplicate_person"][0])
    rrn = "".join(ch for ch in contacts[extra][0] if ch.isdigit())
    ids = {cid for cid, c in contacts.items() if "".join(ch for ch in c[0] if ch.isdigit()) == rrn}
    assert len(ids) >= 2
    expected = {n for n, a in dossiers if a in ids and n not in bad}
    name = data.persons[rrn]["name"]
    if len([k for k, p in data.persons.items() if p["name"].lower() == name.lower()]) == 1:
        assert values(gold(pkg, data, "dossiers_of_person", naam=name.upper())) == expected


def test_dossier_dates_and_history(pkg, data, sources):
    d = next(d for d in data.dossiers if d["afgesloten_d"])
    assert value(gold(pkg, data, "dossier_attr", dossiernummer=d["dossiernummer"], attr="afgesloten")) == d["afgesloten_d"]
    con = sqlite3.connect(sources / "crm" / "crm.sqlite")
    statuses = [r[0] for r in con.execute("SELECT status FROM statushistoriek WHERE dossier_id=? ORDER BY tijdstip", (d["id"],))]
    con.close()
    assert values(gold(pkg, data, "dossier_history", dossiernummer=d["dossiernummer"])) == set(statuses)
    assert statuses[-1] == d["status"]


# --- meldingen: deelgemeente convention, brute force ---------------------------------------------

def test_open_meldingen_per_deelgemeente_second_way(pkg, data, sources, dirt):
    from pyproj import Transformer

    bad = bad_ids(dirt, "meldingen")
    feats = json.loads((sources / "gis" / "adressen.geojson").read_text(encoding="utf-8"))["features"]
    dg = {f["properties"]["adres_id"]: f["properties"]["deelgemeente"] for f in feats}
    pts = [(f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][1], f["properties"]["deelgemeente"]) for f in feats]
    truth = {}
    with open(sources / "truth" / "adressen.csv", encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["source"] == "meldingen":
                truth[r["record"]] = (r["adres_id"], r["kind"])
    to_l72 = Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True)
    counts = Counter()
    for m in json.loads((sources / "meldingen" / "meldingen.json").read_text(encoding="utf-8"))["meldingen"]:
        if m["id"] in bad or m["status"] not in ("nieuw", "in_behandeling"):
            continue
        adres_id, kind = truth[m["id"]]
        if m["adres"] and kind in ("exact", "variant"):
            counts[dg[int(adres_id)]] += 1
        elif m["locatie"]:
            x, y = to_l72.transform(m["locatie"]["lon"], m["locatie"]["lat"])
            counts[min(pts, key=lambda p: math.hypot(p[0] - x, p[1] - y))[2]] += 1
    g = gold(pkg, data, "meldingen_per_deelgemeente", open=True)
    assert {(i[0].alternatives[0], i[1].alternatives[0]) for i in g.items} == set(counts.items())
    assert sum(counts.values()) == value(gold(pkg, data, "count_meldingen", open=True)) - sum(
        1 for m in data.meldingen if m["open"] and m["deelgemeente"] is None)


def test_time_expressions(pkg):
    rp = pkg.gold.resolve_period
    assert rp("last_month", TODAY) == (date(2026, 10, 1), date(2026, 10, 31))
    assert rp("since_january", TODAY) == (date(2026, 1, 1), TODAY)
    assert rp("last_year", TODAY) == (date(2025, 1, 1), date(2025, 12, 31))
    assert rp("this_week", TODAY) == (date(2026, 11, 23), TODAY)  # 29 Nov 2026 is a Sunday
    assert rp("last_week", TODAY) == (date(2026, 11, 16), date(2026, 11, 22))
    assert rp("yesterday", TODAY) == (date(2026, 11, 28), date(2026, 11, 28))
    assert rp("last_7_days", TODAY) == (date(2026, 11, 23), TODAY)
    assert rp("last_2_months", TODAY) == (date(2026, 9, 29), TODAY)
    assert rp("month:2025-02", TODAY) == (date(2025, 2, 1), date(2025, 2, 28))
    assert rp("range:2026-09-01..today", TODAY) == (date(2026, 9, 1), TODAY)
    assert rp("last_month", date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_today_is_injectable(pkg, data):
    a = value(gold(pkg, data, "count_dossiers", period="this_year"))
    b = value(pkg.compute(data, "count_dossiers", {"period": "this_year"}, today=date(2026, 6, 30)))
    assert b <= a


# --- addresses and sensors ----------------------------------------------------------------------

def test_address_counts_by_reading_geojson(pkg, data, sources):
    feats = json.loads((sources / "gis" / "adressen.geojson").read_text(encoding="utf-8"))["features"]
    per_dg = Counter(f["properties"]["deelgemeente"] for f in feats)
    for dg, n in per_dg.items():
        assert value(gold(pkg, data, "count_addresses", deelgemeente=dg)) == n
    assert value(gold(pkg, data, "street_deelgemeente", straat="Grote Markt")) == "Tienen"
    parcels = json.loads((sources / "gis" / "percelen.geojson").read_text(encoding="utf-8"))["features"]
    p = next(f["properties"] for f in parcels if f["properties"]["adres_ids"])
    assert value(gold(pkg, data, "count_parcel_addresses", capakey=p["capakey"])) == len(p["adres_ids"])


def test_sensor_statistics_from_the_csv(pkg, data, sources, dirt):
    bad = bad_ids(dirt, "sensoren")
    with open(sources / "sensoren" / "metingen.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh)]
    sensor = next(s for s in ("LK-01", "LK-02", "LK-03", "LK-04") if s not in bad)
    day = "2025-12-01"
    vals = [float(r["waarde"]) for r in rows if r["sensor_id"] == sensor and r["grootheid"] == "NO2"
            and r["tijdstip"].startswith(day) and f"{r['sensor_id']}|{r['grootheid']}|{r['tijdstip']}" not in bad]
    g = gold(pkg, data, "sensor_stat", sensor=sensor, grootheid="NO2", stat="avg", day=day)
    assert abs(value(g) - sum(vals) / len(vals)) < 1e-6
    above = sum(1 for v in vals if v > 30)
    assert value(gold(pkg, data, "sensor_hours_above", sensor=sensor, grootheid="NO2", threshold=30,
                      **{"from": day, "to": day})) == above
    series = [r for r in rows if r["sensor_id"] == sensor and r["grootheid"] == "NO2" and r["tijdstip"][:4].isdigit()
              and f"{r['sensor_id']}|{r['grootheid']}|{r['tijdstip']}" not in bad]
    assert value(gold(pkg, data, "sensor_latest", sensor=sensor, grootheid="NO2")) == float(series[-1]["waarde"])


def test_quarantined_sensor_is_excluded(pkg, data, dirt):
    outside = dirt["sources"]["sensoren"]["outside_city"]
    assert outside and not set(outside) & set(data.sensors)
    measuring = {i[0].alternatives[0] for i in gold(pkg, data, "sensors_measuring", grootheid="NO2").items}
    assert not set(outside) & measuring


# --- the question set as a whole -----------------------------------------------------------------

def test_every_question_instantiates_with_a_gold_answer(pkg, data):
    questions = pkg.load_questions()
    assert len(questions) >= 200
    instances = pkg.instantiate(questions, data, today=TODAY)
    errors = [(i.id, i.error) for i in instances if i.error]
    assert not errors, errors
    for i in instances:
        assert "{" not in i.text or i.question.category == "injection", (i.id, i.text)
        assert (i.gold is not None) == (i.question.expect == "answered"), i.id


def test_instantiation_is_deterministic(pkg, sources):
    questions = pkg.load_questions()
    a = [(i.text, i.gold_args) for i in pkg.instantiate(questions, pkg.SourceData(sources), with_gold=False)]
    b = [(i.text, i.gold_args) for i in pkg.instantiate(list(reversed(questions)), pkg.SourceData(sources), with_gold=False)]
    assert a == list(reversed(b))


def test_categories_and_expectations(pkg):
    questions = pkg.load_questions()
    per_cat = Counter(q.category for q in questions)
    assert set(per_cat) == set(pkg.CATEGORIES)
    assert all(n >= 10 for n in per_cat.values()), per_cat
    assert all(q.expect == "escalated" for q in questions if q.category == "out_of_scope")
    assert all(q.expect == "not_understood" for q in questions if q.category == "unanswerable")
    # social-welfare questions are asked as sociaal only when they must be answered
    for q in questions:
        if q.gold_fn in ("count_social", "social_per_steunvorm", "social_steunvormen"):
            assert q.roles == ("sociaal",), q.id
