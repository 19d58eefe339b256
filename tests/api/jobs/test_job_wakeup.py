"""A job enqueued by one process wakes another process's runner at once (bastion/jobs/wakeup.py):
two Apps in this process on one database, as two workers or nodes. The enqueuing one runs no jobs
(`jobs_concurrency = 0`); the other's runner polls every 30 s, so a job it starts within a few
seconds was announced to it. PostgreSQL: LISTEN/NOTIFY; SQLite: the embedded broker of `serve`.
And the safety net: without a wake-up the job still runs, at the next poll."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from bastion.app import App
from bastion.bus.broker import Broker
from bastion.config import Config
from bastion.jobs import Job, JobRunner
from tests.conftest import fresh_pg_schema

KIND = "test.wakeup"
LONG_POLL = 30.0  # only a wake-up can explain a start well before this
WAIT = 5.0  # the bound on a woken start (never a timing assertion below it)


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@asynccontextmanager
async def two_processes(
    backend: str, tmp_path: Path, *, poll_interval: float = LONG_POLL
) -> AsyncIterator[tuple[App, App, asyncio.Queue[float]]]:
    """(writer, worker, starts): the writer runs no jobs; the worker runs KIND with a runner that
    polls every `poll_interval` s and puts each job's start (time.monotonic()) in `starts`."""
    async with AsyncExitStack() as stack:
        pubsub, url = "memory", ""
        if backend == "postgres":
            url = await stack.enter_async_context(fresh_pg_schema())
        else:  # the broker `serve` starts for its workers
            broker = await Broker().serve(str(tmp_path / "broker.sock"))
            stack.push_async_callback(broker.close)
            pubsub = "embedded:" + str(tmp_path / "broker.sock")
        data_dir = tmp_path / "data"
        writer = await App(
            Config(data_dir=data_dir, database_url=url, realtime_pubsub=pubsub, jobs_concurrency=0)
        ).start()
        stack.push_async_callback(writer.stop)
        worker = await App(Config(data_dir=data_dir, database_url=url, realtime_pubsub=pubsub)).start()
        stack.push_async_callback(worker.stop)
        assert worker._job_runner is not None
        await worker._job_runner.stop()  # replaced by one that (nearly) never polls
        worker._job_runner = JobRunner(worker.jobs, poll_interval=poll_interval).start()
        starts: asyncio.Queue[float] = asyncio.Queue()

        async def handler(job: Job) -> None:
            starts.put_nowait(time.monotonic())

        worker.jobs.register(KIND, handler)
        await asyncio.sleep(0.3)  # the runner's first look is over: it waits for its next poll
        yield writer, worker, starts


async def enqueue(app: App, count: int = 1) -> float:
    async with app.db.transaction() as tx:
        for n in range(count):
            await app.jobs.enqueue(tx, KIND, {"n": n})
    return time.monotonic()


async def test_a_job_enqueued_by_a_process_running_none_starts_at_once_on_another(
    backend: str, tmp_path: Path
) -> None:
    async with two_processes(backend, tmp_path) as (writer, worker, starts):
        assert writer._job_runner is None and writer._job_wakeup is not None
        for _ in range(3):  # each one woken, not one lucky poll
            committed = await enqueue(writer)
            started = await asyncio.wait_for(starts.get(), WAIT)
            assert started - committed < WAIT


async def test_a_burst_of_enqueues_all_run_promptly(backend: str, tmp_path: Path) -> None:
    async with two_processes(backend, tmp_path) as (writer, _worker, starts):
        await asyncio.gather(*(enqueue(writer) for _ in range(50)))
        for _ in range(50):  # the last wake-up is sent after the last commit: none waits for a poll
            await asyncio.wait_for(starts.get(), WAIT)


async def test_announcements_made_together_send_one_message(backend: str, tmp_path: Path) -> None:
    async with two_processes(backend, tmp_path) as (writer, _worker, _starts):
        wakeup = writer._job_wakeup
        assert wakeup is not None
        sent: list[bytes] = []
        publish = wakeup.pubsub.publish

        async def counted(payload: bytes, channel: str | None = None) -> None:
            sent.append(payload)
            await publish(payload, channel)

        wakeup.pubsub.publish = counted  # type: ignore[method-assign]  # the real one, counted
        for _ in range(1000):  # as many commits between two turns of the event loop
            wakeup.announce()
        await asyncio.sleep(0.2)
        assert sent == [wakeup.origin]


async def test_without_a_wake_up_the_job_runs_at_the_next_poll(backend: str, tmp_path: Path) -> None:
    async with two_processes(backend, tmp_path, poll_interval=1.0) as (writer, _worker, starts):
        assert writer._job_wakeup is not None
        await writer._job_wakeup.close()  # the writer announces nothing any more
        writer._job_wakeup = None
        await enqueue(writer)
        await asyncio.wait_for(starts.get(), WAIT)


async def test_a_pub_sub_down_after_start_costs_a_poll_not_the_job_nor_the_write(tmp_path: Path) -> None:
    async with AsyncExitStack() as stack:
        broker = await Broker().serve(str(tmp_path / "broker.sock"))
        stack.push_async_callback(broker.close)
        url = "embedded:" + str(tmp_path / "broker.sock")
        writer = await App(
            Config(data_dir=tmp_path / "data", realtime_pubsub=url, jobs_concurrency=0)
        ).start()
        stack.push_async_callback(writer.stop)
        worker = await App(Config(data_dir=tmp_path / "data", jobs_concurrency=0)).start()
        stack.push_async_callback(worker.stop)
        starts: asyncio.Queue[float] = asyncio.Queue()

        async def handler(job: Job) -> None:
            starts.put_nowait(time.monotonic())

        worker.jobs.register(KIND, handler)
        runner = JobRunner(worker.jobs, poll_interval=1.0).start()
        stack.push_async_callback(runner.stop)
        await broker.close()  # gone: the writer's wake-ups fail
        await enqueue(writer)  # the write does not notice
        await enqueue(writer)
        await asyncio.wait_for(starts.get(), WAIT)
        await asyncio.wait_for(starts.get(), WAIT)
