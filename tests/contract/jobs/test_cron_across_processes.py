"""Cron with several schedulers on one database (every worker and node runs one): each tick is
enqueued under the key `cron:{id}:{tick}`, so it runs once whichever processes see it."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from bastion.jobs import CronScheduler, JobQueue
from tests.contract.jobs.conftest import running, shared_databases, wait_until

PROCESSES = 3
TICKS = 4


async def test_a_per_second_job_fires_once_per_tick_with_three_schedulers(
    backend: str, tmp_path: Path
) -> None:
    runs = 0
    inserted = 0

    async def tick() -> None:
        nonlocal runs
        runs += 1

    async with shared_databases(backend, tmp_path, PROCESSES) as databases, AsyncExitStack() as stack:
        queues = [await JobQueue.open(db) for db in databases]
        schedulers = []
        for queue in queues:
            scheduler = CronScheduler(queue)
            scheduler.add_every("heartbeat", 1.0, tick)
            await stack.enter_async_context(running(queue))
            schedulers.append(scheduler)
            stack.push_async_callback(scheduler.stop)
        db = databases[0]

        async def fired() -> list[str]:
            rows = await db.fetch_all(
                'SELECT "key" FROM "_jobs" WHERE "kind" = \'cron:heartbeat\' AND "status" = \'done\''
            )
            return sorted(str(r["key"]) for r in rows)

        async def enough_ticks() -> bool:
            nonlocal inserted
            for scheduler in schedulers:  # the schedulers' own loop, driven here to count inserts
                inserted += await scheduler.fire_due()
            return len(await fired()) >= TICKS

        await wait_until(enough_ticks, f"{TICKS} ticks ran", timeout=30)
        for scheduler in schedulers:
            await scheduler.stop()
        await wait_until(lambda: _settled(queues[0]), "every firing ran")
        keys = await fired()
    ticks = [int(key.rsplit(":", 1)[1]) for key in keys]
    assert len(set(ticks)) == len(ticks)  # one row per tick
    assert all(key.startswith("cron:heartbeat:") for key in keys)
    assert inserted == len(keys)  # of 3 schedulers seeing each tick, one inserted it
    assert runs == len(keys)  # and each firing ran once


async def _settled(queue: JobQueue) -> bool:
    counts = await queue.counts()
    return counts["queued"] == counts["running"] == 0


async def test_a_started_scheduler_fires_by_itself_and_runs_now_on_request(
    backend: str, tmp_path: Path
) -> None:
    runs: list[str] = []

    async def every_second() -> None:
        runs.append("tick")

    async def daily() -> None:
        runs.append("daily")

    async with shared_databases(backend, tmp_path, 1) as (db,):
        queue = await JobQueue.open(db)
        scheduler = CronScheduler(queue)
        scheduler.add_every("often", 1.0, every_second)
        scheduler.add("nightly", "@daily", daily)
        assert [(e.id, e.expression) for e in scheduler.entries()] == [
            ("often", "@every 1s"),
            ("nightly", "@daily"),
        ]
        scheduler.start()
        try:
            async with running(queue):
                assert await scheduler.run_now("nightly")
                assert not await scheduler.run_now("unknown")

                async def ran_both() -> bool:
                    return runs.count("tick") >= 2 and "daily" in runs

                await wait_until(ran_both, "two ticks and the manual run")
        finally:
            await scheduler.stop()


async def test_a_failing_cron_job_is_logged_not_retried(backend: str, tmp_path: Path) -> None:
    calls = 0

    async def broken() -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("cleanup failed")

    async with shared_databases(backend, tmp_path, 1) as (db,):
        queue = await JobQueue.open(db)
        scheduler = CronScheduler(queue)
        scheduler.add("broken", "0 * * * *", broken)
        async with running(queue):
            assert await scheduler.run_now("broken")
            await wait_until(lambda: _done(queue), "the firing finished")
    assert calls == 1


async def _done(queue: JobQueue) -> bool:
    return (await queue.counts())["done"] == 1
