"""`schakel generate`: write the synthetic source exports of docs/sources.md."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

DEFAULT_SEED = 24107  # Tienen's NIS code


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "generate",
        help="write synthetic source exports (GIS, CRM, meldingen, catalogue, organisation, sensors, social)",
        description="Write one folder per source application, in the formats of docs/sources.md, plus "
                    "dirt_report.json and truth/. Deterministic per seed.")
    p.add_argument("--scale", type=float, default=1.0,
                   help="size relative to the real city (1 = ~37,000 inhabitants; default 1)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    p.add_argument("--out", type=Path, required=True, help="output directory (created if missing)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from graph_server.cli import UserError
    from source_generator.generate import MAX_SCALE, generate

    scale = args.scale
    if not math.isfinite(scale) or scale <= 0:
        raise UserError(f"--scale must be a positive number, got {scale:g}")
    if scale > MAX_SCALE:
        raise UserError(f"--scale must be at most {MAX_SCALE:g} (got {scale:g})")
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create --out {out}: {exc.strerror or exc}") from exc

    started = time.perf_counter()
    summary = generate(out, scale=scale, seed=args.seed, progress=not args.quiet)
    elapsed = time.perf_counter() - started
    for line in summary.lines():
        print(line)
    print(f"  done in {elapsed:.1f} s")
    return 0
