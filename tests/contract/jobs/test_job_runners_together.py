"""Several runners on one database (worker processes, nodes): every job runs, and none runs in
two runners at once. SQLite: several connections to one file; PostgreSQL: one pool each."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path

from bastion.jobs import Job, JobQueue
from tests.contract.jobs.conftest import running, shared_databases, wait_until

JOBS = 200


async def test_two_runners_run_each_of_200_jobs_exactly_once(backend: str, tmp_path: Path) -> None:
    runs: Counter[str] = Counter()
    in_flight: set[str] = set()
    overlaps: list[str] = []
    ran_by: Counter[int] = Counter()

    def handler_for(runner_no: int):  # type: ignore[no-untyped-def]
        async def handler(job: Job) -> None:
            if job.id in in_flight:
                overlaps.append(job.id)
            in_flight.add(job.id)
            try:
                await asyncio.sleep(random.uniform(0, 0.01))
                runs[job.id] += 1
                ran_by[runner_no] += 1
            finally:
                in_flight.discard(job.id)

        return handler

    async with shared_databases(backend, tmp_path, 2) as databases, AsyncExitStack() as stack:
        queues = [await JobQueue.open(db) for db in databases]
        async with databases[0].transaction() as tx:
            for n in range(JOBS):
                await queues[0].enqueue(tx, "work", {"n": n})
        for number, queue in enumerate(queues):
            queue.register("work", handler_for(number))
            await stack.enter_async_context(running(queue, concurrency=8))

        async def all_done() -> bool:
            return (await queues[0].counts())["done"] == JOBS

        await wait_until(all_done, f"{JOBS} jobs done", timeout=60)
    assert overlaps == []
    assert len(runs) == JOBS and set(runs.values()) == {1}
    assert sum(ran_by.values()) == JOBS
