"""Request handling for `POST /validate`, independent of the web framework, so the route is
one line::

    status, body = handle_validate_request(await request.body(), request.headers.get("content-type"))
    return JSONResponse(body, status_code=status)

Query options the route may pass through: engine, allow_warnings, shapes (paths).

Status codes
    200  validation ran; the body is the report (`conforms`, `passes`, `counts`, `groups`...)
    400  the body is not parsable RDF: {"error": "...", "line": N}
    413  the body is larger than max_bytes (Config.limits.max_request_bytes)
    415  unsupported or missing content type: {"error": ..., "supported": [...]}
    500  the shapes could not be loaded or evaluated (a server problem, not the caller's)
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from graph_server.validation.policy import PolicyError, ShapeSet, load_shape_set, run_profiles
from graph_server.validation.rdfio import MEDIA_TYPES, RdfLoadError, format_for_media_type, parse_bytes
from graph_server.validation.report import to_json

_cache: dict[tuple, ShapeSet] = {}
_lock = threading.Lock()


def _default_shapes() -> list[Path]:
    from graph_server.config import PROJECT_ROOT
    return [PROJECT_ROOT / "shapes"]


def cached_shape_set(paths: Sequence[Path | str]) -> ShapeSet:
    """Shapes are parsed once per set of files and modification times."""
    files = []
    for raw in paths:
        path = Path(raw)
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        files.extend((str(p), p.stat().st_mtime_ns) for p in candidates if p.is_file())
    key = tuple(files)
    with _lock:
        if key not in _cache:
            _cache.clear()
            _cache[key] = load_shape_set(list(paths))
        return _cache[key]


def handle_validate_request(body: bytes, content_type: str | None, *, shapes: Sequence[Path | str] | None = None,
                            engine: str = "pyshacl", allow_warnings: bool = False,
                            max_bytes: int | None = None) -> tuple[int, dict]:
    """Validate an RDF request body against the project's shapes; (HTTP status, JSON body)."""
    if max_bytes is not None and len(body) > max_bytes:
        return 413, {"error": f"request body of {len(body)} bytes exceeds the limit of {max_bytes} bytes"}
    fmt = format_for_media_type(content_type)
    if fmt is None:
        return 415, {"error": f"unsupported content type {content_type!r}", "supported": sorted(MEDIA_TYPES)}
    try:
        data = parse_bytes(body, fmt, source="request body")
    except RdfLoadError as exc:
        return 400, {"error": exc.reason, "line": exc.line}
    try:
        shape_set = cached_shape_set(shapes or _default_shapes())
        report = run_profiles(data, shape_set, engine=engine, data_sources=["request body"])
    except (PolicyError, RdfLoadError, OSError) as exc:
        return 500, {"error": f"shapes could not be used: {exc}"}
    return 200, to_json(report, allow_warnings)


__all__ = ["cached_shape_set", "handle_validate_request"]
