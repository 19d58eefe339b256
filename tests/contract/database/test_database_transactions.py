"""Transactions: all or nothing, invisible to others until committed, after-commit callbacks
only after a commit, and concurrent transactions that never lose each other's writes."""

from __future__ import annotations

import asyncio

import pytest

from bastion.store.database import Database, DatabaseTimeouts
from bastion.store.errors import DatabaseBusy, DatabaseUnavailable
from tests.conftest import open_test_database
from tests.contract.database.conftest import make_table

SAFETY_TIMEOUT = 10.0


class Boom(Exception):
    pass


async def count(db: Database) -> int:
    return int(await db.fetch_val('SELECT COUNT(*) AS c FROM "t"'))


async def test_a_transaction_commits_every_statement_on_success(db: Database) -> None:
    await make_table(db)
    async with db.transaction() as tx:
        await tx.execute('INSERT INTO "t" ("id", "n") VALUES (?, ?)', ("a", 1))
        await tx.execute('INSERT INTO "t" ("id", "n") VALUES (?, ?)', ("b", 2))
        assert await tx.execute('UPDATE "t" SET "n" = "n" * 10') == 2
        assert await tx.fetch_all('SELECT "n" FROM "t" ORDER BY "n"') == [{"n": 10}, {"n": 20}]
    assert await db.fetch_all('SELECT "id", "n" FROM "t" ORDER BY "n"') == [
        {"id": "a", "n": 10},
        {"id": "b", "n": 20},
    ]


async def test_an_exception_inside_rolls_back_everything_and_propagates(db: Database) -> None:
    await make_table(db)
    await db.execute('INSERT INTO "t" ("id", "n") VALUES (?, ?)', ("kept", 1))
    raised = Boom("mid-transaction")
    with pytest.raises(Boom) as caught:
        async with db.transaction() as tx:
            await tx.execute('INSERT INTO "t" ("id", "n") VALUES (?, ?)', ("new", 2))
            await tx.execute('UPDATE "t" SET "n" = 99')
            await tx.execute('DELETE FROM "t" WHERE "id" = ?', ("kept",))
            raise raised
    assert caught.value is raised
    assert await db.fetch_all('SELECT "id", "n" FROM "t"') == [{"id": "kept", "n": 1}]


async def test_a_failing_statement_inside_rolls_back_the_earlier_ones(db: Database) -> None:
    await make_table(db)
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        async with db.transaction() as tx:
            await tx.execute('INSERT INTO "t" ("id") VALUES (?)', ("a",))
            await tx.execute('INSERT INTO "t" ("id") VALUES (?)', ("a",))
    assert await count(db) == 0
    async with db.transaction() as tx:  # the database takes the next transaction
        await tx.execute('INSERT INTO "t" ("id") VALUES (?)', ("a",))
    assert await count(db) == 1


async def test_uncommitted_writes_are_invisible_outside_the_transaction(db: Database) -> None:
    await make_table(db)
    async with db.transaction() as tx:
        await tx.execute('INSERT INTO "t" ("id") VALUES (?)', ("a",))
        assert await tx.fetch_val('SELECT COUNT(*) AS c FROM "t"') == 1
        assert await count(db) == 0
    assert await count(db) == 1


async def test_on_commit_callbacks_run_in_order_after_the_commit(db: Database) -> None:
    await make_table(db)
    ran: list[str] = []
    async with db.transaction() as tx:
        await tx.execute('INSERT INTO "t" ("id") VALUES (?)', ("a",))
        tx.on_commit(lambda: ran.append("first"))
        tx.on_commit(lambda: ran.append("second"))
        assert ran == []  # not while the transaction is open
    assert ran == ["first", "second"]
    assert await count(db) == 1


async def test_on_commit_callbacks_never_run_after_a_rollback(db: Database) -> None:
    await make_table(db)
    ran: list[str] = []
    with pytest.raises(Boom):
        async with db.transaction() as tx:
            tx.on_commit(lambda: ran.append("never"))
            raise Boom
    async with db.transaction() as tx:  # a later transaction does not inherit them either
        tx.on_commit(lambda: ran.append("later"))
    assert ran == ["later"]


async def test_on_commit_outside_a_transaction_runs_at_once(db: Database) -> None:
    ran: list[str] = []
    db.on_commit(lambda: ran.append("now"))
    assert ran == ["now"]


async def test_concurrent_transactions_never_lose_an_increment(db: Database) -> None:
    await make_table(db)
    await db.execute('INSERT INTO "t" ("id", "n") VALUES (?, ?)', ("counter", 0))

    async def increment() -> None:
        async with db.transaction() as tx:
            await tx.execute('UPDATE "t" SET "n" = "n" + 1 WHERE "id" = ?', ("counter",))
            await asyncio.sleep(0)  # let the others start theirs meanwhile
            await tx.execute('INSERT INTO "t" ("id") VALUES (?)', (f"w{id(asyncio.current_task())}",))

    async with asyncio.timeout(SAFETY_TIMEOUT):
        await asyncio.gather(*(increment() for _ in range(10)))
    assert await db.fetch_val('SELECT "n" FROM "t" WHERE "id" = ?', ("counter",)) == 10
    assert await count(db) == 11


async def test_one_transaction_rolling_back_leaves_a_concurrent_ones_commit(db: Database) -> None:
    await make_table(db)
    started = asyncio.Event()

    async def failing() -> None:
        async with db.transaction() as tx:
            await tx.execute('INSERT INTO "t" ("id") VALUES (?)', ("lost",))
            started.set()
            await asyncio.sleep(0)
            raise Boom

    async def succeeding() -> None:
        await started.wait()
        async with db.transaction() as tx:
            await tx.execute('INSERT INTO "t" ("id") VALUES (?)', ("kept",))

    async with asyncio.timeout(SAFETY_TIMEOUT):
        results = await asyncio.gather(failing(), succeeding(), return_exceptions=True)
    assert isinstance(results[0], Boom) and results[1] is None
    assert await db.fetch_all('SELECT "id" FROM "t"') == [{"id": "kept"}]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_a_transaction_holding_the_writer_past_the_acquire_timeout_makes_others_busy(
    backend: str, tmp_path
) -> None:
    """SQLite has one writer and PostgreSQL (here) one pooled connection: a write that cannot get
    it within `acquire` seconds gives up with DatabaseBusy, a 503 the client may retry."""
    timeouts = DatabaseTimeouts(acquire=0.2)
    async with open_test_database(backend, tmp_path, timeouts, min_size=1, max_size=1) as db:
        await make_table(db)
        async with db.transaction() as tx:
            await tx.execute('INSERT INTO "t" ("id") VALUES (?)', ("held",))
            with pytest.raises(DatabaseBusy) as caught:
                await db.execute('INSERT INTO "t" ("id") VALUES (?)', ("waiting",))
            assert isinstance(caught.value, DatabaseUnavailable) and caught.value.retry_after >= 1
        await db.execute('INSERT INTO "t" ("id") VALUES (?)', ("after",))  # free again
        assert sorted(r["id"] for r in await db.fetch_all('SELECT "id" FROM "t"')) == ["after", "held"]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_a_transaction_opened_inside_another_is_not_part_of_it(backend: str, tmp_path) -> None:
    """Callers pass the open Executor down instead of nesting. A nested `db.transaction()` is a
    separate unit: on SQLite it waits for the single writer (held by the outer one) and gives up
    as DatabaseBusy; on PostgreSQL it runs on another connection and commits by itself."""
    async with open_test_database(backend, tmp_path, DatabaseTimeouts(acquire=0.2)) as db:
        await make_table(db)
        async with db.transaction() as outer:
            await outer.execute('INSERT INTO "t" ("id") VALUES (?)', ("outer",))
            if db.dialect == "sqlite":
                with pytest.raises(DatabaseBusy):
                    async with db.transaction():
                        pass
            else:
                async with db.transaction() as inner:
                    await inner.execute('INSERT INTO "t" ("id") VALUES (?)', ("inner",))
                assert await count(db) == 1  # the inner one committed, the outer one not yet
        assert await count(db) == (1 if db.dialect == "sqlite" else 2)
