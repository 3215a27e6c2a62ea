"""The W3C SHACL test suite through the project's validate() interface, both engines.

Measured (benchmarks/shacl_w3c.py, 121 test files = 98 core + 23 SPARQL):
  pySHACL 0.40.1        119/121  (uniqueLang-002: "1"^^xsd:boolean taken as true;
                                  shapesGraph-001: $shapesGraph unsupported)
  pyshacl-turbo 0.6.5   119/121  (uniqueLang-002 likewise; or-datatypes-001: the ill-typed
                                  "none"^^xsd:boolean passes sh:datatype xsd:boolean)
"""

import subprocess
import sys
from pathlib import Path

import pytest

from graph_server.validation import w3c

SHARED = Path(__file__).resolve().parents[3] / "shared"
pytestmark = [pytest.mark.shared,
              pytest.mark.skipif(not w3c.DEFAULT_SUITE.is_dir(), reason=f"{w3c.DEFAULT_SUITE} (W3C test suite in ../shared) is absent")]


@pytest.fixture(scope="module")
def runs():
    import logging
    import warnings

    logging.disable(logging.CRITICAL)  # the suite's ill-typed literals make rdflib log tracebacks
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tests = w3c.discover()
            return {engine: w3c.run_suite(engine, tests=tests) for engine in ("pyshacl", "pyshacl-turbo")}
    finally:
        logging.disable(logging.NOTSET)


def test_suite_size(runs):
    run = runs["pyshacl"]
    assert (run.total("core"), run.total("sparql")) == (98, 23)


def test_pass_counts_per_engine(runs, capsys):
    with capsys.disabled():
        print()
        for line in w3c.table(list(runs.values())):
            print(line)
    assert runs["pyshacl"].passed() >= 119
    assert runs["pyshacl-turbo"].passed() >= 112  # measured 119 with this harness; 112 was reported before


def test_known_deviations(runs):
    assert {o.test.name for o in runs["pyshacl"].failures()} <= {
        "core/property/uniqueLang-002", "sparql/pre-binding/shapesGraph-001"}


def test_benchmark_script_prints_the_table():
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "shacl_w3c.py"
    proc = subprocess.run([sys.executable, str(script), "--engine", "pyshacl"], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].split() == ["engine", "core", "sparql", "total", "seconds"]
    assert proc.stdout.splitlines()[1].split()[:4] == ["pyshacl", "97/98", "22/23", "119/121"]
