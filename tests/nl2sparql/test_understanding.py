"""How the pipeline reads a Dutch counter question: the split a figure asks for ("per ..."),
the kind of record, superlatives and totals, existence questions, address register statuses,
"open en gesloten", a closing status dated by a period, and typo repair that leaves real Dutch
words alone. Wordings are our own (the held-out questions are in examples/questions/)."""

from __future__ import annotations

import re

import pytest

from nl2sparql.catalogue import load_catalogue
from nl2sparql.linker import Mention
from nl2sparql.normalise import Normaliser, tokens
from nl2sparql.pipeline import BOTH_STATES, _closing, _dominated, _flags
from nl2sparql.retrieve import (FORM_FIT, NEGATION_WORDS, Retriever, example_form, example_groups, example_ops,
                                example_ranked, ops_fit, question_form, question_groups, question_ops, question_target)

CATALOGUE = {e.id: e for e in load_catalogue()}
ADRESSTATUS = "https://data.vlaanderen.be/id/concept/adresstatus/"


def words(text: str) -> tuple[str, ...]:
    return tuple(tokens(text))


# --- the split a figure asks for ---------------------------------------------------------------

@pytest.mark.parametrize("text, dims", [
    ("geef per deelgemeente het aantal open meldingen", {"deelgemeente"}),
    ("tel de dossiers voor elke behandelende dienst", {"dienst"}),
    ("hoeveel meldingen per soort", {"type"}),
    ("aantal sociale dossiers per steunvorm", {"type"}),
    ("wat kost een standplaats per lopende meter", set()),
    ("hoeveel meldingen zijn er", set()),
])
def test_question_groups_names_the_dimension_after_per_or_elke(text, dims):
    assert question_groups(words(text)) == dims


def test_example_groups_come_from_the_outer_group_by_of_a_table_only():
    assert example_groups(CATALOGUE["meldingen.per_deelgemeente"]) == {"deelgemeente"}
    assert example_groups(CATALOGUE["meldingen.per_type"]) == {"type"}
    assert example_groups(CATALOGUE["dossiers.per_dienst"]) == {"dienst"}
    assert example_groups(CATALOGUE["sociaal.per_steunvorm"]) == {"type"}
    # a top group (LIMIT 1) and a plain count are figures, not tables
    assert example_groups(CATALOGUE["meldingen.top_deelgemeente"]) == set()
    assert example_groups(CATALOGUE["meldingen.aantal"]) == set()


def test_the_target_of_a_ranking_is_the_noun_after_welke():
    assert question_target(words("Welke straat telt de meeste huisnummers?")) == {"straat"}
    assert question_target(words("In welke deelgemeente wonen de meeste mensen?")) == {"deelgemeente"}
    assert question_target(words("Welk meldingstype kwam vorige maand het vaakst voor?")) == {"type"}
    assert question_target(words("Welke verkeersteller was het drukst?")) == {"sensor"}
    assert example_ranked(CATALOGUE["straat.meeste_adressen"]) == {"straat"}
    assert example_ranked(CATALOGUE["deelgemeente.meeste_adressen"]) == {"deelgemeente"}
    assert example_ranked(CATALOGUE["meldingen.per_type"]) == set()


def test_examples_that_always_negate_need_a_negated_question():
    retriever = Retriever(list(CATALOGUE.values()), None)
    negative = {e.id for e, neg in zip(retriever.examples, retriever.negative) if neg}
    assert "deelgemeenten.zonder_meldingen" in negative
    assert "meldingen.lijst" not in negative and "product.kost" not in negative
    assert {"geen", "niet", "zonder"} <= NEGATION_WORDS


# --- forms and operations ------------------------------------------------------------------------

def test_existence_questions_want_the_list():
    assert question_form(words("Heeft Jan Peeters nog dossiers die niet afgehandeld zijn?")) == "list"
    assert question_form(words("Zijn er meldingen over graffiti in de Kerkstraat?")) == "list"
    assert question_form(words("Hoeveel dossiers heeft Jan Peeters?")) == "figure"
    assert question_form(words("Wat kost een rijbewijs?")) is None


def test_totals_want_a_count_or_a_sum_not_an_extreme():
    wanted = question_ops(words("hoeveel voertuigen reden er in totaal langs de teller"))
    assert {"SUM", "PLAIN"} <= wanted
    total, maximum = example_ops(CATALOGUE["sensor.totaal"]), example_ops(CATALOGUE["sensor.maximum"])
    assert ops_fit(wanted, total) > ops_fit(wanted, maximum)
    # an average that also counts its measurements is still an average
    assert ops_fit(wanted, total) > ops_fit(wanted, example_ops(CATALOGUE["sensor.gemiddelde"]))
    # a superlative is not a total
    assert "SUM" not in question_ops(words("wat was in totaal de hoogste waarde"))


def test_averages_are_not_maxima_and_thresholds_are_not_superlatives():
    wanted = question_ops(words("hoe hoog was het stikstofdioxide gemiddeld aan het station"))
    assert ops_fit(wanted, example_ops(CATALOGUE["sensor.gemiddelde"])) - \
        ops_fit(wanted, example_ops(CATALOGUE["sensor.maximum"])) >= 0.15
    assert "MAX" not in question_ops(words("hoeveel uur was het drukker dan 300 voertuigen"))
    assert "MAX" in question_ops(words("welke teller was het drukker, de ene of de andere"))
    assert "MAX" in question_ops(words("welke deelgemeente heeft de meeste meldingen"))
    assert "MIN" in question_ops(words("welke deelgemeente heeft de minste adressen"))


def test_a_count_with_its_members_answers_how_many_and_which():
    assert example_form(CATALOGUE["straat.huisnummers"]) == "counted_list"
    assert FORM_FIT[("figure", "counted_list")] > 0 and FORM_FIT[("list", "counted_list")] > 0
    assert example_form(CATALOGUE["adressen.aantal_straat"]) == "figure"


def test_a_ranking_question_is_not_a_listing():
    assert question_form(words("Welk meldingstype kwam het vaakst voor?")) is None
    assert question_form(words("Welke meldingen kwamen vandaag binnen?")) == "list"


def test_a_plain_count_is_far_from_a_ranking():
    wanted = question_ops(words("hoeveel meldingen kwamen er in maart binnen"))
    top, count = example_ops(CATALOGUE["meldingen.top_deelgemeente"]), example_ops(CATALOGUE["meldingen.aantal"])
    assert ops_fit(wanted, count) - ops_fit(wanted, top) >= 0.25
    assert "PLAIN" not in question_ops(words("in welke deelgemeente zijn er de meeste meldingen"))


def test_social_files_are_their_own_kind_of_record():
    assert "REC:sociaal" in question_ops(words("hoeveel sociale dossiers zijn er dit jaar gestart"))
    assert "REC:sociaal" in question_ops(words("welke steunvormen zijn toegekend aan An Claes"))
    assert "REC:dossier" in question_ops(words("hoeveel dossiers zijn er dit jaar gestart"))
    social, city = example_ops(CATALOGUE["sociaal.aantal"]), example_ops(CATALOGUE["dossiers.aantal"])
    assert "REC:sociaal" in social and "REC:dossier" not in social and "REC:dossier" in city
    wanted = question_ops(words("hoeveel sociale dossiers zijn er dit jaar gestart"))
    assert ops_fit(wanted, social) > ops_fit(wanted, city)


# --- flags and mentions ---------------------------------------------------------------------------

def test_address_register_status_is_a_flag_only_for_address_questions():
    assert _flags("welke adressen van de kerkstraat zijn voorgesteld")["adresstatus"] == ADRESSTATUS + "voorgesteld"
    assert _flags("geef de gehistoreerde huisnummers in de molenstraat")["adresstatus"] == ADRESSTATUS + "gehistoreerd"
    flags = _flags("welke adressen zijn niet meer in gebruik")
    assert flags["niet_adresstatus"] == ADRESSTATUS + "inGebruik" and "adresstatus" not in flags
    assert "adresstatus" not in _flags("welk voorstel ligt er voor de markt")
    assert "adresstatus" not in _flags("is het loket nog in gebruik")


def test_open_and_closed_together_is_no_status_filter():
    for text in ("hoeveel dossiers, open en gesloten samen", "alle meldingen afgesloten of nog lopend",
                 "dossiers openstaand en afgesloten"):
        assert BOTH_STATES.search(text), text
    assert not BOTH_STATES.search("hoeveel open dossiers zijn er en hoeveel zijn afgesloten")


def test_not_anonymous_is_its_own_flag():
    assert "niet_anoniem" in _flags("hoeveel meldingen zijn niet anoniem gedaan")
    assert "anoniem" not in _flags("hoeveel meldingen zijn niet anoniem gedaan")
    assert "niet_anoniem" in _flags("tel de meldingen met een gekende melder")
    assert "anoniem" in _flags("hoeveel anonieme meldingen") and "niet_anoniem" not in _flags("hoeveel anonieme meldingen")


def test_a_naming_mention_owns_its_words():
    square = Mention("straat", "s", "Grote Markt", 1.0, frozenset({4, 5}))
    stall = Mention("product", "p", "Standplaats op de wekelijkse markt", 0.75, frozenset({5}))
    kept = _dominated([square, stall])
    assert kept == [square]
    # a product and a dossier type of one name are both readings
    product = Mention("product", "p", "Adreswijziging", 0.75, frozenset({3}))
    dossiertype = Mention("dossiertype", "t", "adreswijziging", 1.0, frozenset({3}))
    assert _dominated([product, dossiertype]) == [product, dossiertype]


def test_a_closing_status_becomes_a_closing_event():
    closed = Mention("dossierstatus", "https://w3id.org/schakel/id/concept/dossierstatus/afgesloten", "afgesloten", 1.0)
    refused = Mention("dossierstatus", "https://w3id.org/schakel/id/concept/dossierstatus/geweigerd", "geweigerd", 1.0)
    solved = Mention("meldingstatus", "https://w3id.org/schakel/id/concept/meldingstatus/opgelost", "opgelost", 1.0)
    kinds = [m.kind for m in _closing([closed, refused, solved])]
    assert kinds == ["dossiersluiting", "dossierstatus", "meldingsluiting"]


# --- typo repair ----------------------------------------------------------------------------------

def test_typo_repair_leaves_real_dutch_words_and_keeps_the_first_letter():
    norm = Normaliser({"lopende", "statuten", "zakken", "duurder", "wachten", "voorstel", "openingsuren",
                       "identiteitskaart"})
    text = norm("Wanneer opende het dossier, welke statussen, stand van zaken, hoe lang duurde het").text
    assert re.search(r"\bopende\b.*\bstatussen\b.*\bzaken\b.*\bduurde\b", text), text
    assert "wachten" not in norm("wat verwachten we").tokens
    assert "voorstel" not in norm("het adres is voorgesteld").tokens
    # real typos are still repaired
    assert norm("de openinsguren van het loket").tokens[1] == "openingsuren"
    assert "identiteitskaart" in norm("een identiteitskaat aanvragen").tokens


# --- end to end on the small city ---------------------------------------------------------------

def _count(gate, principal, query: str) -> int:
    return int(gate.evaluate(principal, query, max_rows=1).rows()[0]["n"].value)


def test_per_group_question_gets_the_table(asker, principals):
    a = asker.ask("Geef voor elke deelgemeente het aantal meldingen", principals["balie"])
    assert a.status == "answered" and a.matched_example == "meldingen.per_deelgemeente", a
    assert len(a.rows) > 1 and all("deelgemeente" in r for r in a.rows)


def test_open_and_closed_together_counts_every_dossier(asker, principals, gate):
    a = asker.ask("Tel per dienst de dossiers, lopend en afgesloten samen", principals["balie"])
    assert a.status == "answered" and a.matched_example == "dossiers.per_dienst", a
    total = _count(gate, principals["beheerder"], "SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE { GRAPH "
                   "<https://data.tienen.be/graph/dossiers> { ?d <https://w3id.org/schakel/ns#behandelendeDienst> ?x } }")
    assert sum(r["aantal"] for r in a.rows) == total


def test_closed_in_a_period_is_dated_by_the_closing(asker, principals, gate):
    a = asker.ask("Hoeveel dossiers zijn er in oktober 2026 afgesloten?", principals["balie"])
    assert a.status == "answered" and a.matched_example == "dossiers.aantal_afgesloten", a
    expected = _count(gate, principals["beheerder"], """SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {
        GRAPH <https://data.tienen.be/graph/dossiers> {
        ?d a <http://dbpedia.org/ontology/Case> ; <https://data.vlaanderen.be/ns/dossier#sluitingsdatum> ?s .
        FILTER(SUBSTR(STR(?s), 1, 10) >= "2026-10-01" && SUBSTR(STR(?s), 1, 10) <= "2026-10-31") } }""")
    assert a.rows[0]["aantal"] == expected


def _a_street_where(gate, principal, address_pattern: str) -> str:
    """The name of a street with an address ?a (on street ?s) matching the pattern."""
    rows = gate.evaluate(principal, f"""SELECT ?naam WHERE {{ GRAPH ?g {{ {address_pattern}
        ?a <https://data.vlaanderen.be/ns/adres#heeftStraatnaam> ?s . }}
        GRAPH ?h {{ ?s <http://www.w3.org/2000/01/rdf-schema#label> ?naam }} }} LIMIT 1""", max_rows=1).rows()
    assert rows, f"the test city has no address with {address_pattern}"
    return rows[0]["naam"].value


@pytest.mark.parametrize("address_pattern, question, example, status", [
    ("?a <https://data.vlaanderen.be/ns/adres#Adres.status> "
     "<https://data.vlaanderen.be/id/concept/adresstatus/gehistoreerd> .",
     "Geef de gehistoreerde adressen van de {street}", "straat.adressen", "gehistoreerd"),
    ("?a <https://data.vlaanderen.be/ns/adres#isToegekendAan> ?b . ?b <https://data.vlaanderen.be/ns/gebouw#Gebouw.status> "
     "<https://data.vlaanderen.be/id/concept/gebouwstatus/gerealiseerd> .",
     "Geef de gerealiseerde gebouwen van de {street}", "straat.gebouwen", "gerealiseerd"),
])
def test_a_named_street_and_a_register_status_are_both_read(asker, principals, gate, address_pattern, question,
                                                            example, status):
    street = _a_street_where(gate, principals["beheerder"], address_pattern)
    a = asker.ask(question.format(street=street), principals["publiek"])
    assert a.status == "answered" and a.matched_example == example, a
    assert a.rows and all(r["status"] == status for r in a.rows)


def test_a_question_without_negation_is_not_answered_by_a_negating_example(asker, principals):
    a = asker.ask("Welke meldingen over graffiti kwamen er vorige maand binnen?", principals["balie"])
    assert a.matched_example != "deelgemeenten.zonder_meldingen", a


def test_known_reporters_are_counted(asker, principals, gate):
    a = asker.ask("Tel de meldingen die niet anoniem zijn binnengekomen", principals["balie"])
    assert a.status == "answered" and a.matched_example == "meldingen.aantal", a
    expected = _count(gate, principals["beheerder"], "SELECT (COUNT(DISTINCT ?m) AS ?n) WHERE { GRAPH "
                      "<https://data.tienen.be/graph/meldingen> { ?m <https://w3id.org/schakel/ns#melder> ?x } }")
    assert a.rows[0]["aantal"] == expected


def test_a_day_in_the_question_narrows_the_costs(asker, principals):
    a = asker.ask("Welk bedrag betaal je voor een huwelijk op zaterdag?", principals["publiek"])
    assert a.status == "answered" and a.matched_example == "product.kost", a
    assert len(a.rows) == 1 and "zaterdag" in a.rows[0]["omschrijving"]


def test_social_count_in_a_period_for_the_social_service(asker, principals):
    a = asker.ask("Hoeveel OCMW-dossiers zijn er sinds januari opgestart?", principals["sociaal"])
    assert a.status == "answered" and a.matched_example == "sociaal.aantal", a
    assert "2026-01-01" in a.sparql and "openingsdatum" in a.sparql
