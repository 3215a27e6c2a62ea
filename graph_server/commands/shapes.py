"""`schakel shapes`: tools for ontology and shape maintainers.

    schakel shapes validate DATA... [--shapes DIR_OR_FILES...] [--format text|json|turtle|md|html]
                                    [--allow-warnings] [--engine pyshacl|pyshacl-turbo]
                                    [--codelists PATH...] [--limit N] [--output FILE]
    schakel shapes lint SHAPES... [--vocab PATH...] [--codelists PATH...] [--format text|json]
    schakel shapes doc [--shapes DIR] [--ontology DIR] [--codelists PATH...] --out DIR

Exit codes: 0 ok; 1 violations (validate: or warnings without --allow-warnings) / lint defects;
2 could not run (unreadable or unparsable file: one line naming file and line).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from graph_server.config import PROJECT_ROOT

DEFAULT_SHAPES = PROJECT_ROOT / "shapes"
DEFAULT_ONTOLOGY = PROJECT_ROOT / "ontology"


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "shapes", help="validate data, lint shapes, document the application profile",
        description="Tools for ontology and shape maintainers.")
    sub = parser.add_subparsers(dest="shapes_command", required=True, metavar="SUBCOMMAND")

    validate = sub.add_parser(
        "validate", help="validate data files against the shapes, per profile file",
        description="Validate RDF data (Turtle, N-Triples, JSON-LD, TriG; format from the extension) "
                    "against every shapes file on its own and report the union. Exit 0 conforms, "
                    "1 violations (or warnings without --allow-warnings), 2 could not run.")
    validate.add_argument("data", nargs="+", type=Path, metavar="DATA", help="data files or folders")
    validate.add_argument("--shapes", nargs="+", type=Path, default=None, metavar="PATH",
                          help=f"shapes files or folders (default: {DEFAULT_SHAPES.relative_to(PROJECT_ROOT)}/)")
    validate.add_argument("--codelists", nargs="+", type=Path, default=(), metavar="PATH",
                          help="codelists / ontology files added to the data of every run")
    validate.add_argument("--format", choices=("text", "json", "turtle", "md", "html"), default="text")
    validate.add_argument("--allow-warnings", action="store_true", help="warnings do not fail (exit 0)")
    validate.add_argument("--engine", choices=("pyshacl", "pyshacl-turbo"), default=None,
                          help="SHACL engine (default: [ingest] shacl_engine of schakel.toml, else pyshacl)")
    validate.add_argument("--limit", type=int, default=20,
                          help="results shown per shape in text/md/html (0 = all; json/turtle are complete)")
    validate.add_argument("-o", "--output", type=Path, default=None, help="write the report here instead of stdout")
    validate.set_defaults(run=run_validate)

    lint = sub.add_parser(
        "lint", help="find known defect patterns in SHACL shapes",
        description="Detect defect patterns of published OSLO shapes: sh:class on literal types, "
                    "property IRIs as sh:targetClass, placeholder or mixed-scheme namespaces, IRIs "
                    "with spaces, sh:path typos, shapes that never fire, conflicting cardinalities "
                    "across profiles, codelists that are not available. Exit 1 when defects are found.")
    lint.add_argument("shapes", nargs="+", type=Path, metavar="SHAPES", help="shapes files or folders")
    lint.add_argument("--vocab", nargs="+", type=Path, default=(), metavar="PATH",
                      help="vocabularies (files or folders) that define the known terms")
    lint.add_argument("--codelists", nargs="+", type=Path, default=(), metavar="PATH",
                      help="codelists (skos:ConceptScheme files or folders) available at validation time")
    lint.add_argument("--format", choices=("text", "json"), default="text")
    lint.add_argument("--min-severity", choices=("error", "warning", "info"), default="warning",
                      help="lowest severity that makes the exit code 1 (default: warning)")
    lint.add_argument("-o", "--output", type=Path, default=None)
    lint.set_defaults(run=run_lint)

    doc = sub.add_parser(
        "doc", help="HTML and Markdown documentation of the application profile",
        description="Per class: properties, cardinalities, datatypes, codelists, nl/en labels and "
                    "definitions (from the ontology), and a generated Turtle example.")
    doc.add_argument("--shapes", nargs="+", type=Path, default=None, metavar="PATH",
                     help=f"shapes files or folders (default: {DEFAULT_SHAPES.relative_to(PROJECT_ROOT)}/)")
    doc.add_argument("--ontology", nargs="+", type=Path, default=None, metavar="PATH",
                     help=f"ontology files or folders (default: {DEFAULT_ONTOLOGY.relative_to(PROJECT_ROOT)}/)")
    doc.add_argument("--codelists", nargs="+", type=Path, default=(), metavar="PATH")
    doc.add_argument("--title", default=None, help="title of the documentation")
    doc.add_argument("--out", type=Path, required=True, help="output folder (index.html, index.md, per-class pages)")
    doc.set_defaults(run=run_doc)


def _user_error(message: str):
    from graph_server.cli import UserError
    return UserError(message)


def _default_engine() -> str:
    try:
        from graph_server.config import load_config
        return load_config().shacl_engine
    except Exception:  # noqa: BLE001 - no or broken config: the tool still works
        return "pyshacl"


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _user_error(f"{output}: cannot write: {exc.strerror or exc}") from None


def run_validate(args: argparse.Namespace) -> int:
    from graph_server.validation.policy import PolicyError, load_data, load_shape_set, run_profiles
    from graph_server.validation.rdfio import RdfLoadError
    from graph_server.validation.report import render

    engine = args.engine or _default_engine()
    shapes = args.shapes or [DEFAULT_SHAPES]
    try:
        for path in [*shapes, *args.data, *args.codelists]:
            if not path.exists():
                raise RdfLoadError(str(path), "No such file or directory")
        shape_set = load_shape_set(shapes, extra_support=args.codelists)
        data, sources = load_data(args.data)
        report = run_profiles(data, shape_set, engine=engine, data_sources=sources)
    except (RdfLoadError, PolicyError) as exc:
        raise _user_error(str(exc)) from None
    except ImportError as exc:
        raise _user_error(f"SHACL engine {engine!r} is not installed ({exc})") from None
    limit = None if args.limit is not None and args.limit <= 0 else args.limit
    _emit(render(report, args.format, allow_warnings=args.allow_warnings, limit=limit), args.output)
    if args.output is not None:
        from graph_server.validation.report import summary_line
        print(summary_line(report, args.allow_warnings), file=sys.stderr)
    return report.exit_code(args.allow_warnings)


def run_lint(args: argparse.Namespace) -> int:
    from graph_server.validation.lint import LintError, lint_paths, render_lint

    try:
        for path in [*args.shapes, *args.vocab, *args.codelists]:
            if not path.exists():
                raise LintError(f"{path}: No such file or directory")
        result = lint_paths(args.shapes, vocab=args.vocab, codelists=args.codelists)
    except LintError as exc:
        raise _user_error(str(exc)) from None
    _emit(render_lint(result, args.format), args.output)
    return result.exit_code(args.min_severity)


def run_doc(args: argparse.Namespace) -> int:
    from graph_server.validation.policy import PolicyError
    from graph_server.validation.profile_doc import build_documentation
    from graph_server.validation.rdfio import RdfLoadError

    shapes = args.shapes or [DEFAULT_SHAPES]
    ontology = args.ontology if args.ontology is not None else ([DEFAULT_ONTOLOGY] if DEFAULT_ONTOLOGY.exists() else [])
    try:
        for path in [*shapes, *ontology, *args.codelists]:
            if not path.exists():
                raise RdfLoadError(str(path), "No such file or directory")
        written = build_documentation(shapes, ontology, args.out, codelists=args.codelists, title=args.title)
    except (RdfLoadError, PolicyError) as exc:
        raise _user_error(str(exc)) from None
    except OSError as exc:
        raise _user_error(f"{args.out}: cannot write: {exc.strerror or exc}") from None
    print(f"{len(written)} files written to {args.out}", file=sys.stderr)
    return 0
