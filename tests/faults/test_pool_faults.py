"""The store under PostgreSQL faults, over Bastion's own pool and over asyncpg's `Pool`: the same
scenarios must pass on both (the condition for keeping our own pool, docs/architecture.md).

Each scenario runs against a private server (conftest.py) that it stops, freezes or cuts off.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest

from bastion.store.database import DatabaseTimeouts
from bastion.store.errors import DatabaseUnavailable
from bastion.store.postgres import PostgresDatabase
from tests.faults.conftest import FAST, HANG_GUARD
from tests.faults.pg_private import PrivatePostgres
from tests.faults.pool_kinds import POOL_KINDS, open_store

pytestmark = pytest.mark.parametrize("kind", POOL_KINDS)


@asynccontextmanager
async def store(
    kind: str, pg: PrivatePostgres, timeouts: DatabaseTimeouts = FAST, **sizes: int
) -> AsyncIterator[PostgresDatabase]:
    db = await open_store(kind, pg.url, timeouts, **sizes)
    try:
        yield db
    finally:
        if pg.frozen:
            pg.thaw()
        await db.close()


async def settle(*calls: asyncio.Future[object]) -> list[object]:
    """Every call's result or exception; the hang guard fails the test if one never ends."""
    return await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), HANG_GUARD)


async def running(pg: PrivatePostgres, fragment: str, count: int = 1) -> None:
    """Wait until `count` sessions run a statement containing `fragment`."""
    admin = await asyncpg.connect(pg.url)
    try:
        for _ in range(200):
            n = await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1",
                f"%{fragment}%",
            )
            if n >= count:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{count} statement(s) like {fragment!r} never started")
    finally:
        await admin.close()


async def test_statements_queued_for_a_connection_fail_when_the_database_stops(kind, private_pg):
    # No acquire or statement timeout can end these waits: only noticing the outage can.
    patient = DatabaseTimeouts(connect=2.0, acquire=600.0, statement=0)
    async with store(kind, private_pg, patient, max_size=2) as db:
        busy = [asyncio.ensure_future(db.fetch_all("SELECT pg_sleep(600)")) for _ in range(2)]
        await running(private_pg, "pg_sleep(600)", 2)
        queued = [asyncio.ensure_future(db.fetch_val("SELECT 1")) for _ in range(8)]
        await asyncio.sleep(0.2)
        assert not any(call.done() for call in queued)  # they do wait for a connection
        await asyncio.to_thread(private_pg.stop)
        results = await settle(*busy, *queued)  # while the database is still down
        assert all(isinstance(r, DatabaseUnavailable) for r in results), results


async def test_a_frozen_database_fails_every_statement_within_the_timeouts_then_recovers(kind, private_pg):
    async with store(kind, private_pg, max_size=2) as db:
        await db.execute("CREATE TABLE notes (id int)")
        private_pg.freeze()

        async def write_in_transaction() -> None:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO notes VALUES (1)")

        results = await settle(
            *(db.fetch_val("SELECT 1") for _ in range(5)),
            db.execute("INSERT INTO notes VALUES (2)"),
            write_in_transaction(),
            db.ping(1.0),
        )
        assert all(isinstance(r, DatabaseUnavailable) for r in results), results
        private_pg.thaw()
        assert await db.fetch_val("SELECT count(*) FROM notes") == 0
        await write_in_transaction()
        assert await db.fetch_val("SELECT count(*) FROM notes") == 1


async def test_reads_and_transactions_right_after_pg_terminate_backend_succeed(kind, private_pg):
    async with store(kind, private_pg, min_size=2, max_size=2) as db:
        await db.execute("CREATE TABLE notes (id int)")
        for attempt in range(3):
            # No pause: the server's goodbye may still be on its way when the pool hands out the
            # connection, which is when asyncpg said "cannot switch to state 12".
            await private_pg.terminate_backends()
            assert await settle(db.fetch_val("SELECT 1"), db.fetch_val("SELECT 2")) == [1, 2]
            await private_pg.terminate_backends()
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO notes VALUES (?)", (attempt,))
        assert await db.fetch_val("SELECT count(*) FROM notes") == 3


async def test_a_read_cut_off_midway_runs_again_but_a_write_does_not(kind, private_pg):
    async with store(kind, private_pg, max_size=2) as db:
        await db.execute("CREATE TABLE notes (id int)")
        read = asyncio.ensure_future(db.fetch_val("SELECT 7 FROM pg_sleep(0.5)"))
        await running(private_pg, "pg_sleep(0.5)")
        await private_pg.terminate_backends()
        assert await settle(read) == [7]

        write = asyncio.ensure_future(db.execute("INSERT INTO notes SELECT 1 FROM pg_sleep(0.5)"))
        await running(private_pg, "pg_sleep(0.5)")
        await private_pg.terminate_backends()
        [outcome] = await settle(write)
        assert isinstance(outcome, DatabaseUnavailable)  # its outcome is unknown: not run again
        await asyncio.sleep(1.0)  # a second run would have committed by now
        assert await db.fetch_val("SELECT count(*) FROM notes") == 0


async def test_a_restarted_database_is_used_again(kind, private_pg):
    async with store(kind, private_pg, min_size=2, max_size=2) as db:
        await asyncio.to_thread(private_pg.stop)
        [down] = await settle(db.fetch_val("SELECT 1"))
        assert isinstance(down, DatabaseUnavailable)
        await asyncio.to_thread(private_pg.start)
        assert await settle(*(db.fetch_val("SELECT 1") for _ in range(4))) == [1, 1, 1, 1]


async def test_a_statement_running_past_the_timeout_is_stopped_and_not_run_again(kind, private_pg):
    quick = DatabaseTimeouts(connect=2.0, acquire=3.0, statement=1.0)
    async with store(kind, private_pg, quick) as db:
        await db.execute("CREATE TABLE notes (id int)")
        [slow] = await settle(db.fetch_val("SELECT 1 FROM pg_sleep(30)"))
        assert isinstance(slow, DatabaseUnavailable) and "statement timeout" in str(slow)
        [write] = await settle(db.execute("INSERT INTO notes SELECT 1 FROM pg_sleep(30)"))
        assert isinstance(write, DatabaseUnavailable)
        assert await db.fetch_val("SELECT count(*) FROM notes") == 0
