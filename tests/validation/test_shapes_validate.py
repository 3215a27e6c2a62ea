"""`schakel shapes validate`: exit codes, formats, nl/en messages, levels, per-profile union."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF

from graph_server.validation import validate
from graph_server.validation.engine import SH
from graph_server.validation.messages import Prefixes, describe
from graph_server.validation.policy import (PolicyError, apply_levels, load_data, load_shape_set,
                                            run_profiles)

SHARED = Path(__file__).resolve().parents[3] / "shared"

def shapes_args(fixtures):
    return ["--shapes", fixtures / "shapes"]


@pytest.mark.parametrize("engine", ["pyshacl", "pyshacl-turbo"])
def test_valid_data_exits_0(run_cli, fixtures, engine):
    code, out, err = run_cli("shapes", "validate", fixtures / "data/valid.ttl", *shapes_args(fixtures),
                             "--engine", engine)
    assert code == 0, out + err
    assert "CONFORM / CONFORMS" in out and "NIET" not in out


@pytest.mark.parametrize("engine", ["pyshacl", "pyshacl-turbo"])
def test_violations_exit_1_with_dutch_and_english_messages(run_cli, fixtures, engine):
    code, out, _ = run_cli("shapes", "validate", fixtures / "data/invalid.ttl", *shapes_args(fixtures),
                           "--engine", engine)
    assert code == 1
    assert "NIET CONFORM / DOES NOT CONFORM: 4 overtredingen, 1 waarschuwing, 1 info" in out
    # generated from the constraint component + its parameters, in both languages
    assert "Verplicht veld ontbreekt: locn:fullAddress (minstens 1 waarde)" in out
    assert "Required value missing: locn:fullAddress (at least 1 value)" in out
    assert 'Ongeldig formaat voor locn:postCode: "33000" volgt het patroon ^[1-9][0-9]{3}$ niet' in out
    assert 'Wrong datatype for adres:Adresvoorstelling.huisnummer: "27"^^xsd:integer is not of type xsd:string' in out
    assert "Onbekende codelijstwaarde voor gebouw:Gebouw.status" in out
    # focus node, path, value and source shape are named
    assert "focus ex:av2 | pad/path locn:postCode | waarde/value \"33000\"" in out
    assert "shp:GebouwAdresShape › locn:fullAddress  (gebouwenregister.ttl)" in out


def test_warnings_fail_unless_allowed_and_infos_never_fail(run_cli, fixtures):
    args = ["shapes", "validate", fixtures / "data/warning-only.ttl", *shapes_args(fixtures)]
    assert run_cli(*args)[0] == 1
    assert run_cli(*args, "--allow-warnings")[0] == 0
    code, out, _ = run_cli("shapes", "validate", fixtures / "data/info-only.ttl", *shapes_args(fixtures))
    assert code == 0
    assert "1 info" in out and "[Info]" in out


def test_parse_error_exits_2_with_one_line_naming_file_and_line(run_cli, fixtures):
    code, out, err = run_cli("shapes", "validate", fixtures / "data/broken.ttl", *shapes_args(fixtures))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "broken.ttl:3:" in lines[0] and "Traceback" not in err


def test_unreadable_file_exits_2(run_cli, fixtures, tmp_path):
    code, _, err = run_cli("shapes", "validate", tmp_path / "missing.ttl", *shapes_args(fixtures))
    assert code == 2 and "missing.ttl" in err and len(err.strip().splitlines()) == 1
    bad_shapes = tmp_path / "shapes.ttl"
    bad_shapes.write_text("@prefix sh: <http://www.w3.org/ns/shacl#> .\nsh:x sh:y \n", encoding="utf-8")
    code, _, err = run_cli("shapes", "validate", fixtures / "data/valid.ttl", "--shapes", bad_shapes)
    assert code == 2 and "shapes.ttl:" in err


def test_no_traceback_in_a_real_process(fixtures):
    script = ("import sys; from graph_server import cli; cli.COMMANDS = {'shapes': 'shapes'}; "
              "sys.exit(cli.main(sys.argv[1:]))")
    proc = subprocess.run([sys.executable, "-c", script, "shapes", "validate", str(fixtures / "data/broken.ttl"),
                           "--shapes", str(fixtures / "shapes")], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", ["invalid.nt", "invalid.jsonld", "invalid.trig"])
def test_data_formats_by_extension_give_the_same_results(run_cli, fixtures, name):
    code, out, _ = run_cli("shapes", "validate", fixtures / "data" / name, *shapes_args(fixtures), "--format", "json")
    assert code == 1
    assert json.loads(out)["counts"] == {"Violation": 4, "Warning": 1, "Info": 1}


def test_json_groups_and_counts_per_shape(run_cli, fixtures):
    code, out, _ = run_cli("shapes", "validate", fixtures / "data/invalid.ttl", fixtures / "data/warning-only.ttl",
                           *shapes_args(fixtures), "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["conforms"] is False and report["passes"] is False
    groups = {g["shape"]: g for g in report["groups"]}
    # two addresses miss the SHOULD thoroughfare: one group, counted twice
    thoroughfare = groups["shp:AdresvoorstellingShape › locn:thoroughfare"]
    assert thoroughfare["count"] == 2 and thoroughfare["counts"] == {"Warning": 2}
    result = thoroughfare["results"][0]
    assert set(result) >= {"focus_node", "path", "value", "source_shape", "severity", "constraint", "message"}
    assert result["message"]["nl"].startswith("Verplicht veld ontbreekt")
    assert result["message"]["en"].startswith("Required value missing")
    assert report["support_files"][0].endswith("gebouwstatus-codelijst.ttl")
    assert [p["file"] for p in report["profiles"]] == ["adresvoorstelling.ttl", "gebouwenregister.ttl"]


def test_turtle_report_is_a_shacl_report_with_nl_and_en_messages(run_cli, fixtures):
    code, out, _ = run_cli("shapes", "validate", fixtures / "data/invalid.ttl", *shapes_args(fixtures),
                           "--format", "turtle")
    assert code == 1
    graph = Graph().parse(data=out, format="turtle")
    report = next(graph.subjects(RDF.type, SH.ValidationReport))
    assert graph.value(report, SH.conforms) == Literal(False)
    results = list(graph.objects(report, SH.result))
    assert len(results) == 6
    languages = {m.language for r in results for m in graph.objects(r, SH.resultMessage)}
    assert languages == {"nl", "en"}


def test_markdown_and_html_reports(run_cli, fixtures, tmp_path):
    code, out, _ = run_cli("shapes", "validate", fixtures / "data/invalid.ttl", *shapes_args(fixtures), "--format", "md")
    assert code == 1
    assert out.startswith("# SHACL-validatie") and "| focus |" in out
    assert "Verplicht veld ontbreekt: locn:fullAddress" in out
    target = tmp_path / "report.html"
    code, out, err = run_cli("shapes", "validate", fixtures / "data/invalid.ttl", *shapes_args(fixtures),
                             "--format", "html", "-o", target)
    assert code == 1 and out == "" and "NIET CONFORM" in err
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Required value missing" in html
    assert "&lt;https://data.vlaanderen.be/id/concept/gebouwstatus/onbekend&gt;" in html  # escaped


def test_result_is_the_union_of_per_file_runs(fixtures):
    """Each profile file runs on its own; the report holds exactly the results of those runs."""
    shape_set = load_shape_set([fixtures / "shapes"])
    data, _ = load_data([fixtures / "data/invalid.ttl"])
    report = run_profiles(data, shape_set)
    expected = 0
    with_codelist = Graph()
    with_codelist += data
    with_codelist += shape_set.support
    for profile in shape_set.profiles:
        run = validate(with_codelist, apply_levels(profile.graph))
        expected += len(run.results)
        assert sum(f.profile == profile.name for f in report.findings) == len(run.results)
    assert len(report.findings) == expected == 6


def test_profiles_with_the_same_shape_iri_are_not_merged(tmp_path, fixtures):
    """Two files define shp:S for one class: merged, both constraints would bind one shape;
    per file, each file's version is checked and reported under its own file name."""
    head = ("@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://data.tienen.be/id/> . "
            "@prefix shp: <https://data.tienen.be/shapes/test#> .\n")
    (tmp_path / "a.ttl").write_text(head + "shp:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .\n")
    (tmp_path / "b.ttl").write_text(head + "shp:S sh:targetClass ex:C ; sh:property [ sh:path ex:q ; sh:minCount 1 ] .\n")
    data = Graph().parse(data="<https://data.tienen.be/id/x> a <https://data.tienen.be/id/C> ; "
                              "<https://data.tienen.be/id/p> 1 .", format="turtle")
    report = run_profiles(data, load_shape_set([tmp_path]))
    assert [(f.profile, f.path) for f in report.findings] == [("b.ttl", "ex:q")]


def test_levels_map_to_severities(fixtures):
    graph = load_shape_set([fixtures / "shapes/gebouwenregister.ttl"]).profiles[0].graph
    leveled = apply_levels(graph)
    shape = next(s for s in leveled.subjects(SH.targetClass, None) if str(s).endswith("GebouwShape"))
    prop = next(leveled.objects(shape, SH.property))
    assert leveled.value(shape, SH.severity) == SH.Violation
    assert leveled.value(prop, SH.severity) == SH.Violation  # inherited from the node shape
    assert graph.value(prop, SH.severity) is None  # the input graph is not modified


def test_unknown_level_cannot_run(tmp_path, run_cli, fixtures):
    (tmp_path / "s.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix schakel: <https://data.tienen.be/ns/schakel#> .\n"
        "<urn:s> sh:targetClass <urn:C> ; schakel:level \"SOMETIMES\" ; sh:property [ sh:path <urn:p> ; sh:minCount 1 ] .\n")
    with pytest.raises(PolicyError):
        run_profiles(Graph(), load_shape_set([tmp_path]))
    code, _, err = run_cli("shapes", "validate", fixtures / "data/valid.ttl", "--shapes", tmp_path / "s.ttl")
    assert code == 2 and "SOMETIMES" in err


def test_default_shapes_folder(monkeypatch, run_cli, fixtures):
    from graph_server.commands import shapes as command

    monkeypatch.setattr(command, "DEFAULT_SHAPES", fixtures / "shapes")
    code, out, _ = run_cli("shapes", "validate", fixtures / "data/valid.ttl")
    assert code == 0 and "adresvoorstelling.ttl, gebouwenregister.ttl" in out


def test_project_shapes_load():
    """The project's shapes/ folder loads as profiles."""
    from graph_server.commands.shapes import DEFAULT_SHAPES

    assert any(DEFAULT_SHAPES.glob("*.ttl")), f"{DEFAULT_SHAPES} holds no Turtle files"
    shape_set = load_shape_set([DEFAULT_SHAPES])
    assert shape_set.profiles
    report = run_profiles(Graph(), shape_set)
    assert report.conforms  # no data, no results


MESSAGE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix adres: <https://data.vlaanderen.be/ns/adres#> . @prefix ex: <https://data.tienen.be/id/> .
ex:S sh:targetNode ex:a ;
  sh:property [ sh:path adres:huisnummer ; sh:minCount 1 ] ,
              [ sh:path adres:busnummer ; sh:maxCount 1 ] ,
              [ sh:path ex:kleur ; sh:in ( ex:rood ex:groen ) ] ,
              [ sh:path ex:taal ; sh:languageIn ( "nl" "en" ) ] ,
              [ sh:path ex:aantal ; sh:minInclusive 0 ] ,
              [ sh:path ( ex:ouder ex:naam ) ; sh:minLength 2 ] ,
              [ sh:path [ sh:inversePath ex:kind ] ; sh:nodeKind sh:IRI ] .
ex:a adres:busnummer "1", "2" ; ex:kleur ex:blauw ; ex:taal "bonjour"@fr ; ex:aantal -1 ;
  ex:ouder [ ex:naam "x" ] .
ex:b ex:kind ex:a . _:c ex:kind ex:a .
"""


@pytest.mark.parametrize("engine", ["pyshacl", "pyshacl-turbo"])
def test_messages_for_each_constraint_component(engine):
    graph = Graph().parse(data=MESSAGE_SHAPES, format="turtle")
    report = validate(graph, graph, engine=engine)
    prefixes = Prefixes(graph)
    texts = {r.constraint: describe(r, graph, prefixes, report.report_graph) for r in report.results}
    assert texts["MinCountConstraintComponent"].nl == "Verplicht veld ontbreekt: adres:huisnummer (minstens 1 waarde)"
    assert texts["MinCountConstraintComponent"].en == "Required value missing: adres:huisnummer (at least 1 value)"
    assert texts["MaxCountConstraintComponent"].nl == "Te veel waarden voor adres:busnummer (hoogstens 1 waarde)"
    assert texts["InConstraintComponent"].en == "Value not allowed for ex:kleur: ex:blauw (allowed: ex:rood, ex:groen)"
    assert texts["LanguageInConstraintComponent"].nl.startswith('Taal niet toegelaten voor ex:taal: "bonjour"@fr')
    assert texts["MinInclusiveConstraintComponent"].en == 'Value out of range for ex:aantal: "-1"^^xsd:integer must be at least 0'
    assert texts["MinLengthConstraintComponent"].nl == 'Te kort voor ex:ouder/ex:naam: "x" (minstens 2 tekens)'
    assert texts["NodeKindConstraintComponent"].en.startswith("Wrong kind of value for ^ex:kind:")


@pytest.mark.shared
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} (OSLO reference material) is absent")
def test_oslo_langstring_defect_shows_as_shape_defect(tmp_path, run_cli):
    """README defect 1: a correct Adresvoorstelling fails the published adresregister shapes
    4 times; the messages say the shape is at fault."""
    data = tmp_path / "adres.ttl"
    data.write_text("""
@prefix locn: <http://www.w3.org/ns/locn#> . @prefix adres: <https://data.vlaanderen.be/ns/adres#> .
<https://data.tienen.be/id/av1> a locn:Address ; locn:thoroughfare "Grote Markt"@nl ; locn:postName "Tienen"@nl ;
  adres:gemeentenaam "Tienen"@nl ; locn:fullAddress "Grote Markt 27, 3300 Tienen"@nl ; locn:postCode "3300" ;
  adres:Adresvoorstelling.huisnummer "27" .
""", encoding="utf-8")
    code, out, _ = run_cli("shapes", "validate", data, "--shapes",
                           SHARED / "oslo/shacl/adresregister-SHACL.published.ttl", "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["counts"]["Violation"] == 4
    messages = [r["message"]["en"] for g in report["groups"] for r in g["results"]]
    assert all(m.startswith("Defect in the shape, not in the data") for m in messages)


def test_engine_refusing_the_shapes_exits_2(run_cli, fixtures):
    """pyshacl-turbo rejects a shape IRI with a space (the subsidieregister defect): one line, exit 2."""
    code, out, err = run_cli("shapes", "validate", fixtures / "data/valid.ttl", "--shapes",
                             fixtures / "lint/single/iri-with-space.ttl", "--engine", "pyshacl-turbo")
    assert code == 2 and out == ""
    assert "iri-with-space.ttl: the SHACL engine refused the shapes" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
