"""The ASGI application: `create_app(config, store)`.

Routes: `/sparql` (SPARQL 1.1 Protocol, Service Description), `/graph-store` (Graph Store
HTTP Protocol), `/.well-known/void` (VoID). Every response is marked `Cache-Control: private`
and varies on the credentials, so no shared cache ever hands one principal's answer to
another. The app keeps no per-request state of its own; several workers can run side by side.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response

from graph_server.audit import AuditLog
from graph_server.auth import Authenticator
from graph_server.config import Config
from graph_server.limits import QueryRunner, RateLimiter
from graph_server.ask_api import ask_router
from graph_server.scopes import ScopeGate
from graph_server.sparql.graph_store import graph_store_router
from graph_server.sparql.http import HttpError, ServerContext, log, text_response
from graph_server.sparql.protocol import sparql_router
from graph_server.maintainer_api import maintainer_router
from graph_server.store import GraphStore
from graph_server.web import web_router
from graph_server.yasgui import yasgui_router

CACHE_HEADERS = {
    "Cache-Control": "private, no-cache",
    "Vary": "Authorization, X-API-Key, Accept, Accept-Encoding",
}


def build_context(config: Config, store: GraphStore, *, authenticator: Authenticator | None = None,
                  audit: AuditLog | None = None) -> ServerContext:
    server = config.raw.get("server", {})
    return ServerContext(
        config=config,
        store=store,
        gate=ScopeGate(config, store),
        authenticator=authenticator or Authenticator(config),
        runner=QueryRunner(config.limits.query_timeout_seconds, int(server.get("max_concurrent_queries", 4))),
        rate_limiter=RateLimiter(config.limits.requests_per_minute),
        audit=audit or AuditLog(config.audit_path,
                                include_text=bool(config.raw.get("audit", {}).get("include_query_text", False))),
    )


def create_app(config: Config, store: GraphStore, *, context: ServerContext | None = None) -> FastAPI:
    ctx = context or build_context(config, store)
    app = FastAPI(
        title=f"Schakel — {config.city.name}",
        description="SPARQL 1.1 Protocol and Graph Store endpoints over access-scoped named graphs.",
        version="0.1.0",
    )
    app.state.schakel = ctx

    @app.middleware("http")
    async def private_responses(request: Request, call_next):
        try:
            response = await call_next(request)
        except Exception:  # a bug must never take a worker down
            log.exception("unhandled error for %s %s", request.method, request.url.path)
            response = text_response(500, "internal error; it has been logged")
        for name, value in CACHE_HEADERS.items():
            response.headers[name] = value
        return response

    @app.exception_handler(HttpError)
    async def http_error(request: Request, exc: HttpError) -> Response:
        return text_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def starlette_error(request: Request, exc: StarletteHTTPException) -> Response:
        return text_response(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    app.include_router(sparql_router(ctx))
    app.include_router(graph_store_router(ctx))
    ask = ask_router(ctx)
    app.include_router(ask)
    app.include_router(yasgui_router())
    app.include_router(maintainer_router(ctx))
    # The counter page asks through the same Asker as /ask: one embedding model per process.
    app.include_router(web_router(ctx, asker=ask.ask_service.asker))
    return app
