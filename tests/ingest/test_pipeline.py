"""End-to-end ingest of a small generated city: graphs, reconciliation, quarantine, pseudonyms."""

import re
import shutil
import sqlite3

import pyoxigraph as ox
import pytest

from graph_server.ingest.pipeline import run_ingest
from graph_server.store import GraphStore

SK = "https://w3id.org/schakel/ns#"


def query(store_root, sparql):
    store = GraphStore(store_root, read_only=True)
    try:
        result = store.oxigraph.query(sparql)
        return bool(result) if isinstance(result, ox.QueryBoolean) else list(result)
    finally:
        store.close()


def test_every_source_fills_its_graphs(ingested, config):
    report, _ = ingested
    assert [run.source for run in report.runs if run.outcome != "loaded"] == []
    for name in ("adressen", "organisatie", "catalogus", "dossiers", "personen", "meldingen", "sensoren", "sociaal",
                 "ontologie", "provenance", "quarantaine"):
        assert report.graph_sizes.get(config.graph_iri(name), 0) > 0, name


def test_reported_graph_sizes_are_the_stored_ones(ingested, sources, config, tmp_path, stored_sizes):
    report, store_root = ingested
    assert report.graph_sizes == stored_sizes(store_root)
    copy = tmp_path / "store"
    shutil.copytree(store_root, copy)
    # a re-ingest of one source: the other graphs are carried over, not loaded
    again = run_ingest(sources, config, store_root=copy, only=["organisatie"], log=None)
    assert again.graph_sizes == stored_sizes(copy)
    assert again.graph_sizes[config.graph_iri("dossiers")] == report.graph_sizes[config.graph_iri("dossiers")]


def test_every_record_is_accounted_for(ingested):
    report, _ = ingested
    for run in report.runs:
        assert run.records_read > 0, run.source
        assert run.records_read == run.records_loaded + run.records_quarantined, run.source


def test_provenance_records_counts_and_checksums(ingested, config):
    report, store_root = ingested
    rows = query(store_root, f"""
        PREFIX sk: <{SK}> PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?source ?read ?loaded ?quarantined ?sha WHERE {{ GRAPH <{config.graph_iri('provenance')}> {{
          ?run sk:source ?source ; sk:recordsRead ?read ; sk:recordsLoaded ?loaded ; sk:recordsQuarantined ?quarantined ;
               prov:used/sk:sha256 ?sha ; prov:endedAtTime ?end . }} }}""")
    by_source = {row["source"].value: row for row in rows}
    for run in report.runs:
        row = by_source[run.source]
        assert int(row["read"].value) == run.records_read
        assert int(row["loaded"].value) + int(row["quarantined"].value) == run.records_read
        assert re.fullmatch(r"[0-9a-f]{64}", row["sha"].value)


@pytest.mark.parametrize("kind", ["missing_mandatory", "invalid_date", "outside_city", "unknown_code"])
def test_dirty_records_land_in_quarantine_with_reasons(ingested, dirt, config, kind):
    _, store_root = ingested
    rows = query(store_root, f"""
        PREFIX sk: <{SK}>
        SELECT ?record ?reason WHERE {{ GRAPH <{config.graph_iri('quarantaine')}> {{
          ?q a sk:QuarantinedRecord ; sk:record ?record ; sk:reason ?reason }} }}""")
    quarantined = {}
    for row in rows:
        quarantined.setdefault(row["record"].value, []).append(row["reason"].value)
    injected = [(source, str(item)) for source, kinds in dirt["sources"].items() for item in kinds.get(kind, [])]
    assert injected, f"the generator reported no {kind} records"
    for source, record_id in injected:
        matches = [record for record in quarantined if record.startswith(f"{source}/")
                   and record.split("/", 2)[2] in (record_id, f"#{record_id}")
                   or record.split("/", 2)[2].split("|")[0] == record_id and record.startswith(f"{source}/sensor/")]
        assert matches, f"{kind} record {source}/{record_id} is not in quarantine"
        assert all(quarantined[m] and all(reason.strip() for reason in quarantined[m]) for m in matches)


def test_quarantined_records_do_not_reach_the_live_graphs(ingested, dirt, config):
    _, store_root = ingested
    bad_dossiers = [r for r in dirt["sources"].get("crm", {}).get("invalid_date", []) if not str(r).isdigit()]
    assert bad_dossiers, "the generator reported no crm dossier with an invalid date"
    for number in bad_dossiers:
        rows = query(store_root, f"""ASK {{ GRAPH <{config.graph_iri('dossiers')}> {{
            ?d <http://purl.org/dc/terms/identifier> "{number}" }} }}""")
        assert rows is False, f"quarantined dossier {number} is in the live dossiers graph"


def test_no_national_number_enters_the_graph(ingested, sources):
    _, store_root = ingested
    with sqlite3.connect(sources / "crm" / "crm.sqlite") as db:
        numbers = {re.sub(r"\D", "", n) for (n,) in db.execute("SELECT rijksregisternummer FROM contact") if n}
    store = GraphStore(store_root, read_only=True)
    try:
        dump = store.oxigraph.dump(format=ox.RdfFormat.N_QUADS).decode("utf-8")
    finally:
        store.close()
    digits_in_graph = set(re.findall(r"\d{11}", dump))
    assert numbers, "the crm export has no national numbers to check"
    assert not numbers & digits_in_graph
    assert re.search(r"/id/persoon/[0-9a-f]{32}>", dump)


def test_persons_are_deduplicated_across_applications(ingested, config):
    _, store_root = ingested
    rows = query(store_root, f"""
        SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{
          GRAPH <{config.graph_iri('personen')}> {{ ?p a <http://www.w3.org/ns/person#Person> }}
          GRAPH <{config.graph_iri('sociaal')}> {{ ?d <{SK}client> ?p }} }}""")
    assert int(rows[0]["n"].value) > 0, "no social-welfare client is linked to the same person IRI as in the CRM"


def test_units_are_shared_across_sources(ingested, config):
    _, store_root = ingested
    rows = query(store_root, f"""
        SELECT (COUNT(DISTINCT ?unit) AS ?n) WHERE {{
          GRAPH <{config.graph_iri('dossiers')}> {{ ?d <{SK}behandelendeDienst> ?unit }}
          GRAPH <{config.graph_iri('organisatie')}> {{ ?unit a <http://www.w3.org/ns/org#OrganizationalUnit> }} }}""")
    assert int(rows[0]["n"].value) >= 3
