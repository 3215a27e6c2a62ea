"""Address linking against the generator's truth: how many CRM addresses that exist in the
register end up linked to the right GIS address."""

import csv

from graph_server.store import GraphStore

SK = "https://w3id.org/schakel/ns#"


def linked_addresses(store_root, config, graph, subject_kind):
    store = GraphStore(store_root, read_only=True)
    try:
        rows = store.oxigraph.query(f"""
            SELECT ?s ?adres WHERE {{ GRAPH <{config.graph_iri(graph)}> {{
              ?s <{SK}bronRecord> ?record ; <http://www.w3.org/ns/locn#address> ?a .
              ?a <https://data.vlaanderen.be/ns/adres#verwijstNaar> ?adres }} }}""")
        return {row["s"].value.rsplit("/", 1)[-1]: int(row["adres"].value.rsplit("/", 1)[-1]) for row in rows}
    finally:
        store.close()


def test_at_least_95_percent_of_register_addresses_link_correctly(ingested, sources, config):
    _, store_root = ingested
    dossiers = linked_addresses(store_root, config, "dossiers", "dossier")
    with (sources / "truth" / "adressen.csv").open(encoding="utf-8") as handle:
        truth = [row for row in csv.DictReader(handle)
                 if row["source"] == "crm" and row["entity"] == "dossier" and row["kind"] in ("exact", "variant")]
    assert len(truth) > 100
    right = sum(1 for row in truth if dossiers.get(row["record"]) == int(row["adres_id"]))
    wrong = sum(1 for row in truth if row["record"] in dossiers and dossiers[row["record"]] != int(row["adres_id"]))
    rate = right / len(truth)
    print(f"crm dossier addresses in the register: {len(truth)}, linked right: {right} ({rate:.1%}), linked wrong: {wrong}")
    assert rate >= 0.95
    assert wrong / len(truth) < 0.005, "a wrong link is worse than none: it must stay very rare"


def test_unknown_addresses_are_kept_as_text_not_guessed(ingested, sources, config):
    _, store_root = ingested
    dossiers = linked_addresses(store_root, config, "dossiers", "dossier")
    with (sources / "truth" / "adressen.csv").open(encoding="utf-8") as handle:
        unknown = [row["record"] for row in csv.DictReader(handle)
                   if row["source"] == "crm" and row["entity"] == "dossier" and row["kind"] == "unknown"]
    assert unknown
    assert not [record for record in unknown if record in dossiers]
