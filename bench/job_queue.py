"""What the job queue costs and how fast it drains, on SQLite and PostgreSQL.

    .venv/bin/python bench/job_queue.py [--writes 2000] [--jobs 2000]

1. The outbox's cost on a write: transactions that insert one row, alone and with one
   `enqueue` in the same transaction (writes per second, µs per write).
2. Draining: `--jobs` no-op jobs queued, then one runner (concurrency 8) and two runners on the
   same database (two connections/pools, as two processes): jobs per second until all are done.
3. Latency from commit to the handler starting, one job at a time: the runner in the same
   process (woken by the commit) and a runner in "another process" (a second Database that only
   polls, every 0.5-1 s): p50 / p99 in ms.

Against the shared PostgreSQL (BASTION_TEST_PG, a scratch schema) and a temporary SQLite file.
Not a test: the numbers depend on the machine and on its other load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bastion.jobs import Job, JobQueue, JobRunner  # noqa: E402
from bastion.store import open_database  # noqa: E402
from bastion.store.database import Database  # noqa: E402

PG = os.environ.get("BASTION_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


async def outbox_cost(db: Database, queue: JobQueue, writes: int) -> tuple[float, float]:
    """Writes per second without and with one enqueue per transaction."""
    await db.execute('CREATE TABLE IF NOT EXISTS "bench_rows" ("id" TEXT PRIMARY KEY, "n" BIGINT)')
    rates = []
    for with_job in (False, True):
        started = time.perf_counter()
        for n in range(writes):
            async with db.transaction() as tx:
                await tx.execute(
                    'INSERT INTO "bench_rows" ("id", "n") VALUES (?, ?)', (secrets.token_hex(8), n)
                )
                if with_job:
                    await queue.enqueue(tx, "bench.idle", {"n": n})
        rates.append(writes / (time.perf_counter() - started))
    return rates[0], rates[1]


async def drain(databases: list[Database], jobs: int) -> float:
    """Jobs per second for runners on `databases` (one each) to run `jobs` no-op jobs."""
    queues = [await JobQueue.open(db) for db in databases]
    done = 0
    finished = asyncio.Event()

    async def noop(job: Job) -> None:
        nonlocal done
        done += 1
        if done == jobs:
            finished.set()

    async with databases[0].transaction() as tx:
        for n in range(jobs):
            await queues[0].enqueue(tx, "bench.noop", {"n": n})
    for queue in queues:
        queue.register("bench.noop", noop)
    started = time.perf_counter()
    runners = [JobRunner(q, concurrency=8, poll_interval=0.5).start() for q in queues]
    await asyncio.wait_for(finished.wait(), 300)
    elapsed = time.perf_counter() - started
    for runner in runners:
        await runner.stop()
    return jobs / elapsed


async def latency(enqueuer: JobQueue, runner_queue: JobQueue, samples: int) -> tuple[float, float]:
    """p50, p99 ms from the commit of an enqueue to its handler starting."""
    seen: list[float] = []
    arrived = asyncio.Event()

    async def measure(job: Job) -> None:
        seen.append(time.time() - float(job.payload["at"]))
        arrived.set()

    runner_queue.register("bench.latency", measure)
    runner = JobRunner(runner_queue, concurrency=4).start()
    for _ in range(samples):
        arrived.clear()
        async with enqueuer.db.transaction() as tx:
            await enqueuer.enqueue(tx, "bench.latency", {"at": time.time()})
        await asyncio.wait_for(arrived.wait(), 10)
    await runner.stop()
    seen.sort()
    return statistics.median(seen) * 1000, seen[int(len(seen) * 0.99) - 1] * 1000


async def one_backend(name: str, url: str | None, data_dir: Path, args: argparse.Namespace) -> None:
    dbs = [await open_database(url, data_dir, pool_size=5) for _ in range(2)]
    try:
        queue = await JobQueue.open(dbs[0])
        plain, outbox = await outbox_cost(dbs[0], queue, args.writes)
        print(
            f"{name}: writes/s {plain:,.0f} alone, {outbox:,.0f} with one enqueue "
            f"({1e6 / outbox - 1e6 / plain:,.0f} µs more per write)"
        )
        await dbs[0].execute('DELETE FROM "_jobs"')
        one = await drain(dbs[:1], args.jobs)
        two = await drain(dbs, args.jobs)
        print(f"{name}: drain {one:,.0f} jobs/s with one runner, {two:,.0f} with two")
        local = await latency(queue, queue, 200)
        other = await latency(queue, await JobQueue.open(dbs[1]), 30)
        print(
            f"{name}: commit→handler p50/p99 {local[0]:.1f}/{local[1]:.1f} ms same process, "
            f"{other[0]:.0f}/{other[1]:.0f} ms another process (polling)"
        )
    finally:
        for db in dbs:
            await db.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        await one_backend("sqlite", None, Path(tmp), args)
    schema = "bench_jobs_" + secrets.token_hex(4)
    conn = await asyncpg.connect(PG)
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        await one_backend("postgres", f"{PG}?search_path={schema}", Path(tempfile.gettempdir()), args)
    finally:
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main())
