"""Reproduces a finding of the load test (fixed since: graph_server/sparql_syntax.py parses under a
lock; tests/server/test_parser_threads.py guards it): rdflib's SPARQL parser (pyparsing) is not thread-safe
on its first uses, and the scope gate calls it from several evaluation threads at once.

    .venv/bin/python benchmarks/parser_race.py          # a few fresh interpreters, 32 threads each

pyparsing's `_trim_arity` wrapper finds the arity of each parse action by calling it with
fewer and fewer arguments until one works, keeping `limit` and `found_arity` in a closure that
all threads share. Two threads doing that for the first time at once can push `limit` one too
far and then set `found_arity`: from then on that parse action is called with too few
arguments, every query using that rule fails with `TypeError: Param.postParse2() missing 1
required positional argument: 'tokenList'`, and the endpoint answers 500 to every query until
it is restarted. Meanwhile, valid queries are also refused now and then as syntax errors.

Whether a run hits it depends on thread switches; a short switch interval makes it likely.
A lock around `parseQuery`/`parseUpdate` costs nothing (parsing holds the GIL anyway) and
removes it; parsing one query of each form once at start-up only narrows the window.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHILD = r"""
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
sys.path.insert(0, sys.argv[1])
import threading
from graph_server import sparql_syntax
from tienen_queries import QUERIES

if sys.argv[2] == "lock":  # the proposed fix, applied from outside for the demonstration
    _lock, _unlocked = threading.Lock(), sparql_syntax.parseQuery
    def _locked(text):
        with _lock:
            return _unlocked(text)
    sparql_syntax.parseQuery = _locked
parse_query = sparql_syntax.parse_query

params = {"KEYWORD": '"x"@nl', "DAY": "schema:Monday", "DOSSIER": '"D"', "YEAR": "2025", "NEXT_YEAR": "2026",
          "STREET": '"s"@nl', "ADDRESS": '"a"@nl', "SENSOR": '"S"', "MONTH_START": "2026-01-01T00:00:00Z",
          "MONTH_END": "2026-02-01T00:00:00Z", "THRESHOLD": "50", "PRODUCT": '"P"', "UNIT": '"U"'}
texts = [q.render(params) for q in QUERIES]
sys.setswitchinterval(1e-5)

def work(text):
    try:
        parse_query(text, None)
        return "ok"
    except Exception as exc:
        return type(exc).__name__

with ThreadPoolExecutor(32) as pool:
    during = Counter(pool.map(work, texts * 4))
after = Counter(work(t) for t in texts)
print(dict(during), "| afterwards, one thread:", dict(after))
"""


def main() -> int:
    here = Path(__file__).resolve().parent
    for mode in ("as is", "lock"):
        broken = refused = 0
        print(f"-- parse_query {'with a lock around rdflib' if mode == 'lock' else 'as it is'}")
        for attempt in range(1, 6):
            out = subprocess.run([sys.executable, "-c", CHILD, str(here), mode], capture_output=True, text=True,
                                 cwd=here.parent, env={"PYTHONPATH": str(here.parent), "PATH": ""})
            line = out.stdout.strip() or out.stderr.strip()[-500:]
            print(f"run {attempt}: {line}")
            during, _, after = line.partition("| afterwards")
            broken += "TypeError" in after
            refused += "SparqlSyntaxError" in during
        print(f"   valid queries refused in {refused} of 5 runs; parser broken for good in {broken} of 5\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
