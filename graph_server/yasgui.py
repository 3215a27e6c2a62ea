"""The YASGUI query page for integrators at `/yasgui`.

YASGUI comes from the npm package `@triply/yasgui` (installed by `make setup` with `npm ci`
into `node_modules/`, never committed) and is served from this server, so the page works
offline and sends no request anywhere but here:

* the endpoint is preset to this server's `/sparql` (resolved against the page's own URL, so
  it also works behind a reverse proxy that adds a path prefix);
* the PREFIX autocompleter reads `/yasgui/prefixes.json` (the `@prefix` declarations of
  `ontology/`) instead of prefix.cc, and the class/property autocompleters complete from the
  terms declared in `ontology/` instead of asking LOV;
* the endpoint catalogue lists only this endpoint; no CORS proxy;
* a Content-Security-Policy lets the page connect, load scripts, styles and images from
  this origin only (plus inline styles and data: images, which YASGUI needs), so a
  forgotten remote call fails in the browser instead of leaking a query.

An optional API-key field adds `Authorization: Bearer <key>` to every request of every tab,
set on the outgoing request itself: the key is kept in the browser tab's sessionStorage only,
never in YASGUI's persisted tabs or in the links its "share" button makes.
"""

from __future__ import annotations

import html
import json
import os
import re
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
STATIC_DIR = Path(__file__).resolve().parent / "yasgui_static"


def node_modules_dir() -> Path:
    """`SCHAKEL_NODE_MODULES` when set (an installed package has no repo checkout around it),
    else `node_modules/` at the project root."""
    return Path(os.environ.get("SCHAKEL_NODE_MODULES") or PROJECT_ROOT / "node_modules")


def yasgui_dist_dir() -> Path:
    return node_modules_dir() / "@triply" / "yasgui" / "build"


# Files of the YASGUI build the page may load; nothing else under node_modules is served.
_DIST_FILES = {
    "yasgui.min.js": "text/javascript; charset=utf-8",
    "yasgui.min.css": "text/css; charset=utf-8",
    "yasgui.min.js.map": "application/json",
}
_STATIC_FILES = {
    "schakel-yasgui.js": "text/javascript; charset=utf-8",
    "schakel-yasgui.css": "text/css; charset=utf-8",
}

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",  # YASGUI and CodeMirror set style attributes
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'self'",
    "frame-ancestors 'self'",
])

_PREFIX_LINE = re.compile(r"^\s*(?:@prefix\s+([A-Za-z][\w.\-]*)?:\s*<([^>]*)>\s*\.|"
                          r"PREFIX\s+([A-Za-z][\w.\-]*)?:\s*<([^>]*)>)", re.IGNORECASE | re.MULTILINE)


def ontology_prefixes(ontology_dir: Path = ONTOLOGY_DIR) -> dict[str, str]:
    """prefix -> namespace from the `@prefix` / `PREFIX` declarations of every Turtle file in
    `ontology/` (the application profile first, then the code lists; the first one wins)."""
    files = sorted(ontology_dir.rglob("*.ttl"), key=lambda p: (len(p.relative_to(ontology_dir).parts), str(p)))
    prefixes: dict[str, str] = {}
    for path in files:
        for match in _PREFIX_LINE.finditer(path.read_text(encoding="utf-8")):
            name = match.group(1) if match.group(2) is not None else match.group(3)
            iri = match.group(2) if match.group(2) is not None else match.group(4)
            if name and iri and name not in prefixes:
                prefixes[name] = iri
    return prefixes


_CLASS_TYPES = {"http://www.w3.org/2002/07/owl#Class", "http://www.w3.org/2000/01/rdf-schema#Class"}
_PROPERTY_TYPES = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property",
    "http://www.w3.org/2002/07/owl#ObjectProperty",
    "http://www.w3.org/2002/07/owl#DatatypeProperty",
    "http://www.w3.org/2002/07/owl#AnnotationProperty",
}
_RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def ontology_terms(ontology_dir: Path = ONTOLOGY_DIR) -> dict[str, list[str]]:
    """The classes and properties declared in `ontology/`: what the class and property
    autocompleters offer instead of LOV's catalogue."""
    classes: set[str] = set()
    properties: set[str] = set()
    for path in sorted(ontology_dir.rglob("*.ttl")):
        try:
            quads = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
            for quad in quads:
                if quad.predicate != _RDF_TYPE or not isinstance(quad.subject, ox.NamedNode):
                    continue
                kind = quad.object.value if isinstance(quad.object, ox.NamedNode) else ""
                if kind in _CLASS_TYPES:
                    classes.add(quad.subject.value)
                elif kind in _PROPERTY_TYPES:
                    properties.add(quad.subject.value)
        except SyntaxError:
            continue  # a broken code list must not take the query page down
    properties.add(_RDF_TYPE.value)
    return {"classes": sorted(classes), "properties": sorted(properties)}


@lru_cache(maxsize=1)
def _cached_prefixes() -> dict[str, str]:
    return ontology_prefixes()


@lru_cache(maxsize=1)
def _cached_terms() -> dict[str, list[str]]:
    return ontology_terms()


# The first query an integrator sees: the counters' opening hours, a public graph, so it
# answers for anonymous visitors too.
_EXAMPLE_BODY = """\
# Openingsuren van de loketten (publieke gegevens)
SELECT ?loket ?naam ?dag ?open ?dicht WHERE {
  ?loket a m8g:Channel ;
         rdfs:label ?naam ;
         schema:hoursAvailable ?uren .
  ?uren schema:dayOfWeek ?dag ;
        schema:opens ?open ;
        schema:closes ?dicht .
}
ORDER BY ?naam ?dag ?open
LIMIT 100
"""
_EXAMPLE_PREFIXES = ("rdf", "rdfs", "m8g", "schema")


def example_query(prefixes: dict[str, str]) -> str:
    lines = [f"PREFIX {p}: <{prefixes[p]}>" for p in _EXAMPLE_PREFIXES if p in prefixes]
    return "\n".join(lines) + "\n\n" + _EXAMPLE_BODY


def _root_path(request: Request) -> str:
    return str(request.scope.get("root_path") or "").rstrip("/")


def render_page(request: Request) -> str:
    root = _root_path(request)
    prefixes = _cached_prefixes()
    state = getattr(request.app.state, "schakel", None)
    city = state.config.city.name if state is not None else "Schakel"
    config = {
        "endpointPath": f"{root}/sparql",
        "prefixesUrl": f"{root}/yasgui/prefixes.json",
        "termsUrl": f"{root}/yasgui/terms.json",
        "prefixes": prefixes,
        "exampleQuery": example_query(prefixes),
        "storagePrefix": "schakel-yasgui",
    }
    # JSON in a data block: not executed (allowed by the CSP), and "</" cannot end the tag.
    config_json = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    title = html.escape(f"SPARQL — {city}")
    return f"""<!doctype html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{root}/yasgui/dist/yasgui.min.css">
<link rel="stylesheet" href="{root}/yasgui/static/schakel-yasgui.css">
</head>
<body>
<header class="schakel-bar">
  <h1>{title}</h1>
  <form id="schakel-auth" class="schakel-auth" autocomplete="off">
    <label for="schakel-api-key">API-sleutel (optioneel)</label>
    <input id="schakel-api-key" name="api-key" type="password" spellcheck="false"
           placeholder="schakel_… — leeg: publieke gegevens">
    <button id="schakel-api-key-clear" type="button">Wissen</button>
    <span id="schakel-auth-state" class="schakel-auth-state" aria-live="polite"></span>
  </form>
</header>
<main id="yasgui"></main>
<script type="application/json" id="schakel-yasgui-config">{config_json}</script>
<script src="{root}/yasgui/dist/yasgui.min.js"></script>
<script src="{root}/yasgui/static/schakel-yasgui.js"></script>
</body>
</html>
"""


_MISSING = ("The YASGUI files are not installed: run `make setup` (or `npm ci` in the project folder) "
            "so that node_modules/@triply/yasgui exists, or point SCHAKEL_NODE_MODULES at it.\n")


def yasgui_router() -> APIRouter:
    router = APIRouter()
    page_headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "no-referrer"}

    async def page(request: Request) -> Response:
        if not (yasgui_dist_dir() / "yasgui.min.js").is_file():
            return Response(_MISSING, status_code=503, media_type="text/plain; charset=utf-8")
        return HTMLResponse(render_page(request), headers=page_headers)

    async def dist(name: str) -> Response:
        media = _DIST_FILES.get(name)
        path = yasgui_dist_dir() / name
        if media is None or not path.is_file():
            return Response("not found\n", status_code=404, media_type="text/plain; charset=utf-8")
        return FileResponse(path, media_type=media, headers={"X-Content-Type-Options": "nosniff"})

    async def static(name: str) -> Response:
        media = _STATIC_FILES.get(name)
        if media is None:
            return Response("not found\n", status_code=404, media_type="text/plain; charset=utf-8")
        return FileResponse(STATIC_DIR / name, media_type=media, headers={"X-Content-Type-Options": "nosniff"})

    async def prefixes() -> Response:
        # The format of prefix.cc's popular/all.file.json, which YASQE's autocompleter reads.
        return JSONResponse(_cached_prefixes())

    async def terms() -> Response:
        return JSONResponse(_cached_terms())

    router.add_api_route("/yasgui", page, methods=["GET"], summary="YASGUI query page for this endpoint",
                         response_class=HTMLResponse)
    router.add_api_route("/yasgui/", page, methods=["GET"], include_in_schema=False)
    router.add_api_route("/yasgui/dist/{name}", dist, methods=["GET"], include_in_schema=False)
    router.add_api_route("/yasgui/static/{name}", static, methods=["GET"], include_in_schema=False)
    router.add_api_route("/yasgui/prefixes.json", prefixes, methods=["GET"], include_in_schema=False)
    router.add_api_route("/yasgui/terms.json", terms, methods=["GET"], include_in_schema=False)
    return router
