"""SPARQL 1.1 Graph Store HTTP Protocol at `/graph-store`: GET, HEAD, PUT, POST, DELETE with
`?graph=<iri>` (indirect identification), `?default`, or a path below `/graph-store/` (direct
identification: the graph IRI is the request URL). A POST without a graph creates a new graph
and returns its IRI in Location.

Reads are limited to the principal's graphs, and a graph outside them answers exactly like a
missing one (404). Writes need a write role and a graph in its set."""

from __future__ import annotations

import asyncio
import time
import uuid

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from graph_server.scopes import Principal
from graph_server.sparql import render
from graph_server.sparql.http import HttpError, ServerContext, media_type, read_body
from graph_server.sparql.protocol import _error_from
from graph_server.sparql_syntax import is_absolute_iri

NOT_FOUND = "no such graph"


def _target(request: Request, direct_path: str | None) -> tuple[bool, str | None]:
    """(names a graph?, graph IRI or None for the default graph)."""
    params = request.query_params
    graphs = params.getlist("graph")
    has_default = "default" in params
    if direct_path is not None:
        if graphs or has_default:
            raise HttpError(400, "use either a graph URL or ?graph=/?default, not both")
        return True, str(request.url.replace(query="", fragment=""))
    if len(graphs) > 1 or (graphs and has_default):
        raise HttpError(400, "name exactly one graph: ?graph=<iri> or ?default")
    if has_default:
        return True, None
    if graphs:
        if not is_absolute_iri(graphs[0]):
            raise HttpError(400, "?graph= must be an absolute IRI")
        return True, graphs[0]
    return False, None


def _parse_rdf(data: bytes, content_type: str, base_iri: str) -> list[ox.Triple]:
    fmt = render.RDF_INPUT.get(content_type)
    if fmt is None:
        raise HttpError(415, f"unsupported Content-Type {content_type!r}; send Turtle, N-Triples, RDF/XML, "
                             "JSON-LD, N-Quads or TriG")
    try:
        quads = list(ox.parse(data, format=fmt, base_iri=base_iri))
    except SyntaxError as exc:
        raise HttpError(400, f"invalid RDF: {exc}") from None
    triples = []
    for quad in quads:
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            raise HttpError(400, "the body names graphs; send the triples of one graph")
        triples.append(ox.Triple(quad.subject, quad.predicate, quad.object))
    return triples


async def _body_triples(request: Request, ctx: ServerContext, base_iri: str) -> list[ox.Triple]:
    kind, _ = media_type(request)
    if kind == "multipart/form-data":
        if int(request.headers.get("content-length") or 0) > ctx.max_request_bytes:
            raise HttpError(413, f"request body larger than {ctx.max_request_bytes} bytes")
        triples: list[ox.Triple] = []
        async with request.form(max_files=100, max_fields=100) as form:
            for _, part in form.multi_items():
                if isinstance(part, str):
                    continue
                part_type = (part.content_type or "").split(";")[0].strip().lower()
                if not part_type or part_type == "application/octet-stream":
                    guessed = ox.RdfFormat.from_extension((part.filename or "").rsplit(".", 1)[-1])
                    part_type = guessed.media_type if guessed else ""
                data = await part.read()
                triples += _parse_rdf(data, part_type, base_iri)
        return triples
    body = await read_body(request, ctx.max_request_bytes)
    return _parse_rdf(body, kind, base_iri)


def graph_store_router(ctx: ServerContext) -> APIRouter:
    router = APIRouter()

    async def handle(request: Request, direct_path: str | None = None) -> Response:
        principal = ctx.principal(request)
        started = time.monotonic()
        method = request.method
        names_graph, graph = _target(request, direct_path)
        outcome, status, size = "ok", 200, None
        try:
            if not names_graph and method != "POST":
                raise HttpError(400, "name a graph with ?graph=<iri> or ?default")
            if method in ("GET", "HEAD"):
                response, size = await _read(ctx, request, principal, graph, head=method == "HEAD")
            elif method in ("PUT", "POST"):
                response = await _write(ctx, request, principal, graph, names_graph, replace=method == "PUT")
            elif method == "DELETE":
                existed = await asyncio.to_thread(ctx.gate.delete_graph, principal, graph)
                if not existed:
                    raise HttpError(404, NOT_FOUND)
                ctx.forget_sizes()
                response = Response(status_code=204)
            else:
                raise HttpError(405, "use GET, HEAD, PUT, POST or DELETE", {"Allow": "GET, HEAD, PUT, POST, DELETE"})
            status = response.status_code
            return response
        except Exception as exc:
            error = _error_from(exc)
            outcome, status = type(exc).__name__, error.status
            raise error from None
        finally:
            ctx.audit.record(principal=principal.name, role=principal.role, operation=f"graph-store {method}",
                             outcome=outcome, status=status, duration_ms=(time.monotonic() - started) * 1000,
                             dataset={"graph": graph if graph is not None else "default"} if names_graph else None,
                             result_size=size)

    async def indirect(request: Request) -> Response:
        return await handle(request)

    async def direct(request: Request, path: str) -> Response:
        return await handle(request, path)

    methods = ["GET", "HEAD", "PUT", "POST", "DELETE"]
    router.add_api_route("/graph-store", indirect, methods=methods, summary="Graph Store HTTP Protocol")
    router.add_api_route("/graph-store/{path:path}", direct, methods=methods, include_in_schema=False)
    return router


async def _read(ctx: ServerContext, request: Request, principal: Principal, graph: str | None,
                *, head: bool) -> tuple[Response, int]:
    try:
        fmt = render.negotiate(request.headers.get("accept"), render.RDF_FORMATS)
    except render.NotAcceptable as exc:
        raise HttpError(406, str(exc)) from None

    def work(deadline):
        triples = ctx.gate.read_graph(principal, graph)
        deadline.check()
        if triples is None:
            return None, 0
        return (b"" if head else render.render_triples(triples, fmt)), len(triples)

    body, size = await ctx.runner.run(work)
    if body is None:
        raise HttpError(404, NOT_FOUND)
    return Response(body, media_type=fmt.content_type), size


async def _write(ctx: ServerContext, request: Request, principal: Principal, graph: str | None,
                 names_graph: bool, *, replace: bool) -> Response:
    location = None
    if not names_graph:  # POST to the store: create a new graph below this endpoint
        graph = f"{str(request.base_url).rstrip('/')}/graph-store/{uuid.uuid4()}"
        location = graph
    # Check the scope before reading the body, so a refused write costs nothing.
    if not principal.can_write:
        raise HttpError(403, f"role {principal.role!r} may not write graphs")
    base = graph or str(request.base_url)
    triples = await _body_triples(request, ctx, base)
    created = await asyncio.to_thread(ctx.gate.write_graph, principal, graph, triples, replace=replace)
    ctx.forget_sizes()
    if location is not None:
        return Response(status_code=201, headers={"Location": location})
    return Response(status_code=201 if created else 204)
