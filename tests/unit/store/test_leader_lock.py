"""The leader lock (store/leader_lock.py): one holder among the processes on one data directory
(SQLite) or one PostgreSQL schema, and another takes over when the holder goes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from bastion.store import Database, open_database
from bastion.store.leader_lock import LeaderLock, open_leader_lock
from tests.conftest import fresh_pg_schema

RETRY = 0.05


@pytest.fixture
async def db(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(database_url or None, tmp_path)
    try:
        yield database
    finally:
        await database.close()


async def _until_held(lock: LeaderLock) -> None:
    async with asyncio.timeout(10):
        while not lock.held:
            await asyncio.sleep(RETRY)


async def test_one_holder_and_another_takes_over_when_it_goes(db, tmp_path):
    first = await open_leader_lock(db, tmp_path, RETRY)
    second = await open_leader_lock(db, tmp_path, RETRY)
    try:
        assert (first.held, second.held) == (True, False)
        await asyncio.sleep(RETRY * 4)
        assert (first.held, second.held) == (True, False)  # its retries do not take it
        await first.close()
        await _until_held(second)
    finally:
        await first.close()
        await second.close()


async def test_separate_deployments_each_have_a_leader(backend, tmp_path):
    """Other data directories, or other schemas of the same PostgreSQL database."""
    if backend == "sqlite":
        dbs = [await open_database(None, tmp_path / n) for n in ("a", "b")]
        locks = [await open_leader_lock(d, tmp_path / n, RETRY) for d, n in zip(dbs, "ab", strict=True)]
        assert [lock.held for lock in locks] == [True, True]
        for lock, d in zip(locks, dbs, strict=True):
            await lock.close()
            await d.close()
        return
    async with fresh_pg_schema() as url_a, fresh_pg_schema() as url_b:
        dbs = [await open_database(u, tmp_path) for u in (url_a, url_b)]
        locks = [await open_leader_lock(d, tmp_path, RETRY) for d in dbs]
        try:
            assert [lock.held for lock in locks] == [True, True]
        finally:
            for lock, d in zip(locks, dbs, strict=True):
                await lock.close()
                await d.close()


async def test_postgres_a_holder_whose_session_ends_stops_leading_and_a_new_session_leads(tmp_path):
    # bounded as a whole, so that a close that hangs fails here, and says so, instead of at the
    # suite's timeout
    async with asyncio.timeout(30), fresh_pg_schema() as url:
        db = await open_database(url, tmp_path)
        first = await open_leader_lock(db, tmp_path, RETRY)
        second = await open_leader_lock(db, tmp_path, RETRY)
        try:
            assert (first.held, second.held) == (True, False)
            pid = first._conn.get_server_pid()  # type: ignore[attr-defined]
            conn = await asyncpg.connect(url)
            try:
                await conn.execute("SELECT pg_terminate_backend($1)", pid)
            finally:
                await conn.close()

            def one_live_holder() -> bool:  # either may win a later round; never the dead session
                conn = first._conn  # type: ignore[attr-defined]
                first_live = first.held and conn is not None and conn.get_server_pid() != pid
                return (first_live and not second.held) or (second.held and not first.held)

            async with asyncio.timeout(10):
                while not one_live_holder():
                    await asyncio.sleep(RETRY)
        finally:
            await first.close()
            await second.close()
            await db.close()


async def test_postgres_only_the_leader_keeps_a_connection(tmp_path):
    """Every worker of every node runs a lock; those that do not lead hold no connection for it."""
    async with fresh_pg_schema() as url:
        db = await open_database(url, tmp_path)
        locks = [await open_leader_lock(db, tmp_path, RETRY) for _ in range(4)]
        try:

            def settled() -> bool:
                # Under load a check can time out and a holder step down for a round (another may
                # then lead): what must hold, once checks settle, is one leader, and connections
                # kept only by it.
                held = [lock.held for lock in locks]
                conns = [lock._conn is not None for lock in locks]  # type: ignore[attr-defined]
                return sum(held) == 1 and conns == held

            await asyncio.sleep(RETRY * 4)  # a few retries each
            async with asyncio.timeout(10):
                while not settled():
                    await asyncio.sleep(RETRY)
        finally:
            for lock in locks:
                await lock.close()
            await db.close()
