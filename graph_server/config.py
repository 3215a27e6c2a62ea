"""Loading `schakel.toml`: the city, graphs, roles and limits every other module reads."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "schakel.toml"
# Only for demos and tests; ingest warns whenever it is used.
DEVELOPMENT_PSEUDONYM_SECRET = "schakel-development-secret-do-not-use-in-production"


class ConfigError(ValueError):
    """The configuration file is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class Role:
    name: str
    graphs: tuple[str, ...]
    write: bool = False
    escalate_to: str | None = None


@dataclass(frozen=True)
class Limits:
    query_timeout_seconds: float = 10.0
    max_result_rows: int = 10000
    max_request_bytes: int = 1_048_576
    requests_per_minute: int = 600


@dataclass(frozen=True)
class City:
    name: str
    nis_code: str
    postcodes: tuple[str, ...]
    base_iri: str
    bbox: tuple[float, float, float, float]
    deelgemeenten: tuple[str, ...]


@dataclass(frozen=True)
class Config:
    path: Path
    city: City
    graphs: dict[str, str]  # logical name -> sensitivity
    roles: dict[str, Role]
    limits: Limits
    store_path: Path
    audit_path: Path
    pseudonym_secret_env: str = "SCHAKEL_PSEUDONYM_SECRET"
    address_link_threshold: float = 0.9
    shacl_engine: str = "oxigraph"
    raw: dict = field(default_factory=dict, repr=False)

    def graph_iri(self, name: str) -> str:
        return f"{self.city.base_iri}graph/{name}"

    def graph_name(self, iri: str) -> str | None:
        prefix = f"{self.city.base_iri}graph/"
        if iri.startswith(prefix) and iri[len(prefix):] in self.graphs:
            return iri[len(prefix):]
        return None

    def role_graphs(self, role: str) -> tuple[str, ...]:
        """Logical graph names a role may see; unknown roles see nothing."""
        found = self.roles.get(role)
        if found is None:
            return ()
        if "*" in found.graphs:
            return tuple(self.graphs)
        return tuple(g for g in found.graphs if g in self.graphs)

    def pseudonym_secret(self) -> tuple[bytes, bool]:
        """The HMAC key for person pseudonyms and whether it is the development key."""
        value = os.environ.get(self.pseudonym_secret_env)
        if value:
            return value.encode(), False
        return DEVELOPMENT_PSEUDONYM_SECRET.encode(), True


def _resolve(base: Path, value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else base / path


def load_config(path: Path | str | None = None) -> Config:
    config_path = Path(path or os.environ.get("SCHAKEL_CONFIG") or DEFAULT_CONFIG)
    try:
        raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{config_path}: configuration file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{config_path}: invalid TOML: {exc}") from None

    try:
        city_raw = raw["city"]
        city = City(
            name=city_raw["name"],
            nis_code=str(city_raw["nis_code"]),
            postcodes=tuple(str(p) for p in city_raw.get("postcode", [])),
            base_iri=city_raw["base_iri"],
            bbox=tuple(float(v) for v in city_raw["bbox"]),  # type: ignore[arg-type]
            deelgemeenten=tuple(city_raw.get("deelgemeenten", [])),
        )
        graphs = {str(k): str(v) for k, v in raw["graphs"].items()}
    except KeyError as exc:
        raise ConfigError(f"{config_path}: missing required key {exc}") from None
    if not city.base_iri.endswith("/"):
        raise ConfigError(f"{config_path}: [city] base_iri must end with '/'")

    roles: dict[str, Role] = {}
    for name, spec in raw.get("roles", {}).items():
        unknown = [g for g in spec.get("graphs", []) if g != "*" and g not in graphs]
        if unknown:
            raise ConfigError(f"{config_path}: role {name!r} names unknown graph(s) {unknown}")
        roles[name] = Role(
            name=name,
            graphs=tuple(spec.get("graphs", [])),
            write=bool(spec.get("write", False)),
            escalate_to=spec.get("escalate_to"),
        )
    if "publiek" not in roles:
        raise ConfigError(f"{config_path}: a role 'publiek' is required (it serves anonymous requests)")

    limits = Limits(**raw.get("limits", {}))
    base = config_path.resolve().parent
    ingest = raw.get("ingest", {})
    return Config(
        path=config_path,
        city=city,
        graphs=graphs,
        roles=roles,
        limits=limits,
        store_path=_resolve(base, raw.get("store", {}).get("path", "var/store")),
        audit_path=_resolve(base, raw.get("audit", {}).get("path", "var/audit.jsonl")),
        pseudonym_secret_env=ingest.get("pseudonym_secret_env", "SCHAKEL_PSEUDONYM_SECRET"),
        address_link_threshold=float(ingest.get("address_link_threshold", 0.9)),
        shacl_engine=ingest.get("shacl_engine", "oxigraph"),
        raw=raw,
    )
