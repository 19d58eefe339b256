"""Bastion next to PocketBase 0.40.6 on the same machine, same data, same load generator.

    .venv/bin/python bench/run.py                  # full run: unpinned and pinned
    .venv/bin/python bench/run.py --runs unpinned --rounds 5  # the README's headline table
    .venv/bin/python bench/run.py --runs pinned --rounds 5    # per-core efficiency

Servers: PocketBase, Bastion on SQLite, Bastion on PostgreSQL (a database made with `createdb` on
127.0.0.1:5432 and dropped at the end; skipped when PostgreSQL is not there), and a bare ASGI
hello app under granian configured as `bastion serve` configures it (the ceiling for `health`).
Each is seeded once through its REST API with the same data: 100 users in the `users` auth
collection, 10,000 `posts` (text, number, bool, select, json, relation to users) with rules on
@request.auth (read: `@request.auth.id != "" || published = true`; write: signed in), and the same
posts again in the public `pubposts` (every rule `""`, authors in the public `pubauthors`).

Workloads, on loopback, each --seconds long after a 1 s warm-up, with wrk (Debian package `wrk`,
installed when missing), --connections each (default 50): health, view one record, list with
filter+sort, list with expand, create (POST), update (PATCH) with a user's token on `posts`, each
also anonymous on `pubposts` (`(anon)`), and auth-with-password (8 connections).
Realtime fan-out: N SSE subscribers (--fanout, default 100 and 1,000; e.g. `--fanout 1000,10000
--workloads realtime` for the realtime comparison alone), one write at a time (--writes), p50/p99
over the writes of the time until all N have the event, each subscriber's commit→delivery
p50/p99, and the server memory per idle stream; printed as a second table. Each subscriber is its
own connection, so with several workers the kernel spreads the streams over them. The open-file
limit is raised to its hard limit first (servers inherit it).

Runs:
- `unpinned`, the headline: every server has the whole machine, as users run it; Bastion with its
  default worker processes (`--workers` not passed to serve) or `--bastion-workers N`.
- `pinned`, per-core efficiency: each server on CPU 0 via taskset (Bastion with one worker), wrk
  and this script on CPU 1.
Prints a markdown table per run (req/s, p50, p99, processes, RSS of all the server's processes
together, ratio to PocketBase) and writes them with the raw numbers as JSON under bench/results/.
Every load is bounded: wrk runs --seconds, fan-out joins and waits have time limits.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from realtime_fanout import fanout, raise_open_files
from report import Results, realtime_table, table, write_json
from seed import Seeded, seed
from servers import Server, postgres_available
from wrk_load import CONNECTIONS, Workload, run_wrk, workloads

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("pocketbase", "bastion", "bastion-pg", "asgi-hello")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=5, help="length of each wrk run (default 5)")
    ap.add_argument("--records", type=int, default=10000, help="posts to seed (default 10000)")
    ap.add_argument(
        "--runs", default="unpinned,pinned", help="comma-separated: unpinned,pinned (default both)"
    )
    ap.add_argument(
        "--bastion-workers",
        type=int,
        default=None,
        metavar="N",
        help="Bastion's worker processes in unpinned runs (default: not passed, serve's default); "
        "pinned runs use one",
    )
    ap.add_argument(
        "--connections",
        type=int,
        default=CONNECTIONS,
        help=f"wrk connections per workload (default {CONNECTIONS}; auth-with-password uses 8)",
    )
    ap.add_argument("--pin", action="store_true", help="same as --runs pinned")
    ap.add_argument("--servers", default=",".join(KINDS), help=f"subset of {','.join(KINDS)}")
    ap.add_argument("--workloads", default="", help="comma-separated workload names (default all)")
    ap.add_argument(
        "--fanout", default="100,1000", help="subscriber counts; empty to skip (default 100,1000)"
    )
    ap.add_argument("--writes", type=int, default=10, help="writes per fan-out size (default 10)")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="rounds per run, the servers taking turns in each; every figure is the median round's "
        "(default 1; 3 evens out a noisy machine)",
    )
    ap.add_argument(
        "--fanout-transports",
        default="sse",
        help="comma-separated: sse,ws (ws: Bastion's WebSocket transport, Bastion only; default sse)",
    )
    args = ap.parse_args()
    runs = ["pinned"] if args.pin else [r for r in args.runs.split(",") if r]
    kinds = [k for k in args.servers.split(",") if k]
    if unknown := set(kinds) - set(KINDS) or set(runs) - {"pinned", "unpinned"}:
        raise SystemExit(f"unknown: {', '.join(sorted(unknown))}")
    if "bastion-pg" in kinds and not postgres_available():
        print("PostgreSQL is not on 127.0.0.1:5432: skipping bastion-pg", file=sys.stderr)
        kinds.remove("bastion-pg")
    if "pinned" in runs and (os.cpu_count() or 1) < 2:
        raise SystemExit("pinned runs need two CPUs")
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    fanouts = [int(n) for n in args.fanout.split(",") if n]
    if (
        fanouts and (limit := raise_open_files()) < max(fanouts) + 1000
    ):  # per process: this one and each server
        print(f"open-file limit {limit}: too low for {max(fanouts):,} streams", file=sys.stderr)
    only = {w for w in args.workloads.split(",") if w}

    started = time.monotonic()
    results: Results = {}
    with tempfile.TemporaryDirectory() as tmp:
        servers = [Server(k, Path(tmp), workers=args.bastion_workers) for k in kinds]
        try:
            seeded = {}
            for s in servers:
                s.prepare()
                if s.seeded:
                    log(f"seeding {s.label}")
                    # one worker while seeding: set-up, not measured, and free of cross-worker effects
                    seeded[s.kind] = seed(s.start(pin=False, workers=1), args.records)
                    s.stop()
                    s.snapshot()
            everything = set(range(os.cpu_count() or 1))
            for mode in runs:
                pin = mode == "pinned"
                # the fan-out clients run in this process: on wrk's CPU when pinned
                os.sched_setaffinity(0, {1} if pin else everything)
                rounds: dict[str, list[dict[str, dict[str, float]]]] = {s.kind: [] for s in servers}
                for n in range(args.rounds):
                    # servers take turns within a round, so a slow spell of the machine hits all
                    label = mode if args.rounds == 1 else f"{mode} {n + 1}/{args.rounds}"
                    for s in servers:
                        s.restore()
                        base = s.start(pin)
                        try:
                            rows = measure(s, base, seeded.get(s.kind), args, pin, fanouts, only, label)
                            rounds[s.kind].append(rows)
                        finally:
                            s.stop()
                results[mode] = {kind: median_round(rows) for kind, rows in rounds.items()}
        finally:
            for s in servers:
                s.stop()
                s.drop()
    labels = {s.kind: s.label for s in servers}
    md = table(results, labels, args.bastion_workers)
    if rt := realtime_table(results, labels):
        md += "\n\n" + rt
    print("\n" + md)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"{stamp}-{'-'.join(runs)}.json"
    meta = {
        "date": stamp,
        "runs": runs,
        "bastion_workers": args.bastion_workers or "serve's default",
        "connections": args.connections,
        "seconds": args.seconds,
        "records": args.records,
        "cpus": os.cpu_count(),
        "servers": labels,
        "rounds": args.rounds,
        "elapsed_s": round(time.monotonic() - started),
        "table": md,
    }
    write_json(out, meta, results)
    print(f"\nwritten to {out.relative_to(ROOT)} after {meta['elapsed_s']} s")


def measure(
    s: Server,
    base: str,
    seeded: Seeded | None,
    args: argparse.Namespace,
    pin: bool,
    fanouts: list[int],
    only: set[str],
    mode: str,
) -> dict[str, dict[str, float]]:
    """Every workload against one running server."""
    rows: dict[str, dict[str, float]] = {}
    plan = (
        workloads(seeded, args.connections)
        if seeded
        else [Workload("health", "/api/health", connections=args.connections, with_token=False)]
    )
    token = seeded.user_token if seeded else ""
    for w in plan:
        if only and w.name not in only:
            continue
        log(f"{mode}: {s.label}: {w.name}")
        run_wrk(base, w, token, 1, pin)  # warm-up
        rows[w.name] = {
            **run_wrk(base, w, token, args.seconds, pin),
            "rss_mb": s.rss_mb(),  # every process of the server together
            "pss_mb": s.pss_mb(),  # the same, shared pages counted once
            "processes": s.processes(),
        }
    if seeded:
        for transport in [t for t in args.fanout_transports.split(",") if t]:
            if transport == "ws" and s.kind == "pocketbase":
                continue  # PocketBase has SSE only
            suffix = "" if transport == "sse" else f" ({transport})"
            for n in fanouts:
                name = f"realtime fan-out {n:,}{suffix}"
                if only and name not in only and "realtime" not in only:
                    continue
                log(f"{mode}: {s.label}: {name}")
                rows[name] = {
                    **fanout(base, seeded.user_token, seeded.user_id, n, args.writes, s.rss_mb, transport),
                    "processes": s.processes(),
                }
    return rows


def median_round(rounds: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Per workload, the round with the median figure (req/s, or the fan-out's all-reached p50),
    whole, so its latencies and memory stay the ones measured with it; the other rounds' figures
    are kept beside it as `rounds_rps` / `rounds_p50_ms`."""
    out: dict[str, dict[str, float]] = {}
    for name in rounds[0]:
        runs = [r[name] for r in rounds if name in r]
        key = "rps" if "rps" in runs[0] else "p50_ms"
        ordered = sorted(runs, key=lambda r: r.get(key) or 0.0)
        chosen = dict(ordered[len(ordered) // 2])
        if len(runs) > 1:
            chosen[f"rounds_{key}"] = [r.get(key) for r in runs]  # type: ignore[assignment]
        out[name] = chosen
    return out


def log(msg: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
