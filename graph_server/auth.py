"""Who is calling: anonymous (role `publiek`), an API key, or an OIDC bearer token.

* API keys look like ``schakel_<id>_<secret>`` and are sent as ``Authorization: Bearer <key>``
  or ``X-API-Key: <key>``. The keys file (``[auth] api_keys_file``, TOML) keeps per key its
  id, name, role, optional graph grant (integrators only) and a salted scrypt hash of the
  secret — never the key itself. `schakel token create` adds keys.
* OIDC: a JWT in ``Authorization: Bearer``, validated offline against the ``[auth.oidc]``
  JWKS file or PEM public key, with issuer and audience checked; the role comes from a
  configurable claim (``role_claim``, a dotted path; a list value picks the first configured
  role), the principal's name from ``name_claim`` (default ``sub``).

Invalid credentials are refused with 401 and a message saying what is wrong; they never fall
back to anonymous access.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import jwt

from graph_server.config import Config, ConfigError
from graph_server.scopes import Principal, principal_for_role

KEY_PREFIX = "schakel_"
ANONYMOUS_ROLE = "publiek"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


class AuthError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message

    @property
    def www_authenticate(self) -> str:
        return f'Bearer realm="schakel", error="invalid_token", error_description="{self.message}"'


def _config_path(config: Config, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else config.path.resolve().parent / path


def api_keys_path(config: Config) -> Path:
    return _config_path(config, config.raw.get("auth", {}).get("api_keys_file", "var/api_keys.toml"))


def _hash_secret(secret: str, salt: bytes) -> str:
    return hashlib.scrypt(secret.encode(), salt=salt, maxmem=64 * 1024 * 1024, **_SCRYPT).hex()


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    name: str
    role: str
    graphs: tuple[str, ...] | None
    salt: str
    hash: str
    created: str


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


class ApiKeyStore:
    """The keys file. Re-read when it changes, so new keys work without a restart."""

    def __init__(self, path: Path):
        self.path = path
        self._records: dict[str, ApiKeyRecord] = {}
        self._mtime: float | None = None
        self._verified: dict[str, str] = {}  # sha256(full key) -> key id, after one scrypt check
        self._lock = threading.Lock()

    def records(self) -> dict[str, ApiKeyRecord]:
        with self._lock:
            try:
                mtime = self.path.stat().st_mtime
            except FileNotFoundError:
                self._records, self._mtime = {}, None
                return {}
            if mtime != self._mtime:
                raw = tomllib.loads(self.path.read_text(encoding="utf-8"))
                self._records = {
                    k["id"]: ApiKeyRecord(k["id"], k.get("name", k["id"]), k["role"],
                                          tuple(k["graphs"]) if "graphs" in k else None,
                                          k["salt"], k["hash"], k.get("created", ""))
                    for k in raw.get("keys", [])
                }
                self._verified.clear()
                self._mtime = mtime
            return dict(self._records)

    def create(self, role: str, name: str | None = None, graphs: list[str] | None = None) -> tuple[str, ApiKeyRecord]:
        """Add a key; returns the full key (shown once) and its record."""
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        salt = secrets.token_bytes(16)
        record = ApiKeyRecord(key_id, name or f"{role}-{key_id}", role, tuple(graphs) if graphs is not None else None,
                              salt.hex(), _hash_secret(secret, salt), time.strftime("%Y-%m-%dT%H:%M:%S%z"))
        lines = [
            "", "[[keys]]",
            f"id = {_toml_string(record.key_id)}",
            f"name = {_toml_string(record.name)}",
            f"role = {_toml_string(record.role)}",
        ]
        if record.graphs is not None:
            lines.append("graphs = [" + ", ".join(_toml_string(g) for g in record.graphs) + "]")
        lines += [f"salt = {_toml_string(record.salt)}", f"hash = {_toml_string(record.hash)}",
                  f"created = {_toml_string(record.created)}"]
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new_file = not self.path.exists()
        with open(self.path, "a", encoding="utf-8") as handle:
            if new_file:
                handle.write("# Schakel API keys: salted scrypt hashes, never the keys themselves.\n"
                             "# Add keys with `schakel token create`; remove a [[keys]] block to revoke one.\n")
            handle.write("\n".join(lines) + "\n")
        self.path.chmod(0o600)
        return f"{KEY_PREFIX}{key_id}_{secret}", record

    def verify(self, key: str) -> ApiKeyRecord | None:
        if not key.startswith(KEY_PREFIX):
            return None
        key_id, _, secret = key[len(KEY_PREFIX):].partition("_")
        record = self.records().get(key_id)
        if record is None or not secret:
            return None
        digest = hashlib.sha256(key.encode()).hexdigest()
        if self._verified.get(digest) == key_id:
            return record
        if not hmac.compare_digest(_hash_secret(secret, bytes.fromhex(record.salt)), record.hash):
            return None
        with self._lock:
            self._verified[digest] = key_id
        return record


class OidcValidator:
    def __init__(self, config: Config, settings: Mapping):
        self.config = config
        self.issuer = settings.get("issuer")
        self.audience = settings.get("audience")
        if not self.issuer or not self.audience:
            raise ConfigError(f"{config.path}: [auth.oidc] needs issuer and audience")
        self.role_claim = settings.get("role_claim", "role")
        self.name_claim = settings.get("name_claim", "sub")
        self.graphs_claim = settings.get("graphs_claim")
        self.algorithms = list(settings.get("algorithms", ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]))
        self.leeway = float(settings.get("leeway_seconds", 30))
        self._keys: dict[str | None, object] = {}
        if "jwks_file" in settings:
            jwks = json.loads(_config_path(config, settings["jwks_file"]).read_text(encoding="utf-8"))
            for key in jwt.PyJWKSet.from_dict(jwks).keys:
                self._keys[key.key_id] = key.key
        elif "public_key_file" in settings:
            self._keys[None] = _config_path(config, settings["public_key_file"]).read_bytes()
        else:
            raise ConfigError(f"{config.path}: [auth.oidc] needs jwks_file or public_key_file")

    def _key_for(self, token: str):
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError(401, "malformed bearer token") from None
        kid = header.get("kid")
        if kid in self._keys:
            return self._keys[kid]
        if None in self._keys:
            return self._keys[None]
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        raise AuthError(401, "token signed with an unknown key")

    def principal(self, token: str) -> Principal:
        key = self._key_for(token)
        try:
            claims = jwt.decode(token, key, algorithms=self.algorithms, audience=self.audience,
                                issuer=self.issuer, leeway=self.leeway, options={"require": ["exp", "iss", "aud"]})
        except jwt.ExpiredSignatureError:
            raise AuthError(401, "token expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError(401, "token audience does not match this service") from None
        except jwt.InvalidIssuerError:
            raise AuthError(401, "token issuer is not trusted") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(401, f"token lacks the {exc.claim!r} claim") from None
        except jwt.ImmatureSignatureError:
            raise AuthError(401, "token is not valid yet") from None
        except jwt.InvalidSignatureError:
            raise AuthError(401, "token signature is invalid") from None
        except jwt.PyJWTError as exc:
            raise AuthError(401, f"invalid token: {exc}") from None
        value = claims
        for part in self.role_claim.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        candidates = value if isinstance(value, list) else [value]
        role = next((r for r in candidates if isinstance(r, str) and r in self.config.roles), None)
        if role is None:
            raise AuthError(403, "the token grants no role known to this service")
        name = str(claims.get(self.name_claim) or claims.get("sub") or role)
        graphs = None
        if role == "integrator" and self.graphs_claim and isinstance(claims.get(self.graphs_claim), list):
            graphs = [g for g in claims[self.graphs_claim] if g in self.config.graphs]
        return principal_for_role(self.config, role, name=f"oidc:{name}", graph_names=graphs)


class Authenticator:
    """Turns request headers into a Principal (or raises AuthError)."""

    def __init__(self, config: Config):
        self.config = config
        self.keys = ApiKeyStore(api_keys_path(config))
        oidc = config.raw.get("auth", {}).get("oidc")
        self.oidc = OidcValidator(config, oidc) if oidc else None
        self.anonymous = principal_for_role(config, ANONYMOUS_ROLE, name="anonymous")

    def authenticate(self, headers: Mapping[str, str]) -> Principal:
        authorization = headers.get("authorization")
        api_key = headers.get("x-api-key")
        if authorization:
            scheme, _, credentials = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not credentials.strip():
                raise AuthError(401, "use 'Authorization: Bearer <API key or token>'")
            credentials = credentials.strip()
            if credentials.startswith(KEY_PREFIX):
                return self._from_key(credentials)
            if credentials.count(".") == 2:
                if self.oidc is None:
                    raise AuthError(401, "bearer tokens are not accepted by this service (no [auth.oidc] configured)")
                return self.oidc.principal(credentials)
            raise AuthError(401, "unknown API key or malformed bearer token")
        if api_key:
            return self._from_key(api_key.strip())
        return self.anonymous

    def _from_key(self, key: str) -> Principal:
        record = self.keys.verify(key)
        if record is None:
            raise AuthError(401, "unknown or revoked API key")
        if record.role not in self.config.roles:
            raise AuthError(403, "this API key's role is no longer configured")
        try:
            return principal_for_role(self.config, record.role, name=f"key:{record.name}", graph_names=record.graphs)
        except ValueError:
            raise AuthError(403, "this API key grants graphs that are no longer configured") from None
