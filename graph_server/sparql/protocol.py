"""SPARQL 1.1 Protocol at `/sparql`: query by GET, POST form and POST direct; update by POST
form and POST direct (write roles only); the Service Description on a bare GET; VoID at
`/.well-known/void`. Everything runs through the scope gate; formats live in `render`."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qsl

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from graph_server.limits import QueryTimeout, ServerBusy
from graph_server.scopes import Principal, ScopeRefused, UpdateFailed
from graph_server.sparql import render
from graph_server.sparql.description import service_description, void_description
from graph_server.sparql.http import (
    HttpError,
    ServerContext,
    decode_utf8,
    log,
    media_type,
    read_body,
    require_utf8,
)
from graph_server.sparql_syntax import ForbiddenFeature, SparqlSyntaxError, query_shape

QUERY_DATASET_PARAMS = ("default-graph-uri", "named-graph-uri")
UPDATE_DATASET_PARAMS = ("using-graph-uri", "using-named-graph-uri")


def _params(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in pairs:
        out.setdefault(name, []).append(value)
    return out


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise HttpError(400, f"exactly one '{name}' parameter is allowed")
    return values[0] if values else None


async def _parse_request(request: Request, ctx: ServerContext) -> tuple[str, str | None, dict[str, list[str]]]:
    """(operation 'query' | 'update' | 'describe', text, parameters)."""
    if len(request.url.query.encode()) > ctx.max_request_bytes:
        raise HttpError(413, f"request larger than {ctx.max_request_bytes} bytes")
    url_params = _params(request.query_params.multi_items())
    if request.method in ("GET", "HEAD"):
        if "update" in url_params:
            raise HttpError(405, "updates must be sent with POST", {"Allow": "GET, POST"})
        query = _single(url_params, "query")
        return ("query", query, url_params) if query is not None else ("describe", None, url_params)
    if request.method != "POST":
        raise HttpError(405, "use GET or POST", {"Allow": "GET, POST"})
    kind, options = media_type(request)
    body = await read_body(request, ctx.max_request_bytes)
    if kind == "application/x-www-form-urlencoded":
        require_utf8(options)
        text = decode_utf8(body, "the form body")
        try:
            form = _params(parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict"))
        except (ValueError, UnicodeDecodeError):
            raise HttpError(400, "the form body is not valid UTF-8 URL-encoded data") from None
        params = {**url_params}
        for name, values in form.items():
            params.setdefault(name, []).extend(values)
        query, update = _single(params, "query"), _single(params, "update")
        if (query is None) == (update is None):
            raise HttpError(400, "a form POST needs exactly one 'query' or 'update' parameter")
        return ("query", query, params) if query is not None else ("update", update, params)
    if kind in ("application/sparql-query", "application/sparql-update"):
        require_utf8(options)
        if "query" in url_params or "update" in url_params:
            raise HttpError(400, "with a direct POST the operation is the body, not a URL parameter")
        text = decode_utf8(body, "the request body")
        return ("query" if kind.endswith("query") else "update", text, url_params)
    if not kind:
        raise HttpError(415, "a POST needs Content-Type application/x-www-form-urlencoded, "
                             "application/sparql-query or application/sparql-update")
    raise HttpError(415, f"unsupported Content-Type {kind!r}; use application/x-www-form-urlencoded, "
                         "application/sparql-query or application/sparql-update")


def endpoint_url(request: Request) -> str:
    return str(request.url.replace(query="", fragment="")).rstrip("?")


def _base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _error_from(exc: Exception) -> HttpError:
    if isinstance(exc, HttpError):
        return exc
    if isinstance(exc, SparqlSyntaxError):
        return HttpError(400, str(exc))
    if isinstance(exc, ForbiddenFeature):
        return HttpError(400, str(exc))
    if isinstance(exc, ScopeRefused):
        return HttpError(exc.status, exc.message)
    if isinstance(exc, UpdateFailed):
        return HttpError(400, str(exc))
    if isinstance(exc, render.NotAcceptable):
        return HttpError(406, str(exc))
    if isinstance(exc, QueryTimeout):
        return HttpError(503, f"{exc} and was abandoned. Narrow it down (LIMIT, more specific "
                              "patterns) or ask for an export", {"Retry-After": "5"})
    if isinstance(exc, ServerBusy):
        return HttpError(503, str(exc), {"Retry-After": "2"})
    log.exception("unexpected error while evaluating a request", exc_info=exc)
    return HttpError(500, "internal error while evaluating the request; it has been logged")


async def run_query(ctx: ServerContext, request: Request, principal: Principal, text: str,
                    params: dict[str, list[str]]) -> Response:
    started = time.monotonic()
    accept = request.headers.get("accept")
    limits = ctx.config.limits
    default_graphs = params.get("default-graph-uri", [])
    named_graphs = params.get("named-graph-uri", [])
    base_iri = endpoint_url(request)
    state: dict = {}

    def work(deadline):
        prepared = ctx.gate.prepare_query(principal, text, default_graph_uris=default_graphs,
                                          named_graph_uris=named_graphs, base_iri=base_iri)
        state["dataset"] = prepared.dataset.as_record()
        fmt = render.negotiate(accept, render.formats_for(prepared.parsed.form))
        outcome = ctx.gate.evaluate(principal, text, max_rows=limits.max_result_rows, deadline=deadline,
                                    prepared=prepared)
        deadline.check()
        body = render.render_outcome(outcome, fmt)
        # Only plain values leave the worker thread.
        return fmt, (outcome.form, outcome.size, outcome.truncated), body

    try:
        shape, _ = await asyncio.to_thread(query_shape, text)
        fmt, (form, size, truncated), body = await ctx.runner.run(work, kind=shape)
    except Exception as exc:  # every failure becomes a clear status; none crashes the worker
        error = _error_from(exc)
        ctx.audit.record(principal=principal.name, role=principal.role, operation="query",
                         outcome=type(exc).__name__, status=error.status, text=text,
                         duration_ms=(time.monotonic() - started) * 1000, dataset=state.get("dataset"))
        raise error from None
    headers = {}
    if truncated:
        headers["Schakel-Result-Truncated"] = f"max_result_rows={limits.max_result_rows}"
    ctx.audit.record(principal=principal.name, role=principal.role, operation="query", outcome="ok", status=200,
                     text=text, duration_ms=(time.monotonic() - started) * 1000, dataset=state.get("dataset"),
                     result_size=size, truncated=truncated or None, form=form)
    return Response(body, media_type=fmt.content_type, headers=headers)


async def run_update(ctx: ServerContext, request: Request, principal: Principal, text: str,
                     params: dict[str, list[str]]) -> Response:
    started = time.monotonic()
    using = params.get("using-graph-uri", [])
    using_named = params.get("using-named-graph-uri", [])
    try:
        if any(name in params for name in QUERY_DATASET_PARAMS):
            raise HttpError(400, "default-graph-uri/named-graph-uri apply to queries; "
                                 "use using-graph-uri/using-named-graph-uri with updates")
        checked = await asyncio.to_thread(ctx.gate.update, principal, text, using_graph_uris=using,
                                          using_named_graph_uris=using_named, base_iri=endpoint_url(request))
    except Exception as exc:
        error = _error_from(exc)
        ctx.audit.record(principal=principal.name, role=principal.role, operation="update",
                         outcome=type(exc).__name__, status=error.status, text=text,
                         duration_ms=(time.monotonic() - started) * 1000)
        raise error from None
    ctx.forget_sizes()
    ctx.audit.record(principal=principal.name, role=principal.role, operation="update", outcome="ok", status=204,
                     text=text, duration_ms=(time.monotonic() - started) * 1000,
                     dataset={"writes": list(checked.writes)}, result_size=checked.operations)
    return Response(status_code=204)


async def describe_service(ctx: ServerContext, request: Request, principal: Principal) -> Response:
    fmt = _negotiate_rdf(request)
    sizes = await ctx.graph_sizes()
    visible = {g: sizes.get(g, 0) for g in await asyncio.to_thread(ctx.gate.visible_graphs, principal)}
    triples = service_description(ctx.config, principal, endpoint_url(request), visible)
    return Response(render.render_triples(triples, fmt, render.PREFIXES), media_type=fmt.content_type)


def _negotiate_rdf(request: Request) -> render.Format:
    try:
        return render.negotiate(request.headers.get("accept"), render.RDF_FORMATS)
    except render.NotAcceptable as exc:
        raise HttpError(406, str(exc)) from None


def sparql_router(ctx: ServerContext) -> APIRouter:
    router = APIRouter()

    async def sparql(request: Request) -> Response:
        principal = ctx.principal(request)
        operation, text, params = await _parse_request(request, ctx)
        if operation == "describe":
            return await describe_service(ctx, request, principal)
        if operation == "update":
            return await run_update(ctx, request, principal, text or "", params)
        if any(name in params for name in UPDATE_DATASET_PARAMS):
            raise HttpError(400, "using-graph-uri/using-named-graph-uri apply to updates; "
                                 "use default-graph-uri/named-graph-uri with queries")
        return await run_query(ctx, request, principal, text or "", params)

    async def void(request: Request) -> Response:
        principal = ctx.principal(request)
        fmt = _negotiate_rdf(request)
        sizes = await ctx.graph_sizes()
        visible = {g: sizes.get(g, 0) for g in await asyncio.to_thread(ctx.gate.visible_graphs, principal)}
        base = _base_url(request)
        triples = void_description(ctx.config, principal, base, f"{base}/sparql", visible)
        return Response(render.render_triples(triples, fmt, render.PREFIXES), media_type=fmt.content_type)

    methods = ["GET", "POST", "PUT", "DELETE", "PATCH"]
    router.add_api_route("/sparql", sparql, methods=methods, include_in_schema=True,
                         summary="SPARQL 1.1 Protocol endpoint (query, update, service description)")
    router.add_api_route("/sparql/", sparql, methods=methods, include_in_schema=False)
    router.add_api_route("/.well-known/void", void, methods=["GET"], summary="VoID description of your graphs")
    return router
