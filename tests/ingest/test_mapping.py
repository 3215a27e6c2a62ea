"""Running a mapping: it may write only to its source's graphs, and Morph-KGC's parsed rules
are cached per mapping text without changing what a mapping produces."""

import shutil

import pytest

from graph_server.ingest.mapping import MAPPINGS_DIR, run_mapping
from graph_server.ingest.records import Extract, SourceError

MAPPING = """
mappings:
  ding:
    sources: [[${STAGING}/ding.csv~csv]]
    s: ${BASE}id/ding/$(id)
    graph: ${BASE}graph/organisatie
    po:
      - [a, org:Organization]
      - [sk:bronRecord, $(bron_record)]
      - [rdfs:label, $(naam), nl~lang]
"""


def extract() -> Extract:
    rows = [{"bron_record": f"demo/ding/{i}", "id": str(i), "naam": f'Ding "{i}"'} for i in range(1, 4)]
    return Extract("demo", tables={"ding": rows}, records_read=len(rows))


def mapping_file(tmp_path, text=MAPPING):
    folder = tmp_path / "mappings"
    folder.mkdir(exist_ok=True)
    shutil.copy(MAPPINGS_DIR / "_prefixes.yml", folder / "_prefixes.yml")
    path = folder / "demo.yml"
    path.write_text(text, encoding="utf-8")
    return path


def run(config, mapping, staging, cache_dir):
    return set(run_mapping(extract(), mapping, config, staging, {config.graph_iri("organisatie")}, cache_dir=cache_dir))


def test_cached_rules_give_the_same_triples_as_a_fresh_parse(config, tmp_path):
    mapping, cache = mapping_file(tmp_path), tmp_path / "cache"
    fresh = run(config, mapping, tmp_path / "staging-a", None)
    first = run(config, mapping, tmp_path / "staging-b", cache)
    assert len(list(cache.iterdir())) == 1
    cached = run(config, mapping, tmp_path / "staging-c", cache)  # another staging folder, as in every run
    assert len(fresh) == 9
    assert fresh == first == cached
    assert any('"Ding \\"2\\""@nl' in line for line in cached)


def test_a_changed_mapping_is_parsed_again(config, tmp_path):
    cache = tmp_path / "cache"
    before = run(config, mapping_file(tmp_path), tmp_path / "staging-a", cache)
    first_entry = list(cache.iterdir())
    changed = mapping_file(tmp_path, MAPPING.replace("rdfs:label", "skos:prefLabel"))
    after = run(config, changed, tmp_path / "staging-b", cache)
    assert any("rdf-schema#label" in line for line in before)
    assert not any("rdf-schema#label" in line for line in after)
    assert sum("core#prefLabel" in line for line in after) == 3
    entries = list(cache.iterdir())
    assert len(entries) == 1 and entries != first_entry  # the old mapping's entry is gone


def test_replacing_an_entry_leaves_other_sources_entries(config, tmp_path):
    cache = tmp_path / "cache"
    other = cache / f"demo-x-{'0' * 32}.pickle"  # a source named "demo-x"
    other.parent.mkdir()
    other.write_bytes(b"kept")
    run(config, mapping_file(tmp_path), tmp_path / "staging", cache)
    assert other.read_bytes() == b"kept"
    assert len(list(cache.iterdir())) == 2


def test_an_unreadable_cache_entry_is_parsed_again(config, tmp_path):
    mapping, cache = mapping_file(tmp_path), tmp_path / "cache"
    expected = run(config, mapping, tmp_path / "staging-a", cache)
    (entry,) = cache.iterdir()
    entry.write_bytes(b"not a pickle")
    assert run(config, mapping, tmp_path / "staging-b", cache) == expected
    assert entry.read_bytes() != b"not a pickle"


@pytest.mark.parametrize("graph", ["sensoren", None])
def test_a_mapping_writing_outside_its_graphs_fails_the_source(config, tmp_path, graph):
    text = MAPPING.replace("graph/organisatie", f"graph/{graph}") if graph else MAPPING.replace(
        "    graph: ${BASE}graph/organisatie\n", "")
    with pytest.raises(SourceError, match="writes outside the graphs declared") as failure:
        run(config, mapping_file(tmp_path, text), tmp_path / "staging", None)
    assert f"({config.graph_iri(graph) if graph else 'default graph'})" in str(failure.value)
