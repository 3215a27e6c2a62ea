"""Loading a source's accepted N-Quads into the next store generation, one share per core."""

import pyoxigraph as ox

from graph_server import store as store_module
from graph_server.store import GenerationBuilder, GraphStore, _shares

GRAPHS = ["https://example.org/graph/a", "https://example.org/graph/b"]


def nquads(start: int, count: int) -> bytes:
    return b"".join(
        f'<https://example.org/id/{i // 3}> <https://example.org/p{i % 3}> "waarde {i} \\u00e9" <{GRAPHS[i % 2]}> .\n'.encode()
        for i in range(start, start + count))


CHUNKS = [nquads(start, 1000) for start in range(0, 30_000, 1000)] + [b""]


def test_shares_keep_every_chunk_in_order_and_are_about_equal():
    for parts in (1, 2, 3, 7):
        shares = _shares(CHUNKS, parts, smallest=1)
        assert [chunk for share in shares for chunk in share] == CHUNKS[:-1]
        assert len(shares) == parts
        sizes = [sum(map(len, share)) for share in shares]
        assert max(sizes) - min(sizes) <= 2 * max(map(len, CHUNKS))
    assert _shares([], 2, smallest=1) == []


def test_shares_are_not_cut_below_the_smallest_size():
    total = sum(map(len, CHUNKS))
    assert len(_shares(CHUNKS, 64, smallest=total // 3)) == 3
    assert len(_shares(CHUNKS, 64, smallest=total + 1)) == 1


def test_a_load_in_shares_stores_the_same_quads_as_one_load(tmp_path, monkeypatch):
    monkeypatch.setattr(store_module, "SMALLEST_LOAD", 1)
    assert len(_shares(CHUNKS, 3, store_module.SMALLEST_LOAD)) == 3
    stored = []
    for cores in (1, 3):
        builder = GenerationBuilder(GraphStore(tmp_path / f"store-{cores}"))
        builder.put_nquads(CHUNKS, GRAPHS, checked=True, cores=cores)
        builder.commit()
        store = GraphStore(tmp_path / f"store-{cores}", read_only=True)
        stored.append(set(store.oxigraph))
        store.close()
    expected = set(ox.parse(b"".join(CHUNKS), format=ox.RdfFormat.N_QUADS))
    assert len(expected) == 30_000
    assert stored[0] == stored[1] == expected
