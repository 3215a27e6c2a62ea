"""The long lane, seen from a client of the SPARQL endpoint: once a kind of query has run long,
more queries of that kind queue among themselves and a counter lookup sent meanwhile is
answered at once. (The runner's own rules are in test_query_runner.)"""

from __future__ import annotations

import threading
import time

from server_fixtures import start_server

# One shape whatever the numbers: literals are blanked in a query's shape. 250 x 250 x 250
# solutions take Oxigraph about a second, far past the long-lane threshold.
ROW = " ".join(str(i) for i in range(250))
HEAVY = f"SELECT (COUNT(*) AS ?n) WHERE {{ VALUES ?a {{ {ROW} }} VALUES ?b {{ {ROW} }} VALUES ?c {{ {ROW} }} }}"
LOOKUP = "SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 1"


def test_lookups_pass_reporting_queries_that_fill_the_long_lane(tmp_path, oidc):
    # max_concurrent_queries = 3 in the test config: one long slot, two short ones. Without
    # lanes, three heavy queries would take every slot and the lookup would wait for them.
    server = start_server(tmp_path, oidc, timeout=60.0)
    try:
        with server.client("balie") as client:
            learn = client.post("/sparql", data={"query": HEAVY})
            assert learn.status_code == 200, learn.text
            assert learn.json()["results"]["bindings"][0]["n"]["value"] == str(250 ** 3)

            finished: dict[str, float] = {}

            def heavy(i: int) -> None:
                with server.client("balie") as own:
                    response = own.post("/sparql", data={"query": HEAVY})
                    assert response.status_code == 200, response.text
                finished[f"heavy-{i}"] = time.monotonic()

            threads = [threading.Thread(target=heavy, args=(i,)) for i in range(3)]
            for thread in threads:
                thread.start()
            time.sleep(0.3)  # the heavy queries are in their lane
            answered = client.get("/sparql", params={"query": LOOKUP})
            finished["lookup"] = time.monotonic()
            for thread in threads:
                thread.join(120)
        assert answered.status_code == 200 and answered.json()["results"]["bindings"]
        assert set(finished) == {"lookup", "heavy-0", "heavy-1", "heavy-2"}
        assert finished["lookup"] < min(finished[f"heavy-{i}"] for i in range(3)), finished
    finally:
        server.stop()
