"""The version stamp (store/version_stamp.py) on both databases: what a bump counts, what a
concurrent read may answer, and SQLite's commit watch that spares most requests the read."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from bastion.store import Database, open_database
from bastion.store.version_stamp import SharedStampReader, Stamp, StampKeeper, bump, read_stamp

_PARAMS = (
    'CREATE TABLE IF NOT EXISTS "_params" ("id" TEXT PRIMARY KEY NOT NULL, "value" {json} '
    'DEFAULT NULL, "created" TEXT NOT NULL, "updated" TEXT NOT NULL)'
)


@pytest.fixture
async def db(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(database_url or None, tmp_path)
    await database.execute(_PARAMS.format(json="JSONB" if database.dialect == "postgres" else "JSON"))
    try:
        yield database
    finally:
        await database.close()


async def test_each_committed_bump_counts_once_and_a_rolled_back_one_not_at_all(db):
    assert await read_stamp(db) == Stamp(0, 0)
    async with db.transaction() as tx:
        assert await bump(tx, "schema") == 1
        assert await bump(tx, "schema") == 2
        assert await bump(tx, "settings") == 1
    with contextlib.suppress(RuntimeError):
        async with db.transaction() as tx:
            await bump(tx, "schema")
            raise RuntimeError("rolled back")
    assert await read_stamp(db) == Stamp(2, 1)


async def test_a_keeper_counts_its_own_commits_only_when_nothing_came_between(db):
    keeper = StampKeeper()
    async with db.transaction() as tx:
        await keeper.bump(tx, "schema")
        assert keeper.known == Stamp(0, 0)  # not before the commit
    assert keeper.known == Stamp(1, 0)
    async with db.transaction() as tx:
        await bump(tx, "schema")  # another process
    async with db.transaction() as tx:
        await keeper.bump(tx, "schema")
    assert keeper.known == Stamp(1, 0)  # 3 follows a change it never loaded: reload, not skip
    keeper.loaded("schema", 3)
    assert keeper.known == Stamp(3, 0)


class _HeldReads:
    """The real database, whose reads wait until released (to hold one under way)."""

    def __init__(self, db: Database) -> None:
        self.db, self.dialect = db, db.dialect
        self.release = asyncio.Event()
        self.sent = 0

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.sent += 1
        await self.release.wait()
        return await self.db.fetch_all(sql, params)


async def test_a_shared_read_never_answers_a_request_that_arrived_after_it_was_sent(db):
    held = _HeldReads(db)
    reader = SharedStampReader(held)  # type: ignore[arg-type]
    try:
        early = [asyncio.create_task(reader.read()) for _ in range(3)]
        while held.sent < 1:
            await asyncio.sleep(0)
        async with db.transaction() as tx:  # committed while the first read is under way
            await bump(tx, "schema")
        late = [asyncio.create_task(reader.read()) for _ in range(3)]
        await asyncio.sleep(0)
        held.release.set()
        async with asyncio.timeout(10):
            early_seen = await asyncio.gather(*early)
            late_seen = await asyncio.gather(*late)
    finally:
        await reader.close()
    # the late ones shared one more read, sent after the commit
    assert held.sent == 2
    assert all(s.schema == 1 for s in late_seen)
    assert len(set(early_seen)) == 1


async def test_a_cancelled_request_does_not_cancel_the_read_others_share(db):
    held = _HeldReads(db)
    reader = SharedStampReader(held)  # type: ignore[arg-type]
    try:
        gone, stays = asyncio.create_task(reader.read()), asyncio.create_task(reader.read())
        while held.sent < 1:
            await asyncio.sleep(0)
        gone.cancel()
        held.release.set()
        async with asyncio.timeout(10):
            assert await stays == Stamp(0, 0)
    finally:
        await reader.close()


async def test_sqlite_tells_without_a_query_whether_another_connection_committed(tmp_path):
    db = await open_database(None, tmp_path)
    other = await open_database(None, tmp_path)
    try:
        await db.execute(_PARAMS.format(json="JSON"))
        db.changed_since_last_look()  # the first look tells nothing yet
        await db.fetch_all('SELECT * FROM "_params"')
        assert db.changed_since_last_look() is False  # reads commit nothing
        async with other.transaction() as tx:
            await bump(tx, "schema")
        assert db.changed_since_last_look() is True
        assert db.changed_since_last_look() is False
        async with db.transaction() as tx:  # its own writer is another connection too
            await bump(tx, "settings")
        assert db.changed_since_last_look() is True
    finally:
        await db.close()
        await other.close()
