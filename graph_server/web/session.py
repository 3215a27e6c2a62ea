"""Signed session cookies for the web pages.

Sign-in takes an API key (`schakel token create --role balie`) once. The server checks it
against the keys file and sets a cookie that holds the key's *id*, role and an expiry, signed
with HMAC-SHA256 — never the key itself, so a stolen cookie is worth one session on these
pages, not a key for /sparql. The cookie is HttpOnly, SameSite=Strict, Path=/ and Secure
over HTTPS.

On every request the signature and expiry are checked and the key is looked up again in the
keys file: removing its `[[keys]]` block (revocation) or changing its role ends the session at
once. The principal is built exactly as the API does for that key (same role, same graph
grant), so the pages never see more than the key would through /sparql.

Each session carries a random CSRF token; state-changing calls must send it back in the
`X-CSRF-Token` header (or the `csrf` form field) and come from this origin.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from graph_server.auth import KEY_PREFIX, ApiKeyStore
from graph_server.config import Config
from graph_server.scopes import Principal, principal_for_role

COOKIE = "schakel_sessie"
_VERSION = 1


@dataclass(frozen=True)
class Session:
    key_id: str
    role: str
    name: str
    issued: int
    expires: int
    csrf: str
    principal: Principal


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, body: str) -> str:
    return _b64(hmac.new(secret, b"schakel-web-session\x00" + body.encode("ascii"), hashlib.sha256).digest())


def sign(secret: bytes, payload: dict) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_mac(secret, body)}"


def unsign(secret: bytes, value: str) -> dict | None:
    body, _, mac = value.partition(".")
    if not body or not mac or len(value) > 4096:
        return None
    try:
        if not hmac.compare_digest(_mac(secret, body), mac):
            return None
        payload = json.loads(_unb64(body))
    except (ValueError, UnicodeError):
        return None
    return payload if isinstance(payload, dict) else None


class SessionManager:
    def __init__(self, config: Config, keys: ApiKeyStore, secret: bytes, lifetime_seconds: int):
        self.config = config
        self.keys = keys
        self.secret = secret
        self.lifetime = lifetime_seconds

    def sign_in(self, api_key: str) -> tuple[str, Session] | None:
        """(cookie value, session) for a valid key, else None."""
        api_key = api_key.strip()
        if not api_key.startswith(KEY_PREFIX):
            return None
        record = self.keys.verify(api_key)
        if record is None or record.role not in self.config.roles:
            return None
        now = int(time.time())
        payload = {"v": _VERSION, "kid": record.key_id, "role": record.role, "iat": now,
                   "exp": now + self.lifetime, "csrf": secrets.token_urlsafe(24)}
        value = sign(self.secret, payload)
        session = self._session(payload)
        return (value, session) if session is not None else None

    def _session(self, payload: dict) -> Session | None:
        if payload.get("v") != _VERSION:
            return None
        try:
            key_id, role = str(payload["kid"]), str(payload["role"])
            issued, expires, csrf = int(payload["iat"]), int(payload["exp"]), str(payload["csrf"])
        except (KeyError, TypeError, ValueError):
            return None
        if expires < time.time() or not csrf:
            return None
        record = self.keys.records().get(key_id)  # revoked or re-assigned keys end the session
        if record is None or record.role != role or role not in self.config.roles:
            return None
        try:
            principal = principal_for_role(self.config, role, name=f"key:{record.name}", graph_names=record.graphs)
        except ValueError:
            return None
        return Session(key_id, role, record.name, issued, expires, csrf, principal)

    def current(self, request: Request) -> Session | None:
        value = request.cookies.get(COOKIE)
        if not value:
            return None
        payload = unsign(self.secret, value)
        return self._session(payload) if payload is not None else None

    def set_cookie(self, response: Response, request: Request, value: str) -> None:
        response.set_cookie(COOKIE, value, max_age=self.lifetime, path="/", httponly=True, samesite="strict",
                            secure=request.url.scheme == "https")

    @staticmethod
    def clear_cookie(response: Response, request: Request) -> None:
        response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict",
                               secure=request.url.scheme == "https")


def same_origin(request: Request) -> bool:
    """A state-changing request must come from this origin (Origin, else Referer); browsers
    always send Origin on POST fetches and form posts."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin:
        return True  # non-browser clients: the CSRF token still has to match
    own = f"{request.url.scheme}://{request.url.netloc}"
    return origin == own or origin.startswith(own + "/")


def csrf_ok(session: Session, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(session.csrf, token or "")
