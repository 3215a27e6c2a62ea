"""Bounded loopback load test of this project's SPARQL endpoint: N concurrent clients send the
Tienen query mix for a fixed time, then the script reports throughput, latency percentiles and
every non-200 answer by kind.

    .venv/bin/python benchmarks/load.py --store var/store                    # 32 clients, 60 s
    .venv/bin/python benchmarks/load.py --store var/store --mix full --json var/load.json

It starts `schakel serve` itself on 127.0.0.1 (or targets `--url`, which must be a loopback
address), gives every client its own API key of `--role` (default balie: a counter clerk or
an integrator each has one) and keeps schakel.toml's limits as they are, including the
per-key rate limit and `[server] max_concurrent_queries`, unless told otherwise. The run is
bounded: at most 300 s and 256 clients, and it stops by itself.

Mixes: `interactive` (default) is what counters and integrators send all day: the lookups of
the mix (product costs, opening hours, a dossier, a street, a parcel, an address check, a
product card, a unit's products, reports in a street). `full` adds the reporting queries
(aggregates over all dossiers, reports and sensor readings, 0.3-5 s each on this machine).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _report import mib, write_section  # noqa: E402
from _servers import ROOT, Target, dir_size, live_generation, start_schakel  # noqa: E402
from sparql import machine_info, percentile  # noqa: E402
from tienen_queries import POOL_QUERIES, PREFIXES, QUERIES, draw_parameters  # noqa: E402

INTERACTIVE = ["Q01", "Q02", "Q03", "Q07", "Q08", "Q13", "Q14", "Q15", "Q16"]
MAX_SECONDS = 300
MAX_CLIENTS = 256
FORM = "application/x-www-form-urlencoded"


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def read_pools(client: httpx.AsyncClient, url: str, key: str) -> dict:
    pools = {}
    for name, text in POOL_QUERIES.items():
        r = await client.post(url, content=urlencode({"query": PREFIXES + text}).encode(),
                              headers={"Accept": "application/sparql-results+json", "Content-Type": FORM,
                                       "Authorization": f"Bearer {key}"})
        r.raise_for_status()
        pools[name] = [(b["v"]["value"], b["v"].get("xml:lang")) for b in r.json()["results"]["bindings"]]
    return pools


async def warm_up(client: httpx.AsyncClient, url: str, key: str, queries, pools, rng: random.Random) -> list:
    """Each query of the mix once, one at a time, before the clients start: the first parse
    of each grammar rule then happens on one thread (see BENCHMARKS.md: rdflib's parser is
    not thread-safe on a cold server)."""
    failures = []
    for query in queries:
        body = urlencode({"query": query.render(draw_parameters(pools, rng))}).encode()
        r = await client.post(url, content=body, headers={"Content-Type": FORM, "Authorization": f"Bearer {key}",
                                                            "Accept": query.accept})
        if r.status_code != 200:
            failures.append(f"{query.key}: {r.status_code} {r.text[:120]!r}")
    return failures


async def client_loop(client: httpx.AsyncClient, url: str, key: str, queries, pools, rng: random.Random,
                      stop_at: float, records: list) -> None:
    headers = {"Content-Type": FORM, "Authorization": f"Bearer {key}"}
    while time.monotonic() < stop_at:
        query = rng.choice(queries)
        body = urlencode({"query": query.render(draw_parameters(pools, rng))}).encode()
        started = time.perf_counter()
        try:
            response = await client.post(url, content=body, headers={**headers, "Accept": query.accept})
            outcome = str(response.status_code)
            detail = response.text[:160] if response.status_code != 200 else ""
        except httpx.HTTPError as exc:
            outcome, detail = type(exc).__name__, str(exc)[:160]
        records.append((query.key, outcome, time.perf_counter() - started, time.monotonic(), detail))


async def run_load(url: str, keys: list[str], clients: int, seconds: float, mix: str, seed: int,
                   timeout: float, warmup: bool = True) -> dict:
    queries = [q for q in QUERIES if mix == "full" or q.key in INTERACTIVE]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
        pools = await read_pools(client, url, keys[0])
        warmup_failures = await warm_up(client, url, keys[0], queries, pools, random.Random(seed)) if warmup else []
        records: list = []
        started = time.monotonic()
        stop_at = started + seconds
        tasks = [asyncio.create_task(client_loop(client, url, keys[i % len(keys)], queries, pools,
                                                 random.Random(seed + i), stop_at, records))
                 for i in range(clients)]
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
    return {"records": records, "elapsed": elapsed, "queries": [q.key for q in queries],
            "warmup_failures": warmup_failures}


def summarise(result: dict) -> dict:
    records = result["records"]
    ok = [r for r in records if r[1] == "200"]
    latencies = [r[2] for r in records]
    errors = Counter(r[1] for r in records if r[1] != "200")
    examples = {}
    for r in records:
        if r[1] != "200" and r[1] not in examples:
            examples[r[1]] = r[4]
    per_query = {}
    for key in result["queries"]:
        lat = [r[2] for r in records if r[0] == key and r[1] == "200"]
        per_query[key] = {"ok": len(lat), "errors": sum(1 for r in records if r[0] == key and r[1] != "200"),
                          "p50_ms": 1000 * percentile(lat, 50), "p99_ms": 1000 * percentile(lat, 99)}
    return {
        "requests": len(records), "ok": len(ok), "errors": sum(errors.values()), "errors_by_kind": dict(errors),
        "error_examples": examples, "elapsed_s": result["elapsed"],
        "throughput_rps": len(ok) / result["elapsed"] if result["elapsed"] else 0.0,
        "p50_ms": 1000 * percentile(latencies, 50), "p95_ms": 1000 * percentile(latencies, 95),
        "p99_ms": 1000 * percentile(latencies, 99), "max_ms": 1000 * max(latencies, default=float("nan")),
        "mean_ms": 1000 * statistics.fmean(latencies) if latencies else float("nan"),
        "per_query": per_query, "warmup_failures": result["warmup_failures"],
    }


def print_summary(s: dict, clients: int, mix: str) -> None:
    print(f"\n{clients} clients, mix {mix}, {s['elapsed_s']:.1f} s: {s['requests']} requests, {s['ok']} ok, "
          f"{s['errors']} errors {s['errors_by_kind'] or ''}")
    print(f"throughput {s['throughput_rps']:.1f} answered queries/s; latency p50 {s['p50_ms']:.0f} ms, "
          f"p95 {s['p95_ms']:.0f} ms, p99 {s['p99_ms']:.0f} ms, max {s['max_ms']:.0f} ms")
    for kind, example in s["error_examples"].items():
        print(f"  e.g. {kind}: {example!r}")
    for failure in s["warmup_failures"]:
        print(f"  warm-up failure: {failure}")
    print(f"{'query':5s} {'ok':>6s} {'errors':>7s} {'p50 ms':>9s} {'p99 ms':>9s}")
    for key, row in s["per_query"].items():
        print(f"{key:5s} {row['ok']:6d} {row['errors']:7d} {row['p50_ms']:9.1f} {row['p99_ms']:9.1f}")


def markdown(info: dict, s: dict, argv: list[str]) -> list[str]:
    m = info["machine"]
    server = info.get("server", {})
    lines = [
        f"Measured with `.venv/bin/python benchmarks/load.py {' '.join(argv)}` on {info['date'][:10]}: "
        f"{info['clients']} concurrent clients on loopback for {info['seconds']:g} s, mix `{info['mix']}`, one API key "
        f"of role `{info['role']}` per client"
        + (f", rate limit {server['requests_per_minute']}/min per key, max_concurrent_queries "
           f"{server['max_concurrent_queries']}, query timeout {server['query_timeout_seconds']:g} s" if server else "")
        + (", after one sequential pass over the mix" if info.get("warmup") else ", on a cold server (no warm-up)") + ".",
        "",
        f"Machine: {m['cores']} cores ({m['cpu']}), {m['memory']}; load average {m['load_avg_at_start'][0]:.1f} at "
        f"start, {info['load_avg_at_end'][0]:.1f} at the end (shared machine; the client runs on it too)."
        + (f" Store: generation `{info['generation']}`, {mib(info['generation_bytes'])}." if "generation" in info else ""),
        "",
        "| requests | answered 200 | errors | throughput (answered/s) | p50 ms | p95 ms | p99 ms | max ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {s['requests']:,} | {s['ok']:,} | {s['errors']:,} | {s['throughput_rps']:.1f} | {s['p50_ms']:,.0f} | "
        f"{s['p95_ms']:,.0f} | {s['p99_ms']:,.0f} | {s['max_ms']:,.0f} |",
        "",
    ]
    if s["errors_by_kind"]:
        lines.append("Errors by status: " + ", ".join(f"{k}: {v}" for k, v in s["errors_by_kind"].items())
                     + " (" + "; ".join(f"{k} `{v.strip()}`" for k, v in s["error_examples"].items()) + ").")
    else:
        lines.append("No errors.")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, default=ROOT / "var" / "store")
    parser.add_argument("--url", default=None, help="an already running endpoint on loopback (then --key is needed)")
    parser.add_argument("--key", action="append", default=[], help="API key(s) for --url")
    parser.add_argument("--role", default="balie")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--mix", choices=["interactive", "full"], default="interactive")
    parser.add_argument("--seed", type=int, default=24107)
    parser.add_argument("--timeout", type=float, default=30.0, help="client timeout per request, s")
    parser.add_argument("--requests-per-minute", type=int, default=None,
                        help="override schakel.toml's per-key rate limit (0 = off); default: as configured")
    parser.add_argument("--max-concurrent-queries", type=int, default=None,
                        help="override [server] max_concurrent_queries; default: as configured")
    parser.add_argument("--no-warmup", action="store_true",
                        help="start the clients on a cold server (no sequential pass over the mix first)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--write", type=Path, default=None, metavar="BENCHMARKS.md",
                        help="add this run's figures to the '## SPARQL load test' section of this file")
    args = parser.parse_args(argv)
    if not 1 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients must be between 1 and {MAX_CLIENTS}")
    if not 0 < args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be in (0, {MAX_SECONDS}]")

    info: dict = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": machine_info(),
                  "clients": args.clients, "seconds": args.seconds, "mix": args.mix, "role": args.role,
                  "warmup": not args.no_warmup}
    target: Target | None = None
    temp = None
    try:
        if args.url:
            if not is_loopback(args.url):
                parser.error("--url must be a loopback address (127.0.0.0/8, ::1 or localhost)")
            if not args.key:
                parser.error("--url needs at least one --key")
            url, keys = args.url, args.key
        else:
            store = args.store.resolve()
            if not (store / "CURRENT").is_file():
                parser.error(f"{store} is not a store folder (no CURRENT)")
            gen = live_generation(store)
            info.update(store=str(store), generation=gen.name, generation_bytes=dir_size(gen))
            temp = tempfile.TemporaryDirectory(prefix="schakel-load-")
            target = start_schakel(store, Path(temp.name), role=args.role, keys=args.clients,
                                   requests_per_minute=args.requests_per_minute,
                                   max_concurrent_queries=args.max_concurrent_queries)
            url, keys = target.url, target.info["keys"]
            info["server"] = {k: v for k, v in target.info.items() if k != "keys"}
            print(f"schakel {url}: {args.clients} API keys of role {args.role}; rate limit "
                  f"{target.info['requests_per_minute']}/min per key, max_concurrent_queries "
                  f"{target.info['max_concurrent_queries']}, query timeout {target.info['query_timeout_seconds']} s")
        print(f"{args.clients} clients for {args.seconds:g} s, mix {args.mix} ...")
        result = asyncio.run(run_load(url, keys, args.clients, args.seconds, args.mix, args.seed, args.timeout,
                                      warmup=not args.no_warmup))
    finally:
        if target is not None:
            target.stop()
        if temp is not None:
            temp.cleanup()
    summary = summarise(result)
    print_summary(summary, args.clients, args.mix)
    info["load_avg_at_end"] = os.getloadavg()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"info": info, "summary": summary}, indent=2, ensure_ascii=False))
    if args.write:
        shown = [a for a in (argv if argv is not None else sys.argv[1:])]
        write_section(args.write, f"## SPARQL load test ({args.clients} clients, mix {args.mix}"
                                  f"{', cold server' if args.no_warmup else ''})", markdown(info, summary, shown))
        print(f"wrote the load-test section of {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
