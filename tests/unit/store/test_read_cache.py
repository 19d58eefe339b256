"""Answers kept between requests are exact: any commit, from this process or another, is seen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bastion.store.read_cache import ReadCache
from bastion.store.sqlite import SqliteDatabase

COUNT = 'SELECT COUNT(*) AS n FROM "t" WHERE "v" > ?'


@pytest.fixture
async def db(tmp_path: Path):
    database = SqliteDatabase.connect(tmp_path / "data.db")
    await database.execute('CREATE TABLE "t" ("v" INTEGER)')
    for v in range(5):
        await database.execute('INSERT INTO "t" ("v") VALUES (?)', (v,))
    yield database
    await database.close()


def counts_run(database: SqliteDatabase) -> list[str]:
    """The COUNT statements the database really runs from now on (its reading connection's trace)."""
    seen: list[str] = []
    database._reader.set_trace_callback(lambda sql: seen.append(sql) if "COUNT" in sql else None)
    return seen


async def test_a_count_asked_again_is_not_run_again_while_nothing_commits(db: SqliteDatabase) -> None:
    ran = counts_run(db)
    assert await db.fetch_count(COUNT, (1,)) == 3
    assert await db.fetch_count(COUNT, (1,)) == 3
    assert await db.fetch_count(COUNT, (2,)) == 2  # other parameters: another count
    assert len(ran) == 2


async def test_a_commit_by_this_process_is_counted(db: SqliteDatabase) -> None:
    assert await db.fetch_count(COUNT, (1,)) == 3
    await db.execute('INSERT INTO "t" ("v") VALUES (9)')
    assert await db.fetch_count(COUNT, (1,)) == 4
    async with db.transaction() as tx:
        await tx.execute('DELETE FROM "t" WHERE "v" = 9')
        assert await tx.fetch_count(COUNT, (1,)) == 3  # inside: its own uncommitted delete
    assert await db.fetch_count(COUNT, (1,)) == 3


async def test_a_commit_by_another_process_is_counted(db: SqliteDatabase) -> None:
    assert await db.fetch_count(COUNT, (1,)) == 3
    other = sqlite3.connect(db.path)  # another worker or `bastion` command writing the same file
    try:
        other.execute('INSERT INTO "t" ("v") VALUES (7)')
        other.commit()
        assert await db.fetch_count(COUNT, (1,)) == 4
        other.execute('UPDATE "t" SET "v" = 0')
        other.commit()
        assert await db.fetch_count(COUNT, (1,)) == 0
    finally:
        other.close()


async def test_a_rolled_back_transaction_leaves_the_count_as_it_was(db: SqliteDatabase) -> None:
    assert await db.fetch_count(COUNT, (1,)) == 3
    with pytest.raises(RuntimeError):
        async with db.transaction() as tx:
            await tx.execute('INSERT INTO "t" ("v") VALUES (8)')
            raise RuntimeError("abandon")
    assert await db.fetch_count(COUNT, (1,)) == 3


async def test_counts_that_read_the_clock_are_run_every_time(db: SqliteDatabase) -> None:
    ran = counts_run(db)
    sql = """SELECT COUNT(*) AS n FROM "t" WHERE strftime('%S', 'now') >= ?"""
    await db.fetch_count(sql, ("00",))
    await db.fetch_count(sql, ("00",))
    assert len(ran) == 2


def test_the_cache_keeps_at_most_its_entries() -> None:
    cache = ReadCache(max_entries=3)
    for i in range(5):
        cache.put(("sql", (i,)), 1, i)
    assert [cache.get(("sql", (i,)), 1) for i in range(5)] == [None, None, 2, 3, 4]
    assert cache.get(("sql", (4,)), 2) is None  # another version: the entry kept is not used
    assert cache.get(("sql", (4,)), 1) is None  # and it was dropped


def test_entries_under_versions_of_different_kinds_live_side_by_side() -> None:
    """SQLite keeps counts under `data_version` and auth records under the auth counter
    (store/auth_version.py): keeping one must not throw the other away."""
    cache = ReadCache()
    cache.put(("auth record", "u1"), "7@t", "alice")
    cache.put(("count", "sql", ()), 12, 40)
    cache.put(("count", "sql", (2,)), 13, 41)  # a commit since: the version moved
    assert cache.get(("auth record", "u1"), "7@t") == "alice"
    assert cache.get(("count", "sql", ()), 13) is None  # read before the commit: never again
    assert cache.get(("count", "sql", (2,)), 13) == 41
