"""The W3C SPARQL 1.1 Protocol and Graph Store Protocol manifests from ../shared, replayed
against a real server with our own runner (as role `beheerder`, which sees every graph: the
manifests use their own graph IRIs). `/sparql/` paths are rewritten to `/sparql`, `/gsp` paths
to `/graph-store`."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import rdflib
from rdflib import RDF, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic

from server_fixtures import start_server

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "w3c-rdf-tests"
PROTOCOL = SHARED / "protocol" / "manifest.ttl"
GSP = SHARED / "graph-store-protocol" / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = "http://www.w3.org/2011/http-statusCodes#"
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = rdflib.RDFS
STATUS = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}

pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/w3c-rdf-tests is absent (reference material "
                                                   "present in CI, not in a user's clone)"),
]


def _entries(manifest: Path) -> list[tuple[rdflib.Graph, rdflib.term.Node, Path]]:
    graph = rdflib.Graph().parse(manifest, format="turtle")
    out = []
    for root in graph.subjects(RDF.type, MF.Manifest):
        for include in graph.objects(root, MF.include):
            for item in Collection(graph, include):
                out += _entries(Path(urlsplit(str(item)).path))
        for entries in graph.objects(root, MF.entries):
            out += [(graph, test, manifest) for test in Collection(graph, entries)]
    return out


def _tests(manifest: Path):
    if not manifest.exists():
        return [pytest.param(None, None, None, id="manifest-missing")]
    return [pytest.param(g, t, m, id=str(t).rsplit("#", 1)[-1]) for g, t, m in _entries(manifest)]


def _status_ok(graph: rdflib.Graph, response_node, status: int) -> bool:
    expected = [str(o)[len(HTS):] for o in graph.objects(response_node, MF.expectedStatus)]
    if not expected:
        return True
    for name in expected:
        match = re.fullmatch(r"StatusCode(\d)xx", name)
        if match and status // 100 == int(match.group(1)):
            return True
        if STATUS.get(name) == status:
            return True
    return False


def _check_format(expected: str, response) -> None:
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if expected == "boolean":
        assert media in ("application/sparql-results+json", "application/sparql-results+xml"), media
    elif expected == "tabular":
        assert media in ("application/sparql-results+json", "application/sparql-results+xml",
                         "text/csv", "text/tab-separated-values"), media
    elif expected == "RDF":
        assert media in ("text/turtle", "application/rdf+xml", "application/n-triples"), media
        rdflib.Graph().parse(data=response.text, format={"text/turtle": "turtle", "application/rdf+xml": "xml",
                                                         "application/n-triples": "nt"}[media])


def _boolean(response) -> bool:
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if media == "application/sparql-results+json":
        return json.loads(response.text)["boolean"]
    return "<boolean>true</boolean>" in response.text


def _run_connection(server, graph: rdflib.Graph, test, *, path_map) -> None:
    action = graph.value(test, MF.action)
    requests = list(Collection(graph, graph.value(action, HT.requests)))
    variables: dict[str, str] = {}
    with server.client("beheerder") as client:
        for number, request in enumerate(requests, 1):
            method = str(graph.value(request, HT.methodName))
            path = path_map(str(graph.value(request, HT.absolutePath)))
            for name, value in variables.items():
                path = path.replace(name, value)
            headers = {}
            headers_node = graph.value(request, HT.headers)
            if headers_node is not None:
                for header in Collection(graph, headers_node):
                    headers[str(graph.value(header, HT.fieldName))] = str(graph.value(header, HT.fieldValue))
            content = None
            body = graph.value(request, HT.body)
            if body is not None:
                encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
                text = str(graph.value(body, CNT.chars))
                for name, value in variables.items():
                    text = text.replace(name, value)
                content = text.encode(encoding.lower().replace("utf-16", "utf-16-le"))
            # httpx would otherwise normalise the query string; send it exactly as written.
            url = client.base_url.join(path.split("?", 1)[0])
            if "?" in path:
                url = url.copy_with(query=path.split("?", 1)[1].encode())
            response = client.request(method, url, headers=headers, content=content)
            expect = graph.value(request, HT.resp)
            where = f"request {number} ({method} {path}): {response.status_code} {response.text[:300]!r}"
            assert _status_ok(graph, expect, response.status_code), where
            location = graph.value(expect, MF.expectedLocation)
            if location is not None:
                assert "location" in response.headers, where
                variables[str(location)] = response.headers["location"]
            expected_format = graph.value(expect, MF.expectedFormat)
            if expected_format is not None:
                _check_format(str(expected_format), response)
            expected_boolean = graph.value(expect, MF.expectedBoolean)
            if expected_boolean is not None:
                assert _boolean(response) == expected_boolean.toPython(), where
            for header_node in ([graph.value(expect, HT.headers)] if graph.value(expect, HT.headers) else []):
                for header in Collection(graph, header_node):
                    name = str(graph.value(header, HT.fieldName)).lower()
                    want = str(graph.value(header, HT.fieldValue)).split(";")[0].strip()
                    assert response.headers.get(name, "").split(";")[0].strip() == want, where
            expected_body = graph.value(expect, HT.body)
            if expected_body is not None and method != "HEAD":
                want = rdflib.Graph().parse(data=str(graph.value(expected_body, CNT.chars)), format="turtle")
                got = rdflib.Graph().parse(data=response.text, format="turtle")
                assert isomorphic(want, got), f"{where}\nexpected {want.serialize(format='nt')}"


@pytest.fixture(scope="module")
def w3c_server(tmp_path_factory, oidc):
    running = start_server(tmp_path_factory.mktemp("w3c"), oidc, fill=False)
    yield running
    running.stop()


def _reset(server, graph: rdflib.Graph, test, manifest: Path) -> None:
    with server.client("beheerder") as client:
        assert client.post("/sparql", content="DROP ALL",
                           headers={"content-type": "application/sparql-update"}).status_code == 204
        for data in graph.objects(test, UT.graphData):
            source = Path(urlsplit(str(graph.value(data, UT.graph))).path)
            name = str(graph.value(data, RDFS.label))
            response = client.put("/graph-store", params={"graph": name}, content=source.read_bytes(),
                                  headers={"content-type": "application/n-triples"})
            assert response.status_code in (201, 204), response.text


@pytest.mark.parametrize("graph,test,manifest", _tests(PROTOCOL))
def test_sparql_protocol(w3c_server, graph, test, manifest):
    _reset(w3c_server, graph, test, manifest)
    _run_connection(w3c_server, graph, test, path_map=lambda p: "/sparql" + p[len("/sparql/"):])


@pytest.mark.parametrize("graph,test,manifest", _tests(GSP))
def test_graph_store_protocol(w3c_server, graph, test, manifest):
    _reset(w3c_server, graph, test, manifest)
    _run_connection(w3c_server, graph, test, path_map=lambda p: "/graph-store" + p[len("/gsp"):])
