"""`schakel shapes lint`: every defect pattern on self-contained fixtures, and the known
defects of the official OSLO shapes in ../shared."""

import json
from pathlib import Path

import pytest

from graph_server.validation.lint import lint_paths

SHARED = Path(__file__).resolve().parents[3] / "shared"
OSLO = SHARED / "oslo"


def subjects(result, rule, file=None):
    return sorted(d.subject for d in result.of(rule, file))


@pytest.fixture(scope="module")
def single():
    fixtures = Path(__file__).resolve().parent / "fixtures"
    return lint_paths([fixtures / "lint/single"], vocab=[fixtures / "vocab"])


def test_class_on_literal(single):
    found = single.of("class-on-literal", "class-on-literal.ttl")
    assert sorted(d.subject for d in found) == ["shp:AdresvoorstellingShape › locn:postCode",
                                               "shp:AdresvoorstellingShape › locn:thoroughfare"]
    assert {d.suggestion for d in found} == {"sh:datatype rdf:langString", "sh:datatype xsd:string"}
    assert all(d.line for d in found)


def test_property_as_target_class(single):
    found = {d.subject: d for d in single.of("target-is-property", "target-is-property.ttl")}
    assert set(found) == {"shp:AgentShape", "shp:EigenaarShape", "shp:DeelShape"}
    assert "OSLO property name" in found["shp:AgentShape"].message        # dotted local name
    assert found["shp:AgentShape"].suggestion == "sh:targetClass t:ZakelijkRecht?"
    assert "vocabulary declares it a property" in found["shp:EigenaarShape"].message
    assert "used as sh:path" in found["shp:DeelShape"].message
    assert found["shp:AgentShape"].line == 13


def test_shapes_that_never_fire(single):
    assert subjects(single, "no-target", "never-fires.ttl") == ["shp:LosseShape"]  # NaamShape is referenced
    assert subjects(single, "target-is-datatype", "never-fires.ttl") == ["shp:TaalStringShape"]
    assert subjects(single, "target-not-a-class", "never-fires.ttl") == ["shp:DossierShape"]


def test_placeholder_and_wrong_namespaces(single):
    assert sorted(d.term for d in single.of("placeholder-iri", "placeholders.ttl")) == [
        "http://fixme.com#", "https://example.org/voorlopig#"]
    wrong = single.of("wrong-scheme", "placeholders.ttl")
    assert [(d.term, d.suggestion) for d in wrong] == [("https://www.w3.org/ns/org#", "http://www.w3.org/ns/org#")]


def test_iri_with_space_is_found_and_the_rest_still_reported(single):
    spaces = single.of("iri-with-space", "iri-with-space.ttl")
    assert [(d.line, d.term) for d in spaces] == [
        (12, "https://data.tienen.be/shapes/lint#Subsidiemaatregel (aanbod)Shape")]
    assert single.of("class-on-literal", "iri-with-space.ttl")  # the file was still analysed
    # N-Triples: rdflib refuses the file; the IRIs are repaired for the analysis
    assert single.of("iri-with-space", "space-in-ntriples.nt")
    assert single.of("class-on-literal", "space-in-ntriples.nt")


def test_unparsable_file_reports_file_and_line(single):
    broken = single.of("parse-error", "broken.ttl")
    assert len(broken) == 1 and broken[0].line == 14
    assert single.of("iri-with-space", "broken.ttl")[0].line == 13  # raw scan still ran


def test_codelists(single, fixtures):
    unavailable = single.of("codelist-unavailable", "codelists.ttl")
    assert sorted(d.subject for d in unavailable) == ["shp:GebouwShape › t:functie", "shp:GebouwShape › t:status",
                                                     "shp:GebouwShape › t:type"]
    with_lists = lint_paths([fixtures / "lint/single/codelists.ttl"], codelists=[fixtures / "codelists"])
    # gebouwstatus is given now; gebouwfunctie is not; t:type names no codelist; t:soort has sh:in
    assert subjects(with_lists, "codelist-unavailable") == ["shp:GebouwShape › t:functie"]
    assert subjects(with_lists, "codelist-unlinked") == ["shp:GebouwShape › t:type"]


def test_unknown_path_against_the_vocabulary(single):
    assert "shp:GebouwShape › t:isDeelVan" in subjects(single, "unknown-path", "target-is-property.ttl")
    assert not any("t:naam" in s for s in subjects(single, "unknown-path"))  # defined in the vocabulary


def test_http_https_mixing(fixtures):
    result = lint_paths([fixtures / "lint/mixing"])
    mixing = result.of("scheme-mixing")
    assert [(Path(d.file).name, d.term) for d in mixing] == [("schema-https.ttl", "https://schema.org/")]
    assert mixing[0].suggestion.startswith("http://schema.org/")


def test_path_typos_get_a_suggestion(fixtures):
    result = lint_paths([fixtures / "lint/typo"], vocab=[fixtures / "vocab"])
    typos = {d.term: d.suggestion for d in result.of("path-typo")}
    assert typos == {
        "https://data.vlaanderen.be/ns/generiek#gestructureerdedentificator":
            "https://data.vlaanderen.be/ns/generiek#gestructureerdeIdentificator",
        "https://data.vlaanderen.be/ns/perceel#geldigheidperiode":
            "https://data.vlaanderen.be/ns/perceel#geldigheidsperiode",
    }  # adminUnitL1 / adminUnitL2 are numbered siblings, not typos
    assert subjects(result, "unknown-path") == ["shp:RechtShape › t:onbekendeEigenschap"]


def test_conflicting_cardinalities_across_profiles(fixtures):
    result = lint_paths([fixtures / "lint/cardinality"])
    conflicts = {d.subject: d for d in result.of("conflicting-cardinality")}
    assert set(conflicts) == {"locn:Address › locn:poBox", "locn:Address › locn:fullAddress"}
    assert "adresregister.ttl 0..1; gebouwenregister.ttl 1..1" in conflicts["locn:Address › locn:poBox"].message
    assert subjects(result, "impossible-cardinality") == ["t:Gebouw › t:naam"]


def test_clean_shapes_exit_0_and_defects_exit_1(run_cli, fixtures):
    code, out, _ = run_cli("shapes", "lint", fixtures / "lint/clean", "--vocab", fixtures / "vocab")
    assert code == 0 and "0 finding(s)" in out
    code, out, _ = run_cli("shapes", "lint", fixtures / "lint/single/class-on-literal.ttl", "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["counts"]["class-on-literal"] == 2
    assert {"rule", "severity", "file", "line", "subject", "message", "suggestion"} <= set(report["defects"][0])


def test_info_findings_do_not_fail_by_default(run_cli, fixtures):
    args = ["shapes", "lint", fixtures / "lint/clean", fixtures / "lint/single/codelists.ttl",
            "--codelists", fixtures / "codelists"]
    code, out, _ = run_cli(*args)
    assert code == 1  # codelist-unavailable (gebouwfunctie) is a warning
    code, _, _ = run_cli(*args, "--min-severity", "error")
    assert code == 0


def test_missing_path_cannot_run(run_cli, tmp_path):
    code, _, err = run_cli("shapes", "lint", tmp_path / "nothing.ttl")
    assert code == 2 and "nothing.ttl" in err and "Traceback" not in err


# ---------------------------------------------------------------- the official OSLO shapes

@pytest.fixture(scope="module")
def oslo():
    return lint_paths([OSLO / "shacl"], vocab=[OSLO / "vocab"], codelists=[OSLO / "codelists"])


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} (OSLO reference material) is absent")
def test_oslo_known_defects(oslo):
    """The known defects of ../shared/oslo/README.md, listed explicitly."""
    # 1. sh:class rdf:langString: 10 in the published adresregister, 29 in the 2022 lblod IPDC shapes
    assert len(oslo.of("class-on-literal", "adresregister-SHACL.published.ttl")) == 10
    assert len(oslo.of("class-on-literal", "lblod-2022-06-15-ipdc-lpdc-im-SHACL.ttl")) == 29
    assert not oslo.of("class-on-literal", "adresregister-SHACL.ttl")
    # 2. property IRIs as sh:targetClass (perceel)
    assert {d.term.rsplit("#", 1)[1] for d in oslo.of("target-is-property", "perceel-SHACL.ttl")} == {
        "ZakelijkRecht.agent", "ZakelijkRecht.kadastraalPatrimoniumperceel", "Verantwoordelijkheid.ruimtelijkeEenheid"}
    # adres:Straatnaam is a class (adres-voc), although lblod-ipdc-lpdc.ttl redeclares it rdf:Property
    assert {Path(d.file).name for d in oslo.of("target-is-property")} == {"perceel-SHACL.ttl"}
    # 3. placeholder / wrong IRIs
    fixme = {Path(d.file).name for d in oslo.of("placeholder-iri") if d.term == "http://fixme.com#"}
    assert fixme == {"issue-tracking-voor-burgers-en-organisaties-SHACL.ttl", "generieke-terugmeldfaciliteit-SHACL.ttl",
                     "lblod-2022-06-15-ipdc-lpdc-im-SHACL.ttl"}
    org = {Path(d.file).name for d in oslo.of("wrong-scheme") if d.term == "https://www.w3.org/ns/org#"}
    assert org == {"dienstencataloog-SHACL.ttl", "generieke-terugmeldfaciliteit-SHACL.ttl",
                   "issue-tracking-voor-burgers-en-organisaties-SHACL.ttl"}
    registratie = [d for d in oslo.of("path-typo") if d.term == "http://data.vlaanderen.be/ns/persoon#registratie"]
    assert {d.suggestion for d in registratie} == {"https://data.vlaanderen.be/ns/persoon#registratie"}
    spaces = oslo.of("iri-with-space", "subsidieregister-SHACL.ttl")
    assert sorted(d.term.rsplit("#", 1)[1] for d in spaces) == ["Subsidiemaatregel (aanbod)Shape",
                                                                 "Subsidiemaatregel (consumptie)Shape"]
    typo = [d for d in oslo.of("path-typo") if d.term.endswith("generiek#gestructureerdedentificator")]
    assert {Path(d.file).name for d in typo} == {"dienst-transactiemodel-SHACL.ttl", "generiek-basis-SHACL.ttl"}
    assert {d.suggestion for d in typo} == {"https://data.vlaanderen.be/ns/generiek#gestructureerdeIdentificator"}
    # 4. profiles disagree on locn:Address (gebouwenregister requires poBox and fullAddress)
    conflicts = {d.subject for d in oslo.of("conflicting-cardinality")}
    assert {"locn:Address › locn:poBox", "locn:Address › locn:fullAddress"} <= conflicts
    # 5. sh:class skos:Concept without the codelist
    assert len(oslo.of("codelist-unavailable")) >= 10
    # 6. http/https schema.org
    assert any(d.term.endswith("schema.org/") for d in oslo.of("scheme-mixing"))
    # 7. file hygiene: the invalid vocabulary and the Latin-1 codelists are reported, not fatal
    unreadable = {Path(d.file).name for d in oslo.of("unreadable-input")}
    assert {"lblod-cpsv_101.ttl", "gebouw-adres-gebouwstatus.ttl", "gebouw-adres-gebouweenheidstatus.ttl",
            "gebouw-adres-gebouweenheidfunction.ttl"} <= unreadable
    # further real defects this lint found
    assert {d.term for d in oslo.of("path-typo", "perceel-SHACL.ttl")} == {
        "https://data.vlaanderen.be/ns/perceel#geldigheidperiode"}
    assert {Path(d.file).name for d in oslo.of("path-is-class")} == {
        "ipdc-lpdc-instantie-SHACL.ttl", "lblod-2022-06-15-ipdc-lpdc-im-SHACL.ttl"}  # sh:path adres:Straatnaam
    assert oslo.exit_code() == 1


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} (OSLO reference material) is absent")
def test_oslo_lint_cli_without_vocab(run_cli):
    code, out, _ = run_cli("shapes", "lint", OSLO / "shacl", "--format", "json")
    report = json.loads(out)
    assert code == 1
    for rule in ("class-on-literal", "target-is-property", "placeholder-iri", "wrong-scheme", "iri-with-space",
                 "path-typo", "scheme-mixing", "conflicting-cardinality", "codelist-unavailable"):
        assert report["counts"].get(rule), rule
