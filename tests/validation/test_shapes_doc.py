"""`schakel shapes doc`: HTML and Markdown documentation of the application profile."""

from pathlib import Path

from rdflib import Graph

from graph_server.validation.profile_doc import build_model


def test_doc_generation(run_cli, fixtures, tmp_path):
    out = tmp_path / "doc"
    code, _, err = run_cli("shapes", "doc", "--shapes", fixtures / "shapes", "--ontology", fixtures / "ontology",
                           "--out", out)
    assert code == 0, err
    md = (out / "index.md").read_text(encoding="utf-8")
    html = (out / "index.html").read_text(encoding="utf-8")
    # per class, nl/en labels and definitions from the ontology
    assert "## adresvoorstelling / address representation" in md
    assert "Definitie: Adres zoals een toepassing het noteerde." in md
    assert "Definition: Address as an application recorded it." in md
    # properties with cardinality, datatype, labels; the class merges both profiles
    assert "| `locn:postCode` | postcode: Postcode van het adres. | postal code: Postal code of the address. | 1..1 | `xsd:string` |" in md
    assert "| `locn:fullAddress` |" in md and "1..1" in md
    assert "(adresvoorstelling.ttl, gebouwenregister.ttl)" in md
    assert "pattern ^[1-9][0-9]{3}$" in md
    assert "(Warning)" in md  # the SHOULD level of thoroughfare
    assert "<h2>adresvoorstelling" in html and 'lang="en"' in html
    # examples: one Turtle file per class that parses and types the instance
    examples = sorted(p.name for p in (out / "examples").glob("*.ttl"))
    assert examples == ["Address.ttl", "Gebouw.ttl"]
    example = Graph().parse(out / "examples/Address.ttl", format="turtle")
    assert len(example) >= 6
    assert "```turtle" in md and 'locn:postCode "3300"' in md


def test_codelist_values_are_listed_with_labels(fixtures):
    classes = {c.curie: c for c in build_model([fixtures / "lint/clean"], [fixtures / "vocab"])}
    person = classes["t:Persoon"]
    status = next(p for p in person.properties if p.path == "t:status")
    assert [v for v, _ in status.codelist] == ["<https://data.tienen.be/id/concept/status/actief>",
                                                "<https://data.tienen.be/id/concept/status/inactief>"]
    assert person.label.nl == "persoon" and person.label.en == "person"
    owner = next(p for p in person.properties if p.path == "t:heeftEigenaar")
    assert owner.class_ == "t:Persoon" and owner.class_anchor == "Persoon"  # linked to its own section


def test_doc_on_the_project_profile(tmp_path):
    """The project's shapes/ and ontology/ document cleanly."""
    from graph_server.commands.shapes import DEFAULT_ONTOLOGY, DEFAULT_SHAPES
    from graph_server.validation.profile_doc import build_documentation

    assert any(DEFAULT_SHAPES.glob("*.ttl")), f"{DEFAULT_SHAPES} holds no Turtle files"
    written = build_documentation([DEFAULT_SHAPES], [DEFAULT_ONTOLOGY] if DEFAULT_ONTOLOGY.exists() else [],
                                  tmp_path)
    for path in written:
        if path.suffix == ".ttl":
            Graph().parse(path, format="turtle")
    assert (tmp_path / "index.html").stat().st_size > 1000


def test_doc_missing_shapes_exits_2(run_cli, tmp_path):
    code, _, err = run_cli("shapes", "doc", "--shapes", tmp_path / "nope", "--out", tmp_path / "out")
    assert code == 2 and "nope" in err
    Path(tmp_path / "empty").mkdir()
    code, _, err = run_cli("shapes", "doc", "--shapes", tmp_path / "empty", "--out", tmp_path / "out")
    assert code == 2 and "no SHACL shapes" in err
