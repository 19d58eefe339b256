"""What a rate-limit count costs in each ephemeral store, and SQLite's ephemeral.db under
several processes.

    .venv/bin/python bench/ephemeral_store.py [--seconds 2] [--processes 2]

1. One process, one task: `incr` on a rotating set of keys (as the limiter counts windows) in each
   store: memory, SQLite (ephemeral.db, synchronous=OFF), the same statement on a data-like file
   (synchronous=NORMAL, what counting in data.db would cost), PostgreSQL's UNLOGGED table, the same
   table LOGGED, and Redis. Printed: µs of wall time per operation and of this process's CPU.
2. `--processes` processes counting in one ephemeral.db at once, flat out: operations per second
   in all, the share that found the file locked and went to the waiting thread, and the
   p50/p99/max time one `incr` held the event loop (inline work only: what other requests wait).
3. A request a rule covers, in-process through the ASGI app: `GET …/records` of an empty public
   collection with `*:list` limited (far above what the run sends) and without any rule, for
   each `ratelimit_store` on SQLite and PostgreSQL: CPU µs per request (less sensitive to other
   load on the machine than wall time), and what the count adds.

Against the shared PostgreSQL (BASTION_TEST_PG, a scratch schema) and Redis (BASTION_TEST_REDIS).
Not a test: the numbers depend on the machine and on its other load.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bastion.store import open_database  # noqa: E402
from bastion.store.ephemeral_base import EphemeralStore  # noqa: E402
from bastion.store.ephemeral_memory import MemoryStore  # noqa: E402
from bastion.store.ephemeral_redis import RedisStore  # noqa: E402
from bastion.store.ephemeral_sql import SqlStore  # noqa: E402
from bastion.store.ephemeral_sqlite import EphemeralSqlite  # noqa: E402

PG = os.environ.get("BASTION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("BASTION_TEST_REDIS", "redis://127.0.0.1:6379/0")
KEYS = 1000


async def per_op(store: EphemeralStore, seconds: float) -> tuple[float, float, int]:
    """(µs wall, µs CPU) per incr, and how many ran."""
    n, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
    deadline = wall0 + seconds
    while time.perf_counter() < deadline:
        for _ in range(100):
            await store.incr(f"bench|{n % KEYS}", 60)
            n += 1
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return wall / n * 1e6, cpu / n * 1e6, n


async def single(seconds: float) -> None:
    tmp = Path(tempfile.mkdtemp())
    schema = "bench_eph_" + secrets.token_hex(4)
    conn = await asyncpg.connect(PG)
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    pg = await open_database(f"{PG}?search_path={schema}", tmp)
    side = EphemeralSqlite.open(tmp / "side")
    durable = EphemeralSqlite.open(tmp / "durable")
    durable._inline.execute("PRAGMA synchronous=NORMAL")  # as data.db runs
    stores: list[tuple[str, EphemeralStore]] = [
        ("memory", MemoryStore()),
        ("sqlite ephemeral.db (synchronous=OFF)", await SqlStore(side).prepare()),
        ("sqlite, synchronous=NORMAL (as data.db)", await SqlStore(durable).prepare()),
        ("postgres UNLOGGED table", await SqlStore(pg).prepare()),
    ]
    await pg.execute('CREATE TABLE "_logged" (LIKE "_ephemeral" INCLUDING ALL)')
    logged = SqlStore(pg)
    import bastion.store.ephemeral_sql as sql_module

    stores.append(("postgres LOGGED table", logged))
    redis = RedisStore(REDIS, prefix=f"bench:{secrets.token_hex(4)}:")
    stores.append(("redis", redis))
    print(f"{'store':42} {'µs/op':>8} {'CPU µs/op':>10} {'ops':>8}")
    for name, store in stores:
        if store is logged:  # the same statements on a logged copy of the table
            for attr in ("_INCR", "_GET", "_SET", "_TAKE", "_SWEEP"):
                setattr(sql_module, attr, getattr(sql_module, attr).replace('"_ephemeral"', '"_logged"'))
        wall, cpu, n = await per_op(store, seconds)
        print(f"{name:42} {wall:8.1f} {cpu:10.1f} {n:8d}")
    await redis.close()
    await side.close()
    await durable.close()
    await pg.close()
    await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    await conn.close()


def _counter(directory: str, seconds: float, start: Any, out: Any) -> None:
    async def run() -> dict[str, Any]:
        side = EphemeralSqlite.open(Path(directory))
        store = SqlStore(side, sweep_every=3600)
        inline: list[float] = []  # time an inline incr held the event loop
        waited: list[float] = []  # time an incr that waited in a thread took
        start.wait()
        n, deadline = 0, time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            waits, t0 = side.waits, time.perf_counter()
            await store.incr(f"k{n % KEYS}", 60)
            (waited if side.waits > waits else inline).append(time.perf_counter() - t0)
            n += 1
        await side.close()
        return {"n": n, "inline": inline, "waited": waited}

    out.put(asyncio.run(run()))


def contended(seconds: float, processes: int) -> None:
    directory = tempfile.mkdtemp()
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()

    async def prepare() -> None:
        side = EphemeralSqlite.open(Path(directory))
        await SqlStore(side).prepare()
        await side.close()

    asyncio.run(prepare())
    workers = [ctx.Process(target=_counter, args=(directory, seconds, start, out)) for _ in range(processes)]
    for w in workers:
        w.start()
    time.sleep(1.0)
    start.set()
    results = [out.get(timeout=seconds + 30) for _ in workers]
    for w in workers:
        w.join()
    total = sum(r["n"] for r in results)
    inline = sorted(h for r in results for h in r["inline"])
    waited = sorted(h for r in results for h in r["waited"])
    q = statistics.quantiles(inline, n=100)
    print(
        f"{processes} processes on one ephemeral.db: {total / seconds:,.0f} incr/s in all; "
        f"inline incr held the loop p50 {q[49] * 1e6:.0f} µs, p99 {q[98] * 1e6:.0f} µs, "
        f"max {inline[-1] * 1e3:.2f} ms; {len(waited) / total:.2%} found the file locked and waited "
        f"in a thread ({statistics.median(waited) * 1e3 if waited else 0:.2f} ms median)"
    )


async def requests(seconds: float) -> None:
    import httpx

    from bastion.api.asgi import create_asgi_app
    from bastion.app import App
    from bastion.config import Config

    conn = await asyncpg.connect(PG)
    print("CPU of this process per request (client and server in one process):")
    print(f"{'database / ratelimit_store':28} {'no rule µs':>11} {'*:list µs':>10} {'count adds':>11}")
    for database in ("sqlite", "postgres"):
        for kind in ("memory", "database"):
            schema = "bench_req_" + secrets.token_hex(4)
            url = ""
            if database == "postgres":
                await conn.execute(f'CREATE SCHEMA "{schema}"')
                url = f"{PG}?search_path={schema}"
            app = await App(
                Config(data_dir=Path(tempfile.mkdtemp()), database_url=url, ratelimit_store=kind)
            ).start()
            transport = httpx.ASGITransport(app=create_asgi_app(app, manage_lifecycle=False))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                from bastion.cli.superusers import upsert_superuser_in

                await upsert_superuser_in(app, "b@example.com", "benchpass123")
                token = (
                    await http.post(
                        "/api/collections/_superusers/auth-with-password",
                        json={"identity": "b@example.com", "password": "benchpass123"},
                    )
                ).json()["token"]
                su = {"Authorization": token}
                await http.post("/api/collections", headers=su, json={"name": "posts", "listRule": ""})
                # no request logs: their writer is not what is measured
                await http.patch("/api/settings", headers=su, json={"logs": {"maxDays": 0}})
                timings = []
                for limited in (False, True):
                    rules = [{"label": "*:list", "audience": "", "duration": 3600, "maxRequests": 10**9}]
                    doc = {"enabled": limited, "rules": rules if limited else []}
                    await http.patch("/api/settings", headers=su, json={"rateLimits": doc})
                    n, t0, cpu0 = 0, time.perf_counter(), time.process_time()
                    while time.perf_counter() - t0 < seconds:
                        assert (await http.get("/api/collections/posts/records")).status_code == 200
                        n += 1
                    timings.append((time.process_time() - cpu0) / n * 1e6)
            await app.stop()
            if database == "postgres":
                await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
            name = f"{database} / {kind}"
            print(f"{name:28} {timings[0]:11.0f} {timings[1]:10.0f} {timings[1] - timings[0]:11.0f}")
    await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(single(args.seconds))
    contended(args.seconds, args.processes)
    asyncio.run(requests(args.seconds))


if __name__ == "__main__":
    main()
