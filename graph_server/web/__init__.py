"""The counter page (`/balie`) and the indicators dashboard (`/dashboard`), in Dutch.

Both are rendered on the server (Jinja2 templates, charts as inline SVG); the counter page
adds one small script of its own for asking questions and lookups without reloading. Nothing
is fetched from a CDN or from node_modules: every asset is in `static/`.

Sign-in takes a personal API key (`schakel token create --role balie`); the server keeps a
signed session cookie that names the key, never the key itself (see `session.py`). Every
data call runs as the key's principal through the scope gate.
"""

from graph_server.web.routes import web_router

__all__ = ["web_router"]
