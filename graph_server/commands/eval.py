"""`schakel eval`: ask the held-out counter questions through the question API and report
accuracy, answer-set F1, escalation precision/recall, leaks and latency (nl2sparql/evaluate.py)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "eval", help="evaluate the Dutch question API on the held-out questions",
        description="Instantiate examples/questions/questions.yaml from a generated sources folder, compute the "
                    "gold answers from the source files, ask every question through nl2sparql.pipeline.Asker "
                    "once per role and report per category: status accuracy, exact-answer accuracy, answer-set "
                    "F1, escalation precision/recall, leaks and p50/p95 latency. Writes a table and a JSON file.")
    p.add_argument("--store", type=Path, help="store folder ingested from --sources (default: [store] path)")
    p.add_argument("--sources", type=Path, required=True,
                   help="the `schakel generate` output the store was ingested from (gold answers come from it)")
    p.add_argument("--config", type=Path, help="schakel.toml (default: the project's)")
    p.add_argument("--role-filter", metavar="ROLES",
                   help="comma-separated roles to ask as (default: every role a question lists)")
    p.add_argument("--category", action="append", metavar="CATEGORY", help="only this category (repeatable)")
    p.add_argument("--llm", action="store_true",
                   help="also run with the configured LLM (in addition to the embedded translator)")
    p.add_argument("--llm-only", action="store_true", help="run only with the configured LLM")
    p.add_argument("--today", type=date.fromisoformat, help="the date relative expressions refer to (default 2026-11-29)")
    p.add_argument("--questions", type=Path, help="question file (default: examples/questions/questions.yaml)")
    p.add_argument("--limit", type=int, help="only the first N questions (smoke test)")
    p.add_argument("--per-category", type=int, metavar="N",
                   help="only the first N questions of every category (a balanced sample for slow LLM runs)")
    p.add_argument("--warmup", type=int, default=3, help="questions asked once before timing (default 3)")
    p.add_argument("--out", type=Path, default=Path("eval-report.json"), help="JSON report (default eval-report.json)")
    p.add_argument("--show-failures", type=int, default=0, metavar="N", help="print the first N wrong answers")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from graph_server.cli import UserError
    from graph_server.config import load_config
    from nl2sparql.evaluate import evaluate, format_table, llm_configured

    config = load_config(args.config)
    if not (args.sources / "dirt_report.json").is_file():
        raise UserError(f"--sources {args.sources}: not a `schakel generate` output (no dirt_report.json)")
    store = args.store or config.store_path
    if not Path(store).is_dir():
        raise UserError(f"--store {store}: not found (run `schakel ingest --sources {args.sources} --store {store}`)")
    try:
        import nl2sparql.pipeline  # noqa: F401
    except ImportError as exc:
        raise UserError(f"the translator is not available (nl2sparql.pipeline: {exc})") from None

    modes = []
    if not args.llm_only:
        modes.append("embedded")
    if args.llm or args.llm_only:
        if not llm_configured(config):
            if args.llm_only:
                raise UserError("--llm-only: no LLM is configured ([nl2sparql.llm] provider in schakel.toml "
                                "or SCHAKEL_NL_LLM_PROVIDER)")
            print("note: no LLM configured ([nl2sparql.llm] provider or SCHAKEL_NL_LLM_PROVIDER); "
                  "running the embedded translator only", file=sys.stderr)
        else:
            modes.append("llm")
    roles = [r.strip() for r in args.role_filter.split(",") if r.strip()] if args.role_filter else None
    unknown = [r for r in roles or [] if r not in config.roles]
    if unknown:
        raise UserError(f"--role-filter: unknown role(s) {unknown} (known: {', '.join(config.roles)})")

    def progress(n, total):
        if sys.stderr.isatty():
            print(f"\r  {n}/{total}", end="" if n < total else "\n", file=sys.stderr, flush=True)

    report = evaluate(config, args.sources, store, roles=roles, categories=args.category, modes=modes,
                      today=args.today, questions_file=args.questions, limit=args.limit,
                      per_category=args.per_category, warmup=args.warmup,
                      progress=progress)
    print(format_table(report["summary"]))
    skipped = report["meta"]["skipped_questions"]
    if skipped:
        print(f"{len(skipped)} question(s) skipped (no slot value or gold answer on these sources):")
        for s in skipped[:10]:
            print(f"  {s['id']}: {s['error']}")
    if args.show_failures:
        wrong = [r for r in report["results"]
                 if (r["status"] != r["expect"] and r["status"] not in r["accepted"]) or r["exact"] is False or r["leaks"]]
        for r in wrong[:args.show_failures]:
            print(f"- {r['id']} [{r['role']}/{r['mode']}] {r['question']}")
            print(f"    expect {r['expect']}, got {r['status']}; exact={r['exact']} f1={r['f1']} leaks={r['leaks']}")
            if r.get("gold"):
                print(f"    gold: {json.dumps(r['gold']['items'][:5], ensure_ascii=False)}")
            print(f"    answer: {(r.get('answer') or '')[:200]!r}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"JSON report: {args.out}")
    return 0
