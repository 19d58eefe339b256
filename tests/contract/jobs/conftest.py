"""Job queue contract tests: every test runs on SQLite (a file several `Database` objects share,
as worker processes do) and on PostgreSQL (a fresh schema, one pool per simulated process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from bastion.jobs import JobQueue, JobRunner
from bastion.store.database import Database
from bastion.store.database_open import open_database
from tests.conftest import fresh_pg_schema

BACKENDS = ["sqlite", "postgres"]
WAIT = 20.0  # the bound on every wait for background work (never a timing assertion)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@asynccontextmanager
async def shared_databases(backend: str, tmp_path: Path, count: int) -> AsyncIterator[list[Database]]:
    """`count` Database objects on one database, as `count` processes would hold."""
    async with AsyncExitStack() as stack:
        url = None if backend == "sqlite" else await stack.enter_async_context(fresh_pg_schema())
        databases: list[Database] = []
        try:
            for _ in range(count):
                databases.append(await open_database(url, tmp_path / "data", pool_size=3))
            yield databases
        finally:
            for db in databases:
                await db.close()


@pytest.fixture
async def db(backend: str, tmp_path: Path) -> AsyncIterator[Database]:
    async with shared_databases(backend, tmp_path, 1) as (database,):
        yield database


@pytest.fixture
async def queue(db: Database) -> JobQueue:
    return await JobQueue.open(db)


@asynccontextmanager
async def running(queue: JobQueue, concurrency: int = 4) -> AsyncIterator[JobRunner]:
    runner = JobRunner(queue, concurrency=concurrency, poll_interval=0.05).start()
    try:
        yield runner
    finally:
        await runner.stop(grace=1.0)


async def wait_until(condition: Callable[[], Awaitable[bool]], what: str, timeout: float = WAIT) -> None:
    """Poll `condition` until true; fail naming `what` after `timeout` seconds."""
    try:
        async with asyncio.timeout(timeout):
            while not await condition():
                await asyncio.sleep(0.02)
    except TimeoutError:
        pytest.fail(f"not within {timeout:g} s: {what}")
