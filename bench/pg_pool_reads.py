"""Client CPU per primary-key read through each PostgreSQL connection pool, in-process.

    .venv/bin/python bench/pg_pool_reads.py [--seconds 3] [--tasks 20] [--rounds 3]

20 tasks read one row by primary key in a loop for a few seconds through: Bastion's pool
(store/pg_pool.py) as the store uses it, the whole store (`PostgresDatabase.fetch_one`, with its
error translation and retry path), asyncpg's `Pool` (its default reset on release, and a no-op
reset), and psycopg 3's `AsyncConnectionPool` when psycopg is importable (it is not a dependency:
run with a Python that has it). Pools run in turn, round after round; the median round of each is
printed as µs of client CPU per query (what the pool and driver cost this process, less sensitive
to other load on the machine than the rate) and queries per second. Against the shared server at
BASTION_TEST_PG, in a scratch table. Not a test: the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bastion.store.database import DatabaseTimeouts  # noqa: E402
from bastion.store.pg_pool import ConnectionPool  # noqa: E402
from bastion.store.postgres import PostgresDatabase  # noqa: E402

DSN = os.environ.get("BASTION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
TABLE = "bench_pool_reads"
ROWS = 1000
Read = Callable[[int], Awaitable[Any]]


async def _no_reset(conn: Any) -> None:
    pass


async def lean() -> tuple[Read, Callable[[], Awaitable[None]]]:
    pool = await ConnectionPool(DSN, min_size=20, max_size=20).open()

    async def read(i: int) -> Any:
        conn = await pool.acquire()
        try:
            return await conn.fetchrow(f"SELECT * FROM {TABLE} WHERE id = $1", i)
        finally:
            pool.release(conn)

    return read, pool.close


async def store() -> tuple[Read, Callable[[], Awaitable[None]]]:
    db = await PostgresDatabase.connect(DSN, min_size=20, max_size=20, timeouts=DatabaseTimeouts())

    async def read(i: int) -> Any:
        return await db.fetch_one(f"SELECT * FROM {TABLE} WHERE id = ?", (i,))

    return read, db.close


def asyncpg_pool(reset: Any) -> Callable[[], Awaitable[tuple[Read, Callable[[], Awaitable[None]]]]]:
    async def make() -> tuple[Read, Callable[[], Awaitable[None]]]:
        pool = await asyncpg.create_pool(DSN, min_size=20, max_size=20, reset=reset)

        async def read(i: int) -> Any:
            async with pool.acquire() as conn:
                return await conn.fetchrow(f"SELECT * FROM {TABLE} WHERE id = $1", i)

        return read, pool.close

    return make


async def psycopg_pool() -> tuple[Read, Callable[[], Awaitable[None]]]:
    from psycopg_pool import AsyncConnectionPool

    pool = AsyncConnectionPool(DSN.split("?")[0], min_size=20, max_size=20, open=False)
    await pool.open(wait=True)

    async def read(i: int) -> Any:
        async with pool.connection() as conn:
            cur = await conn.execute(f"SELECT * FROM {TABLE} WHERE id = %s", (i,))
            return await cur.fetchone()

    return read, pool.close


async def measure(read: Read, seconds: float, tasks: int) -> tuple[float, float]:
    """(µs of client CPU per query, queries per second)."""
    count = 0
    stop = time.monotonic() + seconds

    async def worker(offset: int) -> None:
        nonlocal count
        i = offset
        while time.monotonic() < stop:
            row = await read(i % ROWS + 1)
            assert row is not None
            count += 1
            i += tasks

    for i in range(200):  # warm up statement caches
        await read(i % ROWS + 1)
    cpu, wall = time.process_time(), time.monotonic()
    await asyncio.gather(*(worker(n) for n in range(tasks)))
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    return cpu / count * 1e6, count / wall


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    pools: dict[str, Callable[[], Awaitable[tuple[Read, Callable[[], Awaitable[None]]]]]] = {
        "bastion pool (pg_pool.py)": lean,
        "bastion store (fetch_one)": store,
        "asyncpg Pool, default reset": asyncpg_pool(None),
        "asyncpg Pool, no-op reset": asyncpg_pool(_no_reset),
    }
    try:
        import psycopg_pool as _  # noqa: F401

        pools["psycopg_pool (psycopg 3)"] = psycopg_pool
    except ImportError:
        pass
    admin = await asyncpg.connect(DSN)
    await admin.execute(f"DROP TABLE IF EXISTS {TABLE}")
    await admin.execute(f"CREATE TABLE {TABLE} (id int PRIMARY KEY, title text, n int)")
    await admin.executemany(
        f"INSERT INTO {TABLE} VALUES ($1, $2, $3)", [(i, f"t{i}", i) for i in range(1, ROWS + 1)]
    )
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in pools}
    try:
        for _ in range(args.rounds):
            for name, make in pools.items():
                read, close = await make()
                results[name].append(await measure(read, args.seconds, args.tasks))
                await close()
    finally:
        await admin.execute(f"DROP TABLE IF EXISTS {TABLE}")
        await admin.close()
    print(f"{args.tasks} tasks, {args.seconds:g} s x {args.rounds} rounds, median round:")
    for name, rounds in results.items():
        cpu = statistics.median(r[0] for r in rounds)
        rate = statistics.median(r[1] for r in rounds)
        print(f"  {name:30} {cpu:6.1f} µs CPU/query  {rate:8.0f} queries/s")


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main())
