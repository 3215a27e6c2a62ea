"""The `[web]` section of `schakel.toml`: who may open which page, session lifetime and the
session-signing secret, and the dashboard's goals.

    [web]
    session_hours = 10
    session_secret_env = "SCHAKEL_WEB_SECRET"     # wins when set
    session_secret_file = "var/web-session.key"   # else this file (created, mode 0600)
    first_line_goal = 0.80
    freshness_hours = 24
    service_months = 12

    [web.capabilities]
    balie = ["balie", "sociaal", "beheerder"]     # may use the counter page
    management = ["beheerder"]                    # may open the indicators dashboard

Everything has a default, so a configuration without `[web]` works.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from graph_server.config import Config, ConfigError

log = logging.getLogger("schakel.web")

COUNTER = "balie"
MANAGEMENT = "management"
DEFAULT_CAPABILITIES = {
    COUNTER: ("balie", "sociaal", "beheerder"),
    MANAGEMENT: ("beheerder",),
}


@dataclass(frozen=True)
class WebSettings:
    capabilities: dict[str, frozenset[str]]
    session_seconds: int
    secret: bytes
    first_line_goal: float = 0.80
    freshness_hours: float = 24.0
    service_months: int = 12

    def allows(self, role: str, capability: str) -> bool:
        return role in self.capabilities.get(capability, frozenset())

    def capabilities_of(self, role: str) -> list[str]:
        return sorted(c for c, roles in self.capabilities.items() if role in roles)


def _config_path(config: Config, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else config.path.resolve().parent / path


def _secret(config: Config, raw: dict, env: dict[str, str]) -> bytes:
    """The HMAC key for session cookies: the environment variable when set, else a random key
    kept in a file next to the store (so several workers and restarts share it)."""
    value = env.get(str(raw.get("session_secret_env", "SCHAKEL_WEB_SECRET")))
    if value:
        if len(value) < 16:
            raise ConfigError("the web session secret must be at least 16 characters")
        return value.encode()
    path = _config_path(config, str(raw.get("session_secret_file", "var/web-session.key")))
    try:
        data = path.read_bytes().strip()
        if len(data) >= 32:
            return data
    except FileNotFoundError:
        pass
    data = secrets.token_hex(32).encode()
    # O_EXCL: when two workers start together, one writes and the other reads its key.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    except OSError as exc:  # a read-only deployment without the environment variable
        log.warning("cannot keep the web session key in %s (%s); sessions end when this process stops "
                    "and are not shared between workers: set %s", path, exc,
                    raw.get("session_secret_env", "SCHAKEL_WEB_SECRET"))
        return data
    with os.fdopen(fd, "wb") as handle:
        handle.write(data + b"\n")
    return data


def load_web_settings(config: Config, env: dict[str, str] | None = None) -> WebSettings:
    env = dict(os.environ) if env is None else env
    raw = dict(config.raw.get("web", {}))
    caps_raw = dict(raw.get("capabilities", {}))
    capabilities: dict[str, frozenset[str]] = {}
    for name in set(DEFAULT_CAPABILITIES) | set(caps_raw):
        roles = caps_raw.get(name, DEFAULT_CAPABILITIES.get(name, ()))
        if not isinstance(roles, list | tuple) or not all(isinstance(r, str) for r in roles):
            raise ConfigError(f"{config.path}: [web.capabilities] {name} must be a list of role names")
        unknown = [r for r in roles if r not in config.roles]
        if unknown and name in caps_raw:
            raise ConfigError(f"{config.path}: [web.capabilities] {name} names unknown role(s) {unknown}")
        capabilities[name] = frozenset(r for r in roles if r in config.roles)
    if "publiek" in capabilities.get(MANAGEMENT, ()):
        raise ConfigError(f"{config.path}: [web.capabilities] management may not include the anonymous role")
    goal = float(raw.get("first_line_goal", 0.80))
    if not 0 < goal <= 1:
        raise ConfigError(f"{config.path}: [web] first_line_goal must be between 0 and 1")
    return WebSettings(
        capabilities=capabilities,
        session_seconds=int(float(raw.get("session_hours", 10)) * 3600),
        secret=_secret(config, raw, env),
        first_line_goal=goal,
        freshness_hours=float(raw.get("freshness_hours", 24)),
        service_months=max(1, min(36, int(raw.get("service_months", 12)))),
    )
