"""The store answers a broken constraint with its own errors, on both databases alike: callers
(record_service) never see a driver's exception, and learn which columns clashed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bastion.store import Database, open_database
from bastion.store.errors import ConstraintViolation, ForeignKeyViolation, UniqueViolation


@pytest.fixture
async def db(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    database = await open_database(database_url or None, tmp_path)
    await database.execute('CREATE TABLE "p" ("id" TEXT PRIMARY KEY, "a" TEXT, "b" TEXT, "n" TEXT NOT NULL)')
    await database.execute('CREATE UNIQUE INDEX "idx_ab" ON "p" ("a", "b")')
    await database.execute('CREATE TABLE "c" ("id" TEXT PRIMARY KEY, "p" TEXT REFERENCES "p" ("id"))')
    await database.execute("""INSERT INTO "p" VALUES ('x', '1', '2', 'n')""")
    try:
        yield database
    finally:
        await database.close()


async def test_a_duplicate_primary_key_names_the_id_column(db: Database) -> None:
    with pytest.raises(UniqueViolation) as caught:
        await db.execute("""INSERT INTO "p" VALUES ('x', '3', '4', 'n')""")
    assert caught.value.columns == ("id",)


async def test_a_duplicate_in_a_unique_index_names_its_columns_inside_a_transaction(db: Database) -> None:
    with pytest.raises(UniqueViolation) as caught:
        async with db.transaction() as tx:
            await tx.execute("""INSERT INTO "p" VALUES ('y', '1', '2', 'n')""")
    assert caught.value.columns == ("a", "b")
    assert await db.fetch_val('SELECT COUNT(*) AS n FROM "p"') == 1  # rolled back


async def test_a_missing_referenced_row_is_a_foreign_key_violation(db: Database) -> None:
    with pytest.raises(ForeignKeyViolation):
        await db.execute("""INSERT INTO "c" VALUES ('1', 'nope')""")


async def test_a_null_in_a_not_null_column_is_a_constraint_violation(db: Database) -> None:
    with pytest.raises(ConstraintViolation) as caught:
        await db.execute("""INSERT INTO "p" VALUES ('z', '5', '6', NULL)""")
    assert not isinstance(caught.value, UniqueViolation | ForeignKeyViolation)
    assert caught.value.columns == ("n",)
