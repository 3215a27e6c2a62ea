"""Reading RDF files for the shapes tools: format guessed from the extension, errors turned into
one line that names the file and the line (`RdfLoadError`), never a traceback.

rdflib does the parsing (the engines need rdflib graphs). When rdflib's own error carries no
position (N-Triples, JSON-LD), the file is re-read with pyoxigraph only to find the line.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.namespace import NamespaceManager

# Extension -> rdflib parser name. Checked longest first (".shacl.ttl" still ends in ".ttl").
FORMATS = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".n3": "n3",
    ".nt": "nt",
    ".ntriples": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}
QUAD_FORMATS = {"trig", "nquads", "json-ld"}
# MIME type -> rdflib parser name, for `POST /validate`.
MEDIA_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/rdf+xml": "xml",
}


class RdfLoadError(ValueError):
    """A file could not be read or parsed. `str()` is one line: `file:line: message`."""

    def __init__(self, source: str, message: str, line: int | None = None):
        self.source = source
        self.line = line
        self.reason = message
        where = f"{source}:{line}" if line else source
        super().__init__(f"{where}: {message}")


def guess_format(path: Path | str) -> str:
    name = str(path).lower()
    for ext in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(ext):
            return FORMATS[ext]
    raise RdfLoadError(str(path), f"cannot tell the RDF format from the extension "
                                  f"(use one of {', '.join(sorted(FORMATS))})")


def format_for_media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return MEDIA_TYPES.get(content_type.split(";", 1)[0].strip().lower())


def load_graph(path: Path | str, *, into: Graph | None = None, fmt: str | None = None) -> Graph:
    """Parse one file into `into` (a fresh Graph by default). Named graphs of TriG, N-Quads
    or JSON-LD input are merged: SHACL validates one data graph."""
    path = Path(path)
    fmt = fmt or guess_format(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RdfLoadError(str(path), exc.strerror or str(exc)) from None
    return parse_bytes(data, fmt, source=str(path), into=into, base=path.resolve().as_uri())


def parse_bytes(data: bytes, fmt: str, *, source: str = "<input>", into: Graph | None = None,
                base: str | None = None) -> Graph:
    # "core" bindings only: rdflib's default binds schema: to https://schema.org/, which renames
    # a file's own `schema:` (http) prefix to `schema1:` and garbles CURIEs in messages.
    target = into if into is not None else Graph(bind_namespaces="core")
    rdflib_logger = logging.getLogger("rdflib")
    previous = rdflib_logger.level
    rdflib_logger.setLevel(logging.ERROR)  # "does not look like a valid URI" warnings: lint's job
    try:
        if fmt in QUAD_FORMATS:
            dataset = Dataset()
            dataset.namespace_manager = NamespaceManager(dataset, bind_namespaces="core")
            dataset.parse(data=data, format=fmt, publicID=base)
            for s, p, o, _g in dataset.quads((None, None, None, None)):
                target.add((s, p, o))
            for prefix, ns in dataset.namespaces():
                target.bind(prefix, ns, override=False)
        else:
            target.parse(data=data, format=fmt, publicID=base)
    except Exception as exc:  # rdflib raises a zoo of exception types
        line, message = _locate(exc, data, fmt)
        raise RdfLoadError(source, message, line) from None
    finally:
        rdflib_logger.setLevel(previous)
    return target


def _locate(exc: Exception, data: bytes, fmt: str) -> tuple[int | None, str]:
    """Line number and a one-line message for a parse error."""
    if isinstance(exc, UnicodeDecodeError):
        line = data[: exc.start].count(b"\n") + 1
        return line, f"not UTF-8 ({exc.reason} at byte {exc.start}); re-save the file as UTF-8"
    if isinstance(exc, json.JSONDecodeError) or type(exc).__name__ == "JSONDecodeError":
        return getattr(exc, "lineno", None), f"invalid JSON: {getattr(exc, 'msg', exc)}"
    why = getattr(exc, "_why", None)
    lines = getattr(exc, "lines", None)  # rdflib's Turtle/TriG/N3 BadSyntax: 0-based line
    if why is not None and isinstance(lines, int):
        return lines + 1, f"syntax error: {why}"
    located = _oxigraph_position(data, fmt)
    if located:
        return located
    text = " ".join(str(exc).split())
    match = re.search(r"line (\d+)", text)
    return (int(match.group(1)) if match else None), f"cannot parse as {fmt}: {text[:300]}"


def _oxigraph_position(data: bytes, fmt: str) -> tuple[int, str] | None:
    try:
        import pyoxigraph as ox
    except ImportError:  # pragma: no cover
        return None
    ox_format = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS,
                 "trig": ox.RdfFormat.TRIG, "json-ld": ox.RdfFormat.JSON_LD,
                 "xml": ox.RdfFormat.RDF_XML}.get(fmt)
    if ox_format is None:
        return None
    try:
        for _ in ox.parse(data, format=ox_format, lenient=True):
            pass
    except SyntaxError as exc:
        message = str(exc).split(" (", 1)[0] if exc.lineno else str(exc)
        message = re.sub(r"^Parser error (at|between) [^:]*: ", "", message)
        return (exc.lineno or 0) or None, f"syntax error: {message}"
    except Exception:  # noqa: BLE001 - diagnostics only
        return None
    return None


def iter_rdf_files(paths: Iterable[Path | str], *, extensions: Iterable[str] | None = None) -> list[Path]:
    """Expand folders (recursively, sorted) into the RDF files they hold; files are kept as given."""
    allowed = tuple(extensions or FORMATS)
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*"))
                         if p.is_file() and p.name.lower().endswith(allowed) and not p.name.startswith("."))
        else:
            found.append(path)
    return found
