"""Renderers for a `PolicyReport`: text, json, turtle, md, html.

text/md/html group the results per source shape with counts and show at most `limit` results
per shape (the rest is counted); json and turtle are always complete.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from rdflib import BNode, Graph, Literal
from rdflib.namespace import RDF, XSD

from graph_server.validation.engine import SH
from graph_server.validation.messages import WELL_KNOWN_PREFIXES
from graph_server.validation.policy import SCHAKEL, PolicyReport

FORMATS = ("text", "json", "turtle", "md", "html")
TEMPLATES = Path(__file__).with_name("templates")
SEVERITY_WORDS = {
    "Violation": ("overtreding", "overtredingen", "violation", "violations"),
    "Warning": ("waarschuwing", "waarschuwingen", "warning", "warnings"),
    "Info": ("info", "info", "info", "info"),
}


def _counted(severity: str, n: int) -> tuple[str, str]:
    nl1, nln, en1, enn = SEVERITY_WORDS[severity]
    return f"{n} {nl1 if n == 1 else nln}", f"{n} {en1 if n == 1 else enn}"


def summary_line(report: PolicyReport, allow_warnings: bool = False) -> str:
    counts = report.counts
    nl = ", ".join(_counted(s, counts[s])[0] for s in counts)
    en = ", ".join(_counted(s, counts[s])[1] for s in counts)
    if report.passes(allow_warnings):
        verdict = "CONFORM / CONFORMS"
    else:
        verdict = "NIET CONFORM / DOES NOT CONFORM"
    return f"{verdict}: {nl} / {en}"


def to_json(report: PolicyReport, allow_warnings: bool = False) -> dict:
    return {
        "conforms": report.conforms,
        "passes": report.passes(allow_warnings),
        "allow_warnings": allow_warnings,
        "engine": report.engine,
        "data": report.data_sources,
        "data_triples": report.data_triples,
        "support_files": report.support_files,
        "profiles": [{"file": r.profile, "results": r.results, "seconds": round(r.seconds, 3)} for r in report.runs],
        "counts": report.counts,
        "summary": summary_line(report, allow_warnings),
        "groups": [
            {
                "shape": g.shape,
                "shape_iri": g.shape_iri,
                "profile": g.profile,
                "count": len(g.findings),
                "counts": g.counts,
                "results": [f.to_json() for f in g.findings],
            }
            for g in report.groups()
        ],
    }


def render_json(report: PolicyReport, allow_warnings: bool = False, limit: int | None = None) -> str:
    return json.dumps(to_json(report, allow_warnings), ensure_ascii=False, indent=2) + "\n"


def render_text(report: PolicyReport, allow_warnings: bool = False, limit: int | None = 20) -> str:
    lines = [
        f"SHACL-validatie / SHACL validation ({report.engine})",
        f"Gegevens / data: {', '.join(report.data_sources) or '-'} ({report.data_triples} triples)",
        f"Profielen / profiles: {', '.join(r.profile for r in report.runs)}",
    ]
    if report.support_files:
        lines.append(f"Codelijsten, ontologie / codelists, ontology: {', '.join(report.support_files)}")
    lines += [summary_line(report, allow_warnings), ""]
    for group in report.groups():
        counts = ", ".join(f"{n} {s}" for s, n in group.counts.items())
        lines.append(f"[{group.worst}] {group.shape}  ({group.profile}): {counts}")
        shown = group.findings if limit is None else group.findings[:limit]
        for f in shown:
            lines.append(f"  - {f.message_nl}")
            lines.append(f"    {f.message_en}")
            if f.shape_message:
                lines.append(f"    shape: {f.shape_message}")
            detail = [f"focus {f.focus}"]
            if f.path:
                detail.append(f"pad/path {f.path}")
            if f.value:
                detail.append(f"waarde/value {f.value}")
            detail.append(f"{f.severity}, {f.result.constraint}")
            if f.also_in:
                detail.append(f"ook in/also in {', '.join(f.also_in)}")
            lines.append("    " + " | ".join(detail))
        if len(shown) < len(group.findings):
            lines.append(f"  ... en nog {len(group.findings) - len(shown)} / and {len(group.findings) - len(shown)} more")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )


def _template_context(report: PolicyReport, allow_warnings: bool, limit: int | None) -> dict:
    groups = []
    for g in report.groups():
        shown = g.findings if limit is None else g.findings[:limit]
        groups.append({"group": g, "shown": shown, "hidden": len(g.findings) - len(shown)})
    return {"report": report, "summary": summary_line(report, allow_warnings), "groups": groups,
            "passes": report.passes(allow_warnings), "counts": report.counts}


def render_markdown(report: PolicyReport, allow_warnings: bool = False, limit: int | None = 20) -> str:
    return _environment().get_template("validation_report.md.j2").render(
        **_template_context(report, allow_warnings, limit), md=_md_escape)


def render_html(report: PolicyReport, allow_warnings: bool = False, limit: int | None = 20) -> str:
    return _environment().get_template("validation_report.html.j2").render(
        **_template_context(report, allow_warnings, limit))


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;").replace("\n", " ")


def report_graph(report: PolicyReport, allow_warnings: bool = False) -> Graph:
    """One sh:ValidationReport for the union of the profile runs, with the nl/en messages as
    language-tagged sh:resultMessage and schakel:profile naming the shapes file."""
    graph = Graph(bind_namespaces="core")
    graph.bind("sh", SH)
    graph.bind("schakel", SCHAKEL)
    for prefix, ns in WELL_KNOWN_PREFIXES.items():
        graph.bind(prefix, ns, override=False)
    for _name, g in report.report_graphs:
        for prefix, ns in g.namespaces():
            graph.bind(prefix, ns, override=False)
    root = BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, Literal(report.conforms)))
    sources = {name: g for name, g in report.report_graphs}
    for f in report.findings:
        r = f.result
        node = BNode()
        graph.add((root, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, r.focus_node))
        graph.add((node, SH.resultSeverity, SH[r.severity]))
        if r.constraint:
            graph.add((node, SH.sourceConstraintComponent, SH[r.constraint]))
        for predicate, value in ((SH.resultPath, r.path), (SH.value, r.value), (SH.sourceShape, r.source_shape)):
            if value is not None:
                graph.add((node, predicate, value))
                if isinstance(value, BNode) and f.profile in sources:
                    _copy_cbd(sources[f.profile], value, graph)
        graph.add((node, SH.resultMessage, Literal(f.message_nl, lang="nl")))
        graph.add((node, SH.resultMessage, Literal(f.message_en, lang="en")))
        graph.add((node, SCHAKEL.profile, Literal(f.profile)))
    graph.add((root, SCHAKEL.passes, Literal(report.passes(allow_warnings), datatype=XSD.boolean)))
    return graph


def _copy_cbd(source: Graph, node: BNode, target: Graph, depth: int = 0) -> None:
    if depth > 8:
        return
    for p, o in source.predicate_objects(node):
        if (node, p, o) in target:
            continue
        target.add((node, p, o))
        if isinstance(o, BNode):
            _copy_cbd(source, o, target, depth + 1)


def render_turtle(report: PolicyReport, allow_warnings: bool = False, limit: int | None = None) -> str:
    return report_graph(report, allow_warnings).serialize(format="turtle")


RENDERERS = {
    "text": render_text,
    "json": render_json,
    "turtle": render_turtle,
    "md": render_markdown,
    "html": render_html,
}


def render(report: PolicyReport, fmt: str = "text", *, allow_warnings: bool = False, limit: int | None = 20) -> str:
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise ValueError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}") from None
    return renderer(report, allow_warnings=allow_warnings, limit=limit)


__all__ = ["FORMATS", "render", "report_graph", "summary_line", "to_json"]
