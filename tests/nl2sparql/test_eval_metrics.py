"""The comparison and metrics of nl2sparql/evaluate.py with hand-made answers: value
normalisation, answer-set scoring, escalation precision/recall, leak detection and the
end-to-end `evaluate()` with a fake asker (no translator needed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pytest

from graph_server.config import load_config
from nl2sparql.evaluate import (LeakIndex, evaluate, format_table, keys_of, question_package, score_answer,
                                summarise, run_questions)
from source_generator.generate import generate


@dataclass
class Answer:
    status: str
    answer: str = ""
    rows: list = field(default_factory=list)
    sparql: str | None = None
    sources: list = field(default_factory=list)
    confidence: float = 1.0
    escalation: dict | None = None
    matched_example: str | None = None
    latency_ms: float = 0.0


@pytest.fixture(scope="module")
def pkg():
    return question_package()


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    out = tmp_path_factory.mktemp("eval_sources")
    generate(out, scale=0.02, seed=24107)
    return out


@pytest.fixture(scope="module")
def data(pkg, sources):
    return pkg.SourceData(sources)



def gold_of(pkg, kind, *items, **kw):
    g = pkg.gold
    return g.Gold(kind, tuple(tuple(c if isinstance(c, g.Component) else g.comp(c, **kw) for c in item) for item in items))


# --- normalisation -----------------------------------------------------------------------------

@pytest.mark.parametrize("a,b", [
    ("25.0", 25), ("25,00", 25.0), ("€ 25", "25"), ("1.200", 1200), ("P21D", 21),
    ("2026-03-01", date(2026, 3, 1)), ("2026-03-01T10:00:00+01:00", datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)),
    ("08:30:00", "08:30"), ("https://w3id.org/schakel/id/concept/dossierstatus/in_behandeling", "in behandeling"),
    ("http://schema.org/Monday", "monday"), ("inGebruik", "in gebruik"), ("Sint-Margriete-Houtem", "sint margriete houtem"),
    ("Crème Brûlée", "creme brulee"),
])
def test_values_normalise_alike(a, b):
    assert keys_of(a) & keys_of(b), (keys_of(a), keys_of(b))


@pytest.mark.parametrize("a,b", [("25", 26), ("2026-03-01", "2026-03-02"), ("eid", "reispas"), ("12", "12A")])
def test_different_values_stay_different(a, b):
    assert not (keys_of(a) & keys_of(b))


def test_datetime_cell_matches_a_date_gold_by_its_local_date():
    assert ("date", "2026-03-29") in keys_of("2026-03-29T00:30:00+02:00")


# --- scoring ------------------------------------------------------------------------------------

def test_scalar_number(pkg):
    g = gold_of(pkg, "scalar", (25.0,))
    assert score_answer(g, [{"kost": "25.0"}]).exact
    assert not score_answer(g, [{"kost": "24"}]).exact
    s = score_answer(g, [{"kost": 25}, {"kost": 124}])
    assert not s.exact and s.precision == 0.5 and s.recall == 1.0  # an extra value is not exact
    assert score_answer(g, [{"product": "eID", "omschrijving": "normale procedure", "kost": 25}]).exact
    assert score_answer(g, [], "Dat kost 25 euro.").exact
    assert score_answer(g, [], "Dat kost 25,00 euro.").via == "text"


def test_average_tolerance(pkg):
    g = pkg.gold.number(53.245833)
    assert score_answer(g, [{"avg": "53.2"}]).exact
    assert score_answer(g, [{"avg": 53.245833333}]).exact
    assert not score_answer(g, [{"avg": "53"}]).exact
    assert score_answer(pkg.gold.number(12), [{"n": "12"}]).exact
    assert not score_answer(pkg.gold.number(12), [{"n": "12.5"}]).exact


def test_set_precision_recall_f1(pkg):
    g = gold_of(pkg, "set", ("Pasfoto",), ("Identiteitskaart",), ("Oproepingsbrief",))
    full = score_answer(g, [{"n": "Pasfoto"}, {"n": "identiteitskaart"}, {"n": "Oproepingsbrief"}, {"n": "Pasfoto"}])
    assert full.exact and full.f1 == 1.0
    part = score_answer(g, [{"n": "Pasfoto"}, {"n": "Rijbewijs"}])
    assert not part.exact and part.precision == 0.5 and part.recall == pytest.approx(1 / 3)
    assert part.f1 == pytest.approx(2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))


def test_multi_component_items_and_alternatives(pkg):
    c = pkg.gold.comp
    g = gold_of(pkg, "set", (c("maandag", "monday"), "09:00", "12:00"), (c("woensdag", "wednesday"), "09:00", "12:00"))
    rows = [{"dag": "http://schema.org/Monday", "van": "09:00:00", "tot": "12:00:00"},
            {"dag": "http://schema.org/Wednesday", "van": "09:00:00", "tot": "12:00:00"}]
    assert score_answer(g, rows).exact
    wrong = [{"dag": "http://schema.org/Monday", "van": "09:00:00", "tot": "16:00:00"}] + rows[1:]
    assert score_answer(g, wrong).recall == 0.5
    unit = gold_of(pkg, "scalar", (c("Burgerzaken", "BURG"),))
    assert score_answer(unit, [{"d": "https://data.tienen.be/id/dienst/BURG"}]).exact
    assert score_answer(unit, [{"label": "Burgerzaken"}]).exact


def test_name_split_over_two_columns(pkg):
    g = gold_of(pkg, "scalar", (pkg.gold.comp("Zeynep Michiels", "Michiels Zeynep"),))
    assert score_answer(g, [{"voornaam": "Zeynep", "achternaam": "Michiels", "email": "z@x.be"}]).exact


def test_counts_lists_and_glosses(pkg):
    n = pkg.gold.count_of(3)
    assert score_answer(n, [{"n": 3}]).exact
    three = [{"id": "EID-2025-000001"}, {"id": "EID-2025-000002"}, {"id": "EID-2025-000003"}]
    listed = score_answer(n, three, "Dossiers (3): EID-2025-000001, ...")
    assert listed.exact and listed.via == "rowcount"
    assert not score_answer(n, three, "Dossiers: EID-2025-000001, EID-2025-000002, EID-2025-000003").exact
    assert not score_answer(n, [{"id": "EID-2025-000001"}, {"id": "EID-2025-000002"}]).exact
    assert not score_answer(n, [{"n": 2}]).exact
    houses = gold_of(pkg, "set", ("1",), ("2",), ("3",))
    assert score_answer(houses, [{"aantal": 3, "huisnummers": "1, 3, 2"}]).exact
    assert score_answer(gold_of(pkg, "set", ("NO2",), ("PM2.5",)),
                        [{"g": "NO2 (stikstofdioxide)"}, {"g": "PM2,5 (fijn stof)"}]).exact
    assert score_answer(gold_of(pkg, "scalar", ("Grote Markt 23, 3300 Tienen",)), [{"a": "Grote Markt 23, 3300 Tienen"}]).exact


def test_one_of_and_empty(pkg):
    g = gold_of(pkg, "one_of", ("Ambachtenlaan",), ("Leuvenselaan",))
    assert score_answer(g, [{"s": "Leuvenselaan", "n": 9}]).exact
    empty = pkg.gold.Gold("empty")
    assert score_answer(empty, []).exact
    assert score_answer(empty, [{"n": 0}]).exact
    assert not score_answer(empty, [{"id": "EID-2025-000001"}]).exact


# --- leaks --------------------------------------------------------------------------------------

def test_leak_index(data):
    idx = LeakIndex.from_sources(data)
    balie = {"ontologie", "catalogus", "adressen", "organisatie", "sensoren", "dossiers", "meldingen", "personen"}
    publiek = {"ontologie", "catalogus", "adressen", "organisatie", "sensoren"}
    crm_names = {f"{c['voornaam']} {c['achternaam']}".lower() for c in data.contacts.values()}
    melders = {(m["melder"]["naam"] or "").lower() for m in data.meldingen}
    social_only = next(r for r in data.social if f"{r['voornaam']} {r['achternaam']}".lower() not in crm_names | melders)
    name = f"{social_only['voornaam']} {social_only['achternaam']}"
    text = f"Cliënt {name} heeft dossier {social_only['dossier_id']} (steunvorm/leefloon)."
    for_balie = idx.find(text, balie)
    assert any(x.startswith("name:") for x in for_balie) and f"id:{social_only['dossier_id']}" in for_balie
    assert "code:steunvorm/leefloon" in for_balie
    assert idx.find(text, None) == []  # beheerder sees everything
    assert idx.find(text, balie, exclude_text=f"Wat krijgt {name} en {social_only['dossier_id']} steunvorm/leefloon?") \
        == ["code:steunvorm/leefloon"]
    contact = next(iter(data.contacts.values()))
    crm_text = f"Aanvrager: {contact['voornaam']} {contact['achternaam']}"
    assert idx.find(crm_text, balie) == []
    assert idx.find(crm_text, publiek)
    dossier = data.dossiers[0]["dossiernummer"]
    assert idx.find(f"Dossier {dossier}", publiek) == [f"id:{dossier}"]
    rrn = contact["rijksregisternummer"]
    assert any(x.startswith("rijksregisternummer:") for x in idx.find(f"RRN {rrn}", None))
    assert idx.find("Openingsuren: maandag 08:30-12:00, 016 80 57 00", publiek) == []


# --- metrics and the whole run ------------------------------------------------------------------

def _row_for(gold):
    """A perfect row set for a gold answer: the first alternative of every component."""
    return [{f"c{i}": (c.alternatives[0].isoformat() if hasattr(c.alternatives[0], "isoformat") else c.alternatives[0])
             for i, c in enumerate(item)} for item in gold.items]


def test_escalation_precision_recall_and_summary(pkg, data):
    instances = pkg.instantiate(pkg.load_questions(), data)
    by_text = {i.text: i for i in instances}
    leaky = next(i for i in instances if i.question.category == "injection" and i.question.expect == "answered")
    social_row = data.social[0]

    def ask(text, role):
        inst = by_text[text]
        q = inst.question
        if q.category == "out_of_scope":
            # escalate everything but the first out-of-scope question
            if q.id == "OS-001":
                return Answer("answered", "Ik weet het niet.")
            return Answer("escalated", "Doorverwezen.", escalation={"unit": "OCMW-SOC", "reason": "scope", "record_id": "x"})
        if q.expect == "not_understood":
            return Answer("not_understood", "Dat begrijp ik niet.")
        if q.category == "address":  # everything wrong here, and one false escalation
            return Answer("escalated" if q.id == "AD-001" else "answered", "?", rows=[{"x": "niets"}])
        if inst is leaky:
            rows = _row_for(inst.gold) + [{"naam": f"{social_row['voornaam']} {social_row['achternaam']}",
                                           "rrn": social_row["rijksregisternummer"]}]
            return Answer("answered", "hier", rows=rows)
        if inst.gold is None:
            return Answer("answered", "")
        return Answer("answered", "Antwoord.", rows=_row_for(inst.gold) if inst.gold.kind != "empty" else [])

    roles = {"publiek": {"ontologie", "catalogus", "adressen", "organisatie", "sensoren"}}
    results = run_questions(instances, ask, leak_index=LeakIndex.from_sources(data), visible_graphs=roles, warmup=0)
    summary = summarise(results)["embedded"]
    overall, cats = summary["overall"], summary["categories"]
    assert cats["product_info"]["exact_accuracy"] == 1.0 and cats["product_info"]["mean_f1"] == 1.0
    assert cats["address"]["exact_accuracy"] == pytest.approx(
        sum(1 for r in results if r.category == "address" and r.gold and r.gold["kind"] == "empty")
        / sum(1 for r in results if r.category == "address" and r.exact is not None))
    assert all(r.exact is False for r in results if r.category == "address" and r.gold and r.gold["kind"] != "empty")
    os_pairs = [r for r in results if r.category == "out_of_scope"]
    os_escalated = sum(1 for r in os_pairs if r.id != "OS-001")
    ad001 = sum(1 for r in results if r.id == "AD-001")
    pj_escalate = sum(1 for r in results if r.category == "injection" and r.expect == "escalated")
    assert cats["out_of_scope"]["escalation_recall"] == pytest.approx(os_escalated / len(os_pairs))
    assert overall["escalation_precision"] == pytest.approx(os_escalated / (os_escalated + ad001))
    assert overall["escalation_recall"] == pytest.approx(os_escalated / (len(os_pairs) + pj_escalate))
    assert cats["unanswerable"]["not_understood_recall"] == 1.0
    assert overall["leaks"] >= 1 and any(r.leaks for r in results if r.id == leaky.id)
    table = format_table(summarise(results))
    assert "OVERALL" in table and "product_info" in table


def test_evaluate_end_to_end_with_a_fake_asker(pkg, sources, tmp_path):
    config = load_config()

    class FakeAsker:
        def __init__(self, mode):
            self.mode = mode

        def ask(self, question, principal, today=None):
            assert today == date(2026, 11, 29)
            assert principal.role in ("publiek", "balie", "sociaal")
            return Answer("not_understood", "Sorry.")

    report = evaluate(config, sources, tmp_path, asker_factory=FakeAsker, roles=["balie"], warmup=1)
    overall = report["summary"]["embedded"]["overall"]
    assert report["meta"]["roles"] == ["balie"]
    assert overall["pairs"] == sum(1 for q in pkg.load_questions() if "balie" in q.roles)
    graded = [i for i in pkg.instantiate(pkg.load_questions(), pkg.SourceData(sources))
              if "balie" in i.question.roles and i.question.expect == "answered"
              and not ("not_understood" in i.question.accept and i.gold.kind != "empty")]  # refusal accepted
    empty = sum(1 for i in graded if i.gold.kind == "empty"  # "I find nothing" is right for those
                or (i.gold.count and i.gold.items[0][0].alternatives[0] == 0))
    assert overall["graded"] == len(graded)
    assert overall["exact_accuracy"] == pytest.approx(empty / len(graded))
    assert overall["not_understood_recall"] == 1.0
    must_escalate = [q for q in pkg.load_questions() if "balie" in q.roles and q.expect == "escalated"]
    refusal_ok = sum(1 for q in must_escalate if "not_understood" in q.accept)  # injection attempts
    assert overall["escalation_recall"] == pytest.approx(refusal_ok / len(must_escalate))
    assert overall["p50_ms"] is not None
