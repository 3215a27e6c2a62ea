"""Tienen SPARQL query-mix benchmark: this project's endpoint against Oxigraph's own server and
Virtuoso Open Source 7, on the same store generation, with the same client, in the same run.

    .venv/bin/python benchmarks/sparql.py --store var/store            # all three systems
    .venv/bin/python benchmarks/sparql.py --store var/store --rounds 20 --json var/bench.json
    .venv/bin/python benchmarks/sparql.py --store var/store --breakdown  # where our time goes

* schakel: `schakel serve` on the store, every request with an API key of `--role` (default
  balie), so authentication, the scope gate (rdflib parse + dataset), the evaluation thread,
  rendering and the audit log are all in the measured path. The per-client rate limit is
  turned off for the run (600/min would throttle one client sending the mix); nothing else in
  schakel.toml changes.
* oxigraph: `oxigraph serve-read-only` on a copy of the live generation.
* oxigraph-merged: `oxigraph serve-read-only` on a store holding the union of the role's
  graphs in its default graph, queried without `default-graph-uri`: how fast the engine our
  endpoint runs on evaluates the mix in its fastest layout, with no scoping at all. It bounds
  what any layer over pyoxigraph can reach against Virtuoso.
* virtuoso: Virtuoso 7 (Debian `virtuoso-opensource`) on loopback with its own ini in
  `--workdir`, bulk-loaded from an N-Quads dump of the same generation.

Oxigraph and Virtuoso get `default-graph-uri` = the role's graphs with every request, so all
three evaluate each query over the same dataset (the union of the role's graphs), and their
result sizes are compared query by query.

One mix = the 16 queries of `tienen_queries.py` with parameters drawn from the store. Rounds
run the systems one after the other in rotating order with the same parameters, so a load
spike on this shared 2-core machine hits all of them alike. Reported: query mixes per hour
(QMpH = 3600 / mean mix time), per-query p50 / p95, and the ratios. A benchmark, not a test:
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
from collections import Counter
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _report import mib, write_section  # noqa: E402
from _servers import (  # noqa: E402
    ROOT,
    Target,
    copy_generation,
    dir_size,
    dump_nquads,
    live_generation,
    merge_graphs,
    start_oxigraph,
    start_schakel,
    start_virtuoso,
)
from tienen_queries import POOL_QUERIES, PREFIXES, QUERIES, Query, draw_parameters  # noqa: E402

SYSTEMS = ("schakel", "oxigraph", "oxigraph-merged", "virtuoso")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def result_size(query: Query, response: httpx.Response) -> int:
    if query.accept == "application/n-triples":
        return sum(1 for line in response.text.splitlines() if line.strip() and not line.startswith("#"))
    data = response.json()
    if "boolean" in data:
        return int(bool(data["boolean"]))
    return len(data["results"]["bindings"])


FORM = "application/x-www-form-urlencoded"


def form_body(text: str, target: Target) -> bytes:
    return urlencode([("query", text), *target.params]).encode()


def send(client: httpx.Client, target: Target, query: Query, text: str) -> tuple[float, httpx.Response]:
    """One request, timed from sending to the last byte of the body."""
    body = form_body(text, target)
    started = time.perf_counter()
    response = client.post(target.url, content=body, headers={"Accept": query.accept, "Content-Type": FORM,
                                                                **target.headers})
    response.read()
    return time.perf_counter() - started, response


def read_pools(client: httpx.Client, target: Target) -> dict[str, list[tuple[str, str | None]]]:
    pools = {}
    for name, text in POOL_QUERIES.items():
        r = client.post(target.url, content=form_body(PREFIXES + text, target),
                        headers={"Accept": "application/sparql-results+json", "Content-Type": FORM, **target.headers})
        r.raise_for_status()
        pools[name] = [(b["v"]["value"], b["v"].get("xml:lang")) for b in r.json()["results"]["bindings"]]
        if not pools[name]:
            raise RuntimeError(f"parameter pool {name} is empty: is this a generated Tienen store?")
    return pools


def run_mix(targets: list[Target], rounds: int, warmup: int, seed: int, timeout: float,
            log=print) -> dict:
    clients = {t.name: httpx.Client(timeout=timeout) for t in targets}
    try:
        pools = read_pools(clients[targets[0].name], targets[0])
        rng = random.Random(seed)
        times: dict[str, dict[str, list[float]]] = {t.name: {q.key: [] for q in QUERIES} for t in targets}
        mix_times: dict[str, list[float]] = {t.name: [] for t in targets}
        errors: dict[str, list[str]] = {t.name: [] for t in targets}
        mismatches: list[dict] = []
        for round_no in range(warmup + rounds):
            measured = round_no >= warmup
            params = draw_parameters(pools, rng)
            order = targets[round_no % len(targets):] + targets[:round_no % len(targets)]
            sizes: dict[str, dict[str, int]] = {t.name: {} for t in targets}
            this_round: dict[str, float] = {}
            for target in order:
                mix = 0.0
                client = clients[target.name]
                for query in QUERIES:
                    elapsed, response = send(client, target, query, query.render(params))
                    mix += elapsed
                    if response.status_code != 200:
                        errors[target.name].append(f"{query.key}: HTTP {response.status_code} "
                                                   f"{response.text[:200].strip()}")
                        continue
                    sizes[target.name][query.key] = result_size(query, response)
                    if measured:
                        times[target.name][query.key].append(elapsed)
                this_round[target.name] = mix
                if measured:
                    mix_times[target.name].append(mix)
            for query in QUERIES:
                seen = {name: sizes[name].get(query.key) for name in sizes}
                if len(set(v for v in seen.values() if v is not None)) > 1:
                    mismatches.append({"round": round_no, "query": query.key, "sizes": seen})
            label = f"round {round_no - warmup + 1}/{rounds}" if measured else f"warm-up {round_no + 1}/{warmup}"
            log(f"  {label}: " + ", ".join(f"{name} {mix:.2f} s" for name, mix in this_round.items()))
        return {"times": times, "mix_times": mix_times, "errors": errors, "mismatches": mismatches,
                "pool_sizes": {k: len(v) for k, v in pools.items()}}
    finally:
        for client in clients.values():
            client.close()


def summarise(result: dict, names: list[str]) -> dict:
    summary: dict = {"systems": {}, "queries": {}}
    for name in names:
        mixes = result["mix_times"][name]
        mean = statistics.fmean(mixes) if mixes else float("nan")
        summary["systems"][name] = {"qmph": 3600 / mean if mixes else float("nan"), "mix_mean_s": mean,
                                    "mix_p50_s": percentile(mixes, 50), "mixes": len(mixes),
                                    "errors": len(result["errors"][name])}
    for query in QUERIES:
        row = {"who": query.who, "title": query.title}
        for name in names:
            samples = result["times"][name][query.key]
            row[name] = {"p50_ms": 1000 * percentile(samples, 50), "p95_ms": 1000 * percentile(samples, 95),
                         "n": len(samples)}
        summary["queries"][query.key] = row
    return summary


def print_report(summary: dict, names: list[str], out=sys.stdout) -> None:
    systems = summary["systems"]
    ours = systems.get("schakel")
    print("\nQuery mixes per hour (one client, sequential; higher is better)", file=out)
    for name in names:
        s = systems[name]
        ratio = ""
        if ours and name != "schakel":
            ratio = f"   schakel / {name} = {ours['qmph'] / s['qmph']:.2f}x"
        print(f"  {name:15s} {s['qmph']:8.0f} QMpH   mean mix {s['mix_mean_s']:.3f} s over {s['mixes']} mixes, "
              f"{s['errors']} errors{ratio}", file=out)
    header = f"\n{'query':4s} {'who':12s} " + " ".join(f"{n + ' p50':>13s} {n + ' p95':>13s}" for n in names)
    if "schakel" in names:
        header += "".join(f" {n[:10] + '/ours':>15s}" for n in names if n != "schakel")
    print(header + "   (ms; ratio = their p50 / our p50, >1 means we are faster)", file=out)
    for key, row in summary["queries"].items():
        line = f"{key:4s} {row['who']:12s} " + " ".join(f"{row[n]['p50_ms']:13.1f} {row[n]['p95_ms']:13.1f}"
                                                         for n in names)
        if "schakel" in names:
            for n in names:
                if n != "schakel":
                    line += f" {row[n]['p50_ms'] / row['schakel']['p50_ms']:15.2f}"
        print(line + f"   {row['title']}", file=out)


def markdown(info: dict, summary: dict, mismatches: list, errors: dict, argv: list[str]) -> list[str]:
    m = info["machine"]
    names = list(summary["systems"])
    servers = info.get("servers", {})
    lines = [
        f"Measured with `.venv/bin/python benchmarks/sparql.py {' '.join(argv)}` on {info['date'][:10]} "
        f"({info['rounds']} measured + {info['warmup']} warm-up mixes per system, rotating order, seed {info['seed']}).",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory']}, Python {m['python']}; load average "
        f"{m['load_avg_at_start'][0]:.1f} at start and {info['load_avg_at_end'][0]:.1f} at the end "
        "(the machine is shared with other work: compare the systems within this run, not across runs).",
        "",
        f"Store: generation `{info['generation']}`, {mib(info['generation_bytes'])} on disk"
        + (f", {info['nquads']['quads']:,} quads" if "nquads" in info else "") + ". "
        f"Our endpoint: `schakel serve`, API key of role `{info['role']}` "
        f"({len(servers.get('schakel', {}).get('graphs', []))} graphs), audit log on, rate limit off. "
        + (f"Oxigraph: {servers['oxigraph']['version']} `serve-read-only` on a copy of the generation. "
           if "oxigraph" in servers else "")
        + ("Oxigraph-merged: the same server on a store with the role's graphs merged into its default graph, "
           "queried without `default-graph-uri` (the engine's fastest layout, no scoping). "
           if "oxigraph-merged" in servers else "")
        + (f"Virtuoso: {servers['virtuoso']['version']}, bulk-loaded from the N-Quads dump"
           + (f" in {servers['virtuoso']['load_seconds']:.0f} s" if servers['virtuoso'].get('load_seconds') else "")
           + f" ({info['nquads']['wkt_literals_retyped']:,} geo:wktLiteral values retyped: Virtuoso 7 refuses our Lambert 72 WKT and no query of the mix reads geometries). "
           if "virtuoso" in servers else "")
        + "Oxigraph and Virtuoso get `default-graph-uri` = the role's graphs with every request, so every "
        "system evaluates each query over the same dataset.",
        "",
        "| system | query mixes per hour | mean mix (s) | errors | schakel ÷ system |",
        "|---|---:|---:|---:|---:|",
    ]
    ours = summary["systems"].get("schakel")
    for name in names:
        sys_ = summary["systems"][name]
        ratio = f"{ours['qmph'] / sys_['qmph']:.2f}x" if ours and name != "schakel" else ""
        lines.append(f"| {name} | {sys_['qmph']:,.0f} | {sys_['mix_mean_s']:.2f} | {sys_['errors']} | {ratio} |")
    lines += ["", "Per query, milliseconds (ratio = their p50 ÷ our p50: above 1 we are faster):", ""]
    head = "| query | for | " + " | ".join(f"{n} p50 | {n} p95" for n in names)
    sep = "|---|---|" + "---:|---:|" * len(names)
    others = [n for n in names if n != "schakel"] if "schakel" in names else []
    head += "".join(f" | {n} ÷ ours" for n in others) + " |"
    sep += "---:|" * len(others)
    lines += [head, sep]
    for key, row in summary["queries"].items():
        cells = " | ".join(f"{row[n]['p50_ms']:,.1f} | {row[n]['p95_ms']:,.1f}" for n in names)
        ratios = "".join(f" | {row[n]['p50_ms'] / row['schakel']['p50_ms']:.2f}" for n in others)
        lines.append(f"| {key} {row['title']} | {row['who']} | {cells}{ratios} |")
    lines.append("")
    if mismatches:
        lines.append(f"Result sizes differed in {len(mismatches)} query runs, e.g. "
                     + "; ".join(f"{x['query']} {x['sizes']}" for x in mismatches[:3]) + ".")
    else:
        lines.append("Result sizes agreed across the systems for every query of every round.")
    for name, errs in errors.items():
        if errs:
            kinds = Counter(e.split(" ", 1)[0].rstrip(":") for e in errs)
            lines.append(f"{len(errs)} errors of {name} (" + ", ".join(f"{k} {v}x" for k, v in kinds.items())
                         + f"), e.g. `{errs[0][:200]}`.")
    return lines


# --- where the time goes in our endpoint ------------------------------------------------------

def breakdown(store: Path, role: str, rounds: int, seed: int) -> dict:
    """In-process timing of each stage our endpoint runs for a request, on a copy of the
    store: API-key check, scope gate (rdflib parse + dataset), Oxigraph evaluation and
    materialisation, rendering, audit record. Also the bare pyoxigraph query for comparison."""
    import pyoxigraph as ox

    from graph_server.audit import AuditLog
    from graph_server.auth import ApiKeyStore, Authenticator
    from graph_server.config import load_config
    from graph_server.scopes import ScopeGate
    from graph_server.sparql import render
    from graph_server.store import GraphStore
    from graph_server.sparql_syntax import parse_query

    tmp = Path(tempfile.mkdtemp(prefix="schakel-breakdown-"))
    gen_copy = copy_generation(store, tmp)
    (tmp / "store").mkdir()
    os.rename(gen_copy, tmp / "store" / gen_copy.name)
    (tmp / "store" / "CURRENT").write_text(gen_copy.name)
    cfg_path = tmp / "schakel.toml"
    cfg_path.write_text((ROOT / "schakel.toml").read_text(encoding="utf-8"), encoding="utf-8")
    config = load_config(cfg_path)
    key, _ = ApiKeyStore(tmp / "var" / "api_keys.toml").create(role, "breakdown")
    graph_store = GraphStore(tmp / "store")
    gate = ScopeGate(config, graph_store)
    auth = Authenticator(config)
    audit = AuditLog(tmp / "audit.jsonl", include_text=False)
    headers = {"authorization": f"Bearer {key}"}
    principal = auth.authenticate(headers)
    pools = {}
    for name, text in POOL_QUERIES.items():
        rows = gate.query(principal, PREFIXES + text)
        pools[name] = [(r["v"].value, r["v"].language) for r in rows]
    rng = random.Random(seed)
    stages = ("auth", "parse_rdflib", "prepare_total", "evaluate", "render", "audit", "bare_pyoxigraph")
    samples: dict[str, dict[str, list[float]]] = {q.key: {s: [] for s in stages} for q in QUERIES}
    raw = graph_store.oxigraph
    for _ in range(rounds):
        params = draw_parameters(pools, rng)
        for query in QUERIES:
            text = query.render(params)
            s = samples[query.key]
            t0 = time.perf_counter()
            principal = auth.authenticate(headers)
            t1 = time.perf_counter()
            parse_query(text, None)
            t2 = time.perf_counter()
            prepared = gate.prepare_query(principal, text)
            t3 = time.perf_counter()
            outcome = gate.evaluate(principal, text, max_rows=config.limits.max_result_rows, prepared=prepared)
            t4 = time.perf_counter()
            fmt = render.negotiate(query.accept, render.formats_for(prepared.parsed.form))
            render.render_outcome(outcome, fmt)
            t5 = time.perf_counter()
            audit.record(principal=principal.name, role=principal.role, operation="query", outcome="ok",
                         status=200, text=text, duration_ms=1.0, dataset=prepared.dataset.as_record(),
                         result_size=outcome.size)
            t6 = time.perf_counter()
            result = raw.query(text, default_graph=[ox.NamedNode(g) for g in prepared.dataset.default_graph],
                               named_graphs=[ox.NamedNode(g) for g in prepared.dataset.named_graphs])
            if isinstance(result, ox.QuerySolutions):
                result.serialize(format=ox.QueryResultsFormat.JSON)
            elif not isinstance(result, ox.QueryBoolean):
                result.serialize(format=ox.RdfFormat.N_TRIPLES)
            t7 = time.perf_counter()
            for stage, value in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6)):
                s[stage].append(value)
    del raw
    graph_store.close()
    return {key: {stage: 1000 * statistics.median(v) for stage, v in s.items()} for key, s in samples.items()}


def print_breakdown(result: dict, out=sys.stdout) -> None:
    stages = ("auth", "parse_rdflib", "prepare_total", "evaluate", "render", "audit", "bare_pyoxigraph")
    print("\nWhere a request's time goes in-process (median ms; prepare_total includes parse_rdflib;"
          " bare_pyoxigraph = the same query + serialisation straight on pyoxigraph)", file=out)
    print(f"{'query':5s} " + " ".join(f"{s:>15s}" for s in stages), file=out)
    totals = {s: 0.0 for s in stages}
    for key, row in result.items():
        print(f"{key:5s} " + " ".join(f"{row[s]:15.2f}" for s in stages), file=out)
        for s in stages:
            totals[s] += row[s]
    print(f"{'mix':5s} " + " ".join(f"{totals[s]:15.2f}" for s in stages), file=out)


# --- main ---------------------------------------------------------------------------------------

def machine_info() -> dict:
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except OSError:
        pass
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cores": os.cpu_count(), "memory": mem, "cpu": cpu, "python": platform.python_version(),
            "load_avg_at_start": os.getloadavg()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "store", help="store folder (default var/store)")
    parser.add_argument("--role", default="balie", help="role of the API key used on our endpoint (default balie)")
    parser.add_argument("--rounds", type=int, default=10, help="measured mixes per system (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="unmeasured mixes per system first (default 2)")
    parser.add_argument("--seed", type=int, default=24107)
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated subset of {SYSTEMS}")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keeps the store copy, the N-Quads dump and Virtuoso's database between runs "
                             "(default: a temporary folder, removed afterwards)")
    parser.add_argument("--timeout", type=float, default=120.0, help="client timeout per request, s")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    parser.add_argument("--write", type=Path, default=None, metavar="BENCHMARKS.md",
                        help="replace the '## SPARQL query mix' section of this file with the figures")
    parser.add_argument("--breakdown", action="store_true",
                        help="only time the stages of our endpoint in-process (no servers)")
    args = parser.parse_args(argv)

    store = args.store.resolve()
    if not (store / "CURRENT").is_file():
        parser.error(f"{store} is not a store folder (no CURRENT): build one with "
                     "`schakel generate --scale 1 --out DIR` and `schakel ingest --sources DIR --store STORE`")
    if args.breakdown:
        result = breakdown(store, args.role, args.rounds, args.seed)
        print_breakdown(result)
        if args.json:
            args.json.write_text(json.dumps({"breakdown": result, "role": args.role}, indent=2))
        return 0

    names = [n.strip() for n in args.systems.split(",") if n.strip()]
    unknown = set(names) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown system(s) {sorted(unknown)}")
    temp = None
    workdir = args.workdir
    if workdir is None:
        temp = tempfile.TemporaryDirectory(prefix="schakel-bench-")
        workdir = Path(temp.name)
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    gen = live_generation(store)
    info = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine_info(),
            "store": str(store), "generation": gen.name, "generation_bytes": dir_size(gen),
            "role": args.role, "rounds": args.rounds, "warmup": args.warmup, "seed": args.seed,
            "queries": len(QUERIES)}
    targets: list[Target] = []
    try:
        print(f"store {store} generation {gen.name} ({dir_size(gen) / 2**20:.0f} MiB)")
        if "schakel" in names:
            ours = start_schakel(store, workdir / "schakel", role=args.role)
            targets.append(ours)
            graphs = ours.info["graphs"]
            print(f"schakel   {ours.url} (API key of role {args.role}: {len(graphs)} graphs)")
        else:
            from graph_server.config import load_config
            from graph_server.scopes import principal_for_role
            graphs = sorted(principal_for_role(load_config(ROOT / "schakel.toml"), args.role).graphs)
        if names != ["schakel"]:
            copy = copy_generation(store, workdir)
        if "virtuoso" in names:
            (workdir / "virtuoso").mkdir(exist_ok=True)
            started = time.monotonic()
            nquads, quads, retyped = dump_nquads(copy, workdir / "virtuoso" / "store.nq")
            info["nquads"] = {"quads": quads, "wkt_literals_retyped": retyped,
                              "dump_seconds": round(time.monotonic() - started, 1)}
            virtuoso = start_virtuoso(workdir / "virtuoso", nquads, graphs, gen.name)
            targets.append(virtuoso)
            print(f"virtuoso  {virtuoso.url} ({virtuoso.info['version']}; {virtuoso.info['quads']} quads incl. "
                  f"its system graphs; load {virtuoso.info['load_seconds'] or 'reused'} s)")
        if "oxigraph" in names:
            oxigraph = start_oxigraph(copy, workdir, graphs)
            targets.append(oxigraph)
            print(f"oxigraph  {oxigraph.url} ({oxigraph.info['version']})")
        if "oxigraph-merged" in names:
            started = time.monotonic()
            merged = merge_graphs(copy, workdir, graphs)
            merged_target = start_oxigraph(merged, workdir, [], name="oxigraph-merged")
            targets.append(merged_target)
            print(f"oxigraph-merged {merged_target.url} ({len(graphs)} graphs in one; "
                  f"built or reused in {time.monotonic() - started:.0f} s)")
        targets.sort(key=lambda t: SYSTEMS.index(t.name))
        info["servers"] = {t.name: t.info for t in targets}
        print(f"{len(QUERIES)} queries, {args.warmup} warm-up + {args.rounds} measured mixes per system")
        result = run_mix(targets, args.rounds, args.warmup, args.seed, args.timeout)
    finally:
        for target in targets:
            target.stop()
    names = [t.name for t in targets]
    summary = summarise(result, names)
    print_report(summary, names)
    for name, errs in result["errors"].items():
        for err in errs[:5]:
            print(f"  error {name}: {err}")
    if result["mismatches"]:
        print(f"\nresult sizes differ in {len(result['mismatches'])} query runs, e.g.:")
        for m in result["mismatches"][:8]:
            print(f"  round {m['round']} {m['query']}: {m['sizes']}")
    else:
        print("\nresult sizes agree across systems for every query run")
    info["load_avg_at_end"] = os.getloadavg()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"info": info, "summary": summary, "mismatches": result["mismatches"],
                                         "errors": result["errors"], "pool_sizes": result["pool_sizes"]},
                                        indent=2, ensure_ascii=False))
    if args.write:
        shown = [a for a in (argv if argv is not None else sys.argv[1:])]
        write_section(args.write, "## SPARQL query mix",
                      markdown(info, summary, result["mismatches"], result["errors"], shown))
        print(f"wrote the '## SPARQL query mix' section of {args.write}")
    if temp is not None:
        temp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
