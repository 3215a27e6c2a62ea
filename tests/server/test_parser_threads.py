"""Concurrent first parses must not corrupt rdflib's SPARQL grammar (it did: every query then
failed with 500 until restart). A fresh interpreter per run, a tiny switch interval, 32 threads."""

import subprocess
import sys
from pathlib import Path

CHILD = r"""
import sys, threading
from concurrent.futures import ThreadPoolExecutor
from graph_server.sparql_syntax import parse_query, SparqlSyntaxError
sys.setswitchinterval(1e-6)
QUERIES = [
    "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5",
    "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?d (COUNT(*) AS ?n) WHERE { ?d dct:identifier ?i FILTER(STRSTARTS(?i, 'OV')) } GROUP BY ?d ORDER BY DESC(?n)",
    "ASK { GRAPH ?g { ?s a ?t } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o OPTIONAL { ?o ?q ?r } } LIMIT 3",
    "SELECT (AVG(?v) AS ?a) WHERE { ?o <http://www.w3.org/ns/sosa/hasSimpleResult> ?v BIND(YEAR(NOW()) AS ?y) }",
]
def work(i):
    try:
        parse_query(QUERIES[i % len(QUERIES)])
        return "ok"
    except SparqlSyntaxError:
        return "refused"
    except Exception as exc:
        return type(exc).__name__
with ThreadPoolExecutor(32) as pool:
    outcomes = list(pool.map(work, range(64)))
after = [work(i) for i in range(len(QUERIES))]
print(sorted(set(outcomes)), sorted(set(after)))
"""


def test_concurrent_first_parses_all_succeed():
    root = Path(__file__).resolve().parents[2]
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", CHILD], cwd=root, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr[-2000:]
        assert out.stdout.strip() == "['ok'] ['ok']", out.stdout
