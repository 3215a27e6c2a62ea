"""What the HTTP endpoints share: the server context, errors as plain-text responses, request
bodies read within the size limit, and who is asking (authentication plus rate limit)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from graph_server.audit import AuditLog
from graph_server.auth import AuthError, Authenticator
from graph_server.config import Config
from graph_server.limits import QueryRunner, RateLimiter
from graph_server.scopes import Principal, ScopeGate
from graph_server.store import GraphStore

log = logging.getLogger("schakel.server")


class HttpError(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(message.rstrip("\n") + "\n", status_code=status, media_type="text/plain; charset=utf-8",
                    headers=headers)


@dataclass
class ServerContext:
    config: Config
    store: GraphStore
    gate: ScopeGate
    authenticator: Authenticator
    runner: QueryRunner
    rate_limiter: RateLimiter
    audit: AuditLog
    _sizes: tuple[float, dict[str, int]] | None = field(default=None, repr=False)
    sizes_ttl_seconds: float = 30.0

    @property
    def max_request_bytes(self) -> int:
        return self.config.limits.max_request_bytes

    def principal(self, request: Request) -> Principal:
        """Authenticate and apply the rate limit; raises HttpError (401/403/429)."""
        try:
            principal = self.authenticator.authenticate(request.headers)
        except AuthError as exc:
            headers = {"WWW-Authenticate": exc.www_authenticate} if exc.status == 401 else None
            raise HttpError(exc.status, exc.message, headers) from None
        key = principal.name
        if principal.name == "anonymous":
            key = f"anonymous@{request.client.host if request.client else '?'}"
        wait = self.rate_limiter.allow(key)
        if wait is not None:
            raise HttpError(429, f"rate limit of {self.rate_limiter.per_minute} requests per minute exceeded; "
                                 f"retry in {wait:.0f} s", {"Retry-After": str(max(1, round(wait)))})
        return principal

    async def graph_sizes(self) -> dict[str, int]:
        """Triple counts of every graph, cached briefly (a full count is a store scan)."""
        now = time.monotonic()
        if self._sizes is not None and now - self._sizes[0] < self.sizes_ttl_seconds:
            return self._sizes[1]
        sizes = await asyncio.to_thread(self.store.graph_sizes)
        self._sizes = (now, sizes)
        return sizes

    def forget_sizes(self) -> None:
        self._sizes = None


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise HttpError(413, f"request body larger than {limit} bytes")
        except ValueError:
            raise HttpError(400, "invalid Content-Length") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HttpError(413, f"request body larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def media_type(request: Request) -> tuple[str, dict[str, str]]:
    """The request's media type (lower case) and its parameters."""
    raw = request.headers.get("content-type", "")
    parts = [p.strip() for p in raw.split(";")]
    params = {}
    for part in parts[1:]:
        name, _, value = part.partition("=")
        params[name.strip().lower()] = value.strip().strip('"')
    return parts[0].lower(), params


def require_utf8(params: dict[str, str]) -> None:
    charset = params.get("charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8", "us-ascii"):
        raise HttpError(415, "only UTF-8 request bodies are supported")


def decode_utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, f"{what} is not valid UTF-8") from None
