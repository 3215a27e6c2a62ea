"""`POST /ask`: a Dutch question answered from the graph within the caller's scope.

Same authentication and rate limit as `/sparql` (the request's principal comes from
`ServerContext.principal`), and the pipeline runs in the server's bounded evaluation slots
with the query deadline. The Asker (embedding model, catalogue) is built once, on first use
or ahead of time with `warm_up`; it is imported lazily so the SPARQL server starts without
torch.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from graph_server.limits import QueryTimeout, ServerBusy
from graph_server.sparql.http import HttpError, ServerContext, decode_utf8, media_type, read_body

MAX_QUESTION_BYTES = 4096


class AskService:
    """Holds the one Asker of the app."""

    def __init__(self, ctx: ServerContext, asker: Any = None):
        self.ctx = ctx
        self._asker = asker
        self._lock = threading.Lock()

    def asker(self):
        with self._lock:
            if self._asker is None:
                from nl2sparql.pipeline import Asker

                self._asker = Asker(self.ctx.config, self.ctx.gate)
            return self._asker

    def warm_up(self) -> threading.Thread:
        thread = threading.Thread(target=self.asker, name="schakel-ask-warmup", daemon=True)
        thread.start()
        return thread


def ask_router(ctx: ServerContext, asker: Any = None) -> APIRouter:
    router = APIRouter()
    service = AskService(ctx, asker)
    router.ask_service = service  # type: ignore[attr-defined]

    @router.post("/ask", summary="Ask a question in Dutch", tags=["ask"])
    async def ask(request: Request) -> Response:
        principal = ctx.principal(request)
        kind, _ = media_type(request)
        if kind != "application/json":
            raise HttpError(415, "send the question as JSON: {\"question\": \"...\"}")
        body = await read_body(request, min(ctx.max_request_bytes, MAX_QUESTION_BYTES))
        try:
            import json

            payload = json.loads(decode_utf8(body, "the request body"))
        except ValueError:
            raise HttpError(400, "the body is not valid JSON") from None
        question = payload.get("question") if isinstance(payload, dict) else None
        if not isinstance(question, str) or not question.strip():
            raise HttpError(400, "a non-empty 'question' string is required")
        started = time.monotonic()
        asker = await asyncio.to_thread(service.asker)
        try:
            answer = await ctx.runner.run(lambda deadline: asker.ask(question, principal, deadline=deadline))
        except QueryTimeout as exc:
            ctx.audit.record(principal=principal.name, role=principal.role, operation="ask", outcome="timeout",
                             status=503, duration_ms=(time.monotonic() - started) * 1000)
            raise HttpError(503, str(exc)) from None
        except ServerBusy as exc:
            raise HttpError(503, str(exc), {"Retry-After": "1"}) from None
        ctx.audit.record(principal=principal.name, role=principal.role, operation="ask", outcome=answer.status,
                         status=200, duration_ms=(time.monotonic() - started) * 1000, result_size=len(answer.rows))
        return JSONResponse(answer.to_dict())

    return router
