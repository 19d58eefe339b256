"""What one request of each bench workload costs inside the app: no server, no socket, no load
generator, one request at a time, through the whole ASGI stack `bastion serve` runs.

    .venv/bin/python bench/inprocess.py                       # the table, SQLite
    .venv/bin/python bench/inprocess.py --db postgres         # on PostgreSQL (a throwaway database)
    .venv/bin/python bench/inprocess.py --profile "view one record (anon)"   # where its time goes
    .venv/bin/python bench/inprocess.py --save bench/inprocess_baseline.json
    .venv/bin/python bench/inprocess.py --check bench/inprocess_baseline.json  # CI's regression check

The data is bench/seed.py's (seeded through a real `bastion serve`, then stopped); the requests
are bench/wrk_load.py's workloads, sent as ASGI calls. Costs are CPU microseconds of this process
per request (time.process_time), the median of --rounds: a loaded machine slows the wall clock far
more than it changes the CPU a request needs.

--check compares each workload's cost, in units of a fixed pure-Python calibration loop measured
in the same run (so a slower machine is not a regression), against a stored baseline, and fails
when one is more than --margin times its baseline: a generous margin, for a change that doubles a
hot path's cost, not for noise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
if TYPE_CHECKING:
    from seed import Seeded
# seed.py and servers.py (httpx) are imported by main() only: tests/unit/test_worker_imports.py
# drives an app with Client and must see only the modules the app itself loads

FILTERED = "filter=(views%3E5000%20%26%26%20status%3D%27live%27)&sort=-views&perPage=20"
POSTS = "/api/collections/posts/records"
PUBPOSTS = "/api/collections/pubposts/records"


class Request:
    """One ASGI request of a workload; `body` is called per request (creates differ).

    Reads differ from one request to the next (`varied`): a view cycles through 300 records and a
    list adds an unused `i=<n>` parameter, so that no answer comes from the answer cache
    (api/answer_cache.py, which keeps 256): the check measures what computing an answer costs."""

    def __init__(self, method: str, path: str, token: str = "", body: Callable[[], bytes] | None = None):
        self.method, self.token, self.body = method, token, body
        self.path, _, self.query = path.partition("?")
        self.varied: Callable[[], tuple[str, str]] | None = None

    def target(self) -> tuple[str, str]:
        return self.varied() if self.varied is not None else (self.path, self.query)


def cycling(r: Request, record_ids: list[str] | None = None) -> Request:
    """`r`, varied per request: through `record_ids` (a view), else by an unused parameter."""
    counter = iter(range(10**9))
    if record_ids:
        ids = record_ids[:300]
        base = r.path.rsplit("/", 1)[0]
        r.varied = lambda: (f"{base}/{ids[next(counter) % len(ids)]}", r.query)
    else:
        r.varied = lambda: (r.path, f"{r.query}&i={next(counter)}" if r.query else f"i={next(counter)}")
    return r


def workloads(s: Seeded) -> dict[str, Request]:
    rng = random.Random(7)

    def create(author: str) -> Callable[[], bytes]:
        counter = iter(range(10**9))
        return lambda: json.dumps(
            {"title": f"bench {next(counter)}", "views": rng.randint(0, 10000), "published": True,
             "status": "live", "meta": {"n": 1}, "author": author}
        ).encode()  # fmt: skip

    def update() -> bytes:
        return json.dumps({"views": rng.randint(0, 10000), "status": "archived"}).encode()

    t = s.user_token
    return {
        "health": Request("GET", "/api/health"),
        "view one record": cycling(Request("GET", f"{POSTS}/{s.record_id}", t), s.record_ids),
        "view one record (anon)": cycling(Request("GET", f"{PUBPOSTS}/{s.pub_record_id}"), s.pub_record_ids),
        "list filter+sort": cycling(Request("GET", f"{POSTS}?{FILTERED}", t)),
        "list filter+sort (anon)": cycling(Request("GET", f"{PUBPOSTS}?{FILTERED}")),
        "list expand": cycling(Request("GET", f"{POSTS}?perPage=20&expand=author", t)),
        "list expand (anon)": cycling(Request("GET", f"{PUBPOSTS}?perPage=20&expand=author")),
        "create": Request("POST", POSTS, t, create(s.user_id)),
        "create (anon)": Request("POST", PUBPOSTS, "", create(s.pub_author_id)),
        "update": Request("PATCH", f"{POSTS}/{s.record_ids[1]}", t, update),
        "update (anon)": Request("PATCH", f"{PUBPOSTS}/{s.pub_record_ids[1]}", "", update),
    }


class Client:
    """Sends ASGI requests to the app, as granian would, and checks each answer's status."""

    def __init__(self, app: Any):
        self.app = app

    async def send(self, r: Request) -> int:
        body = r.body() if r.body is not None else b""
        headers = [(b"host", b"127.0.0.1"), (b"user-agent", b"bench"), (b"accept", b"*/*")]
        if r.token:
            headers.append((b"authorization", r.token.encode()))
        if body:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        path, query = r.target()
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": r.method,
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8090),
            "state": {},
        }  # fmt: skip
        sent = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)  # a disconnect never comes while the answer is written
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        # a turn of the loop per request, as under a server: the background tasks the requests
        # wake (the request-log writer's batches) run, and their cost is counted
        await asyncio.sleep(0)
        if status >= 400:
            raise SystemExit(f"{r.method} {path}?{query} answered {status}")
        return status


async def lifespan(app: Any) -> Callable[[], Awaitable[None]]:
    """Start the app as a server would; the returned coroutine function stops it."""
    to_app: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, to_app.get, from_app.put))
    await to_app.put({"type": "lifespan.startup"})
    started = await from_app.get()
    if started["type"] != "lifespan.startup.complete":
        raise SystemExit(f"the app did not start: {started}")

    async def stop() -> None:
        await to_app.put({"type": "lifespan.shutdown"})
        await from_app.get()
        await task

    return stop


def calibrate() -> float:
    """CPU seconds of a fixed pure-Python loop: the unit --check measures costs in."""
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        total = 0
        for i in range(300_000):
            total += i % 7
        best = min(best, time.process_time() - start)
    return best


async def measure(
    client: Client, work: dict[str, Request], requests: int, rounds: int, profile: str
) -> dict[str, float]:
    """Median CPU µs per request of each workload over `rounds` (interleaved)."""
    for r in work.values():  # warm caches: schema, rules, prepared statements, imports
        for _ in range(50):
            await client.send(r)
    costs: dict[str, list[float]] = {name: [] for name in work}
    for _ in range(rounds):
        for name, r in work.items():
            start = time.process_time()
            for _ in range(requests):
                await client.send(r)
            costs[name].append((time.process_time() - start) / requests * 1e6)
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests * 2):
            await client.send(work[profile])
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(35)
        if os.environ.get("BENCH_CALLERS"):  # who calls these (a regular expression of names)
            stats.print_callers(os.environ["BENCH_CALLERS"])
    return {name: statistics.median(c) for name, c in costs.items()}


async def run_app(
    data_dir: Path, db_url: str, work_for: Callable[[], dict[str, Request]], args: Any
) -> dict[str, float]:
    from servers import BASTION_ENV

    os.environ.update(BASTION_ENV)
    os.environ["BASTION_DATA_DIR"] = str(data_dir)
    os.environ["BASTION_LOG_ACCESS"] = args.access_log
    if db_url:
        os.environ["BASTION_DATABASE_URL"] = db_url
    from bastion.api.server import create, tune_gc

    app = create()
    stop = await lifespan(app)
    tune_gc()  # as each granian worker does once started
    try:
        return await measure(Client(app), work_for(), args.requests, args.rounds, args.profile)
    finally:
        await stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    ap.add_argument("--records", type=int, default=10000, help="posts to seed (default 10000)")
    ap.add_argument("--requests", type=int, default=300, help="requests per workload per round (default 300)")
    ap.add_argument(
        "--rounds", type=int, default=5, help="interleaved rounds; the median is kept (default 5)"
    )
    ap.add_argument("--workloads", default="", help="comma-separated names (default all)")
    ap.add_argument(
        "--profile", default="", metavar="WORKLOAD", help="print cProfile tables for one workload"
    )
    ap.add_argument(
        "--access-log",
        default="off",
        help="BASTION_LOG_ACCESS for the app (default off: wrk runs' servers log to a file)",
    )
    ap.add_argument("--save", type=Path, help="write the costs, in calibration units, as a baseline")
    ap.add_argument("--check", type=Path, help="compare with a baseline written by --save")
    ap.add_argument(
        "--margin", type=float, default=2.0, help="--check fails above this × baseline (default 2.0)"
    )
    args = ap.parse_args()
    from seed import seed
    from servers import Server, postgres_available

    if args.db == "postgres" and not postgres_available():
        raise SystemExit("PostgreSQL is not reachable on 127.0.0.1:5432")
    with tempfile.TemporaryDirectory(prefix="bastion-inprocess-") as tmp:
        server = Server("bastion-pg" if args.db == "postgres" else "bastion", Path(tmp))
        try:
            server.prepare()
            base = server.start(pin=False, workers=1)
            seeded = seed(base, args.records)
            server.stop()
            wanted = [w for w in args.workloads.split(",") if w]

            def work_for() -> dict[str, Request]:
                work = workloads(seeded)
                return {k: v for k, v in work.items() if not wanted or k in wanted}

            unit = calibrate()
            costs = asyncio.run(run_app(Path(tmp) / server.kind, server.db_url, work_for, args))
        finally:
            server.stop()
            server.drop()
    report(costs, unit, args)


def report(costs: dict[str, float], unit: float, args: Any) -> None:
    units = {name: us / (unit * 1e6) for name, us in costs.items()}
    baseline = json.loads(args.check.read_text())["units"] if args.check else {}
    print(
        f"\n| workload ({args.db}) | CPU µs/request | calibration units |"
        + (" × baseline |" if baseline else "")
    )
    print("|---|---:|---:|" + ("---:|" if baseline else ""))
    failed = []
    for name, us in costs.items():
        row = f"| {name} | {us:,.0f} | {units[name]:.4f} |"
        if name in baseline:
            ratio = units[name] / baseline[name]
            row += f" {ratio:.2f} |"
            if ratio > args.margin:
                failed.append(f"{name}: {ratio:.2f}× its baseline (margin {args.margin}×)")
        print(row)
    print(f"\ncalibration loop: {unit * 1e3:.1f} ms of CPU")
    if args.save:
        args.save.write_text(json.dumps({"db": args.db, "units": units, "us": costs}, indent=2) + "\n")
    if failed:
        raise SystemExit("in-process cost regressed:\n  " + "\n  ".join(failed))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
