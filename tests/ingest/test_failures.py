"""Bad input and crashes: one clear line naming the file, other sources still load, and the
store keeps its last good version."""

import json
import shutil

import pytest

from graph_server.cli import main
from graph_server.ingest.pipeline import run_ingest
from graph_server.store import GraphStore


class Crash(RuntimeError):
    pass


@pytest.fixture
def workspace(sources, ingested, tmp_path):
    """A private copy of the generated sources and of the ingested store."""
    _, store_root = ingested
    copy_sources = tmp_path / "sources"
    shutil.copytree(sources, copy_sources)
    copy_store = tmp_path / "store"
    shutil.copytree(store_root, copy_store)
    return copy_sources, copy_store


def test_crash_between_mapping_and_swap_keeps_the_old_graphs(workspace, config, stored_sizes):
    sources, store_root = workspace
    before = stored_sizes(store_root)
    (sources / "crm" / "crm.sqlite").unlink()  # the new run would load no CRM at all

    def crash():
        raise Crash("power cut")

    with pytest.raises(Crash):
        run_ingest(sources, config, store_root=store_root, only=["gis", "organisatie", "crm"], before_swap=crash, log=None)
    assert stored_sizes(store_root) == before
    assert len(list(store_root.glob("gen-*"))) == 1  # the half-built generation was removed


def run_cli(sources, store_root, capsys, only):
    # Only the broken source plus two healthy ones: enough to show the others still load.
    selection = [arg for name in ("gis", "organisatie", only) for arg in ("--only", name)]
    code = main(["ingest", "--sources", str(sources), "--store", str(store_root), "--no-progress", *selection])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def corrupt(sources, case):
    if case == "missing_folder":
        shutil.rmtree(sources / "meldingen")
        return "meldingen", "meldingen"
    if case == "broken_json":
        path = sources / "meldingen" / "meldingen.json"
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: len(text) // 2], encoding="utf-8")
        return "meldingen", "meldingen.json:"
    if case == "wrong_csv_header":
        path = sources / "sensoren" / "metingen.csv"
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        lines[0] = lines[0].replace("waarde", "value")
        path.write_text("".join(lines), encoding="utf-8")
        return "sensoren", "metingen.csv:1"
    if case == "corrupt_sqlite":
        path = sources / "crm" / "crm.sqlite"
        data = bytearray(path.read_bytes())
        data[:100] = b"\x00" * 100
        path.write_bytes(bytes(data))
        return "crm", "crm.sqlite"
    if case == "unreadable_file":
        path = sources / "productcatalogus" / "producten.json"
        path.unlink()
        path.mkdir()
        return "productcatalogus", "producten.json"
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["missing_folder", "broken_json", "wrong_csv_header", "corrupt_sqlite", "unreadable_file"])
def test_bad_input_fails_one_source_and_keeps_its_last_good_graphs(workspace, config, capsys, case, stored_sizes):
    sources, store_root = workspace
    before = stored_sizes(store_root)
    failed_source, named = corrupt(sources, case)
    code, out, err = run_cli(sources, store_root, capsys, failed_source)
    assert code == 1
    error_lines = [line for line in err.splitlines() if line.startswith("schakel: error:")]
    assert len(error_lines) == 1 and named in error_lines[0], err
    assert "Traceback" not in err + out
    after = stored_sizes(store_root)
    for graph in {"crm": ["dossiers", "personen"], "meldingen": ["meldingen"], "sensoren": ["sensoren"],
                  "productcatalogus": ["catalogus"]}[failed_source]:
        assert after[config.graph_iri(graph)] == before[config.graph_iri(graph)], graph
    # the other sources still loaded in this run
    assert f"{'organisatie':<17} read" in out


def test_unknown_source_is_a_clear_error(workspace, capsys):
    sources, store_root = workspace
    code = main(["ingest", "--sources", str(sources), "--store", str(store_root), "--only", "boekhouding", "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1
    assert "unknown source 'boekhouding'" in err and "Traceback" not in err


def test_missing_sources_folder_is_a_clear_error(tmp_path, capsys):
    code = main(["ingest", "--sources", str(tmp_path / "nowhere"), "--store", str(tmp_path / "store"), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 2 and "nowhere" in err and "not found" in err


def test_pseudonyms_are_stable_for_one_secret_and_change_with_another(sources, config, tmp_path, monkeypatch):
    def persons(secret, name):
        monkeypatch.setenv(config.pseudonym_secret_env, secret)
        store_root = tmp_path / name
        run_ingest(sources, config, store_root=store_root, only=["gis", "sociaal"], log=None)
        store = GraphStore(store_root, read_only=True)
        try:
            return {row["p"].value for row in store.oxigraph.query(
                f"SELECT ?p {{ GRAPH <{config.graph_iri('sociaal')}> {{ ?p a <http://www.w3.org/ns/person#Person> }} }}")}
        finally:
            store.close()

    first, again, other = persons("s3cret", "a"), persons("s3cret", "b"), persons("another", "c")
    assert first and first == again
    assert not first & other


def test_dirt_report_is_honest_about_duplicates(dirt):
    assert dirt["sources"]["crm"].get("duplicate_person"), json.dumps(dirt["rates"])


def test_ingest_into_a_store_in_use_says_so(workspace, capsys):
    sources, store_root = workspace
    holder = GraphStore(store_root)  # as a running `schakel serve` holds it
    try:
        code = main(["ingest", "--sources", str(sources), "--store", str(store_root), "--only", "sociaal", "--no-progress"])
    finally:
        holder.close()
    err = capsys.readouterr().err
    assert code == 2
    assert "in use by another process" in err and "Traceback" not in err
