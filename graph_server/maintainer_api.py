"""Routes for ontology and shape maintainers: `POST /validate` (upload RDF, get the SHACL
report) and `GET /quality` (data quality per source). Both need a role that may write."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from graph_server.sparql.http import HttpError, ServerContext
from graph_server.validation.quality import quality_json
from graph_server.validation.service import handle_validate_request


def _maintainer(ctx: ServerContext, request: Request):
    principal = ctx.principal(request)
    if not principal.can_write:
        raise HttpError(403, "validation and quality reports are for maintainers (a role that may write)")
    return principal


def maintainer_router(ctx: ServerContext) -> APIRouter:
    router = APIRouter()

    @router.post("/validate", summary="Validate Turtle, N-Triples, JSON-LD or TriG against the project's shapes")
    async def validate(request: Request, allow_warnings: bool = False) -> JSONResponse:
        _maintainer(ctx, request)
        body = await request.body()
        status, report = await asyncio.to_thread(
            handle_validate_request, body, request.headers.get("content-type"), engine=ctx.config.shacl_engine,
            allow_warnings=allow_warnings, max_bytes=ctx.config.limits.max_request_bytes)
        return JSONResponse(report, status_code=status)

    @router.get("/quality", summary="Data quality per source: conformance, top violations, quarantine, freshness")
    async def quality(request: Request) -> JSONResponse:
        principal = _maintainer(ctx, request)
        view = ctx.gate.store_view(principal)
        return JSONResponse(await asyncio.to_thread(quality_json, view, ctx.config))

    return router
