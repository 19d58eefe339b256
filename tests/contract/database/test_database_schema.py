"""What the store says about its tables (table_exists, table_columns), and close()."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from bastion.store.database import Database
from bastion.store.database_open import open_database
from tests.conftest import PG_DSN, fresh_pg_schema
from tests.contract.database.conftest import BACKENDS, make_table


async def test_table_exists_follows_create_rename_and_drop(db: Database) -> None:
    assert not await db.table_exists("t")
    await make_table(db)
    assert await db.table_exists("t")
    assert not await db.table_exists("t2")
    await db.execute('ALTER TABLE "t" RENAME TO "t2"')
    assert not await db.table_exists("t") and await db.table_exists("t2")
    await db.execute('DROP TABLE "t2"')
    assert not await db.table_exists("t2")


async def test_table_exists_only_for_the_exact_name(db: Database) -> None:
    await db.execute('CREATE TABLE "posts_archive" ("id" TEXT)')
    for other in ("posts", "posts_", "posts_archive2", "%", "posts_archiv_"):
        assert not await db.table_exists(other), other


async def test_table_exists_sees_a_table_created_in_a_committed_transaction(db: Database) -> None:
    async with db.transaction() as tx:
        await tx.execute('CREATE TABLE "made_in_tx" ("id" TEXT)')
    assert await db.table_exists("made_in_tx")
    with pytest.raises(ZeroDivisionError):
        async with db.transaction() as tx:
            await tx.execute('CREATE TABLE "rolled_back" ("id" TEXT)')
            _ = 1 / 0
    assert not await db.table_exists("rolled_back")


async def test_table_columns_lists_columns_in_declared_order(db: Database) -> None:
    await make_table(db)
    assert await db.table_columns("t") == ["id", "s", "n", "x"]
    await db.execute('ALTER TABLE "t" ADD COLUMN "added" TEXT')
    await db.execute('ALTER TABLE "t" RENAME COLUMN "s" TO "text"')
    await db.execute('ALTER TABLE "t" DROP COLUMN "n"')
    assert await db.table_columns("t") == ["id", "text", "x", "added"]
    assert await db.table_columns("missing") == []


@pytest.mark.parametrize("backend", BACKENDS)
async def test_close_keeps_what_was_committed_and_refuses_later_statements(
    backend: str, tmp_path: Path
) -> None:
    async with _store_url(backend, tmp_path) as url:
        db = await open_database(url, tmp_path)
        await make_table(db)
        await db.execute('INSERT INTO "t" ("id") VALUES (?)', ("a",))
        pid = await db.fetch_val("SELECT pg_backend_pid() AS pid") if backend == "postgres" else None
        await db.close()
        with pytest.raises(Exception):  # noqa: B017 (SQLite: a closed connection; PostgreSQL: a closed pool)
            await db.fetch_all('SELECT "id" FROM "t"')
        if pid is not None:
            await _wait_until_session_ends(pid)
        again = await open_database(url, tmp_path)
        try:
            assert await again.fetch_all('SELECT "id" FROM "t"') == [{"id": "a"}]
        finally:
            await again.close()


@asynccontextmanager
async def _store_url(backend: str, tmp_path: Path) -> AsyncIterator[str | None]:
    if backend == "sqlite":
        yield None  # data.db under tmp_path
        return
    async with fresh_pg_schema() as url:
        yield url


async def _wait_until_session_ends(pid: int) -> None:
    """After close() the pool's PostgreSQL sessions end (the server notices within moments)."""
    conn = await asyncpg.connect(PG_DSN)
    try:
        async with asyncio.timeout(10):
            while await conn.fetchval("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = $1", pid):
                await asyncio.sleep(0.02)
    finally:
        await conn.close()
