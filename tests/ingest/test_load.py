"""Loading a source's accepted N-Quads into the next store generation, one piece per core."""

import pyoxigraph as ox

from graph_server.store import GenerationBuilder, GraphStore, _line_pieces

GRAPHS = ["https://example.org/graph/a", "https://example.org/graph/b"]


def nquads(count: int) -> bytes:
    return b"".join(
        f'<https://example.org/id/{i // 3}> <https://example.org/p{i % 3}> "waarde {i} \\u00e9" <{GRAPHS[i % 2]}> .\n'.encode()
        for i in range(count))


def test_pieces_are_whole_lines_and_add_up_to_the_data():
    data = nquads(60_000)
    for parts in (1, 2, 3, 7):
        pieces = _line_pieces(data, parts)
        assert b"".join(pieces) == data
        assert all(piece.endswith(b"\n") for piece in pieces)
        assert len(pieces) == min(parts, len(data) >> 20)


def test_a_load_in_pieces_stores_the_same_quads_as_one_load(tmp_path):
    data = nquads(60_000)
    dumps = []
    for cores in (1, 3):
        builder = GenerationBuilder(GraphStore(tmp_path / f"store-{cores}"))
        builder.put_nquads(data, GRAPHS, checked=True, cores=cores)
        builder.commit()
        store = GraphStore(tmp_path / f"store-{cores}", read_only=True)
        dumps.append(sorted(store.oxigraph.dump(format=ox.RdfFormat.N_QUADS).splitlines()))
        store.close()
    assert len(dumps[0]) == 60_000
    assert dumps[0] == dumps[1]
