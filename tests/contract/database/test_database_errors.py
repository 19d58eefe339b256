"""Errors in the store's own terms: what a client's value or filter did wrong (InvalidValueError,
StatementLimitError), what the database cannot do now (DatabaseUnavailable), and a broken
constraint (UniqueViolation, ForeignKeyViolation, ConstraintViolation: never a driver's error)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import asyncpg
import pytest

from bastion.store.database import Database, DatabaseTimeouts
from bastion.store.database_open import open_database
from bastion.store.errors import (
    ConstraintViolation,
    DatabaseUnavailable,
    ForeignKeyViolation,
    InvalidValueError,
    StatementLimitError,
    UniqueViolation,
)
from tests.contract.database.conftest import make_table


async def test_a_duplicate_key_is_a_unique_violation_naming_its_columns_and_changes_nothing(
    db: Database,
) -> None:
    # RecordService answers validation_not_unique on the columns named (core/record_service.py)
    await make_table(db)
    await db.execute('CREATE UNIQUE INDEX "t_s" ON "t" ("s", "n")')
    await db.execute('INSERT INTO "t" ("id", "s", "n") VALUES (?, ?, ?)', ("a", "same", 1))
    with pytest.raises(UniqueViolation) as caught:
        await db.execute('INSERT INTO "t" ("id", "s") VALUES (?, ?)', ("a", "other"))
    assert caught.value.columns == ("id",)
    with pytest.raises(UniqueViolation) as caught:
        await db.execute('INSERT INTO "t" ("id", "s", "n") VALUES (?, ?, ?)', ("b", "same", 1))
    assert caught.value.columns == ("s", "n")
    with pytest.raises(UniqueViolation):
        async with db.transaction() as tx:
            await tx.execute('UPDATE "t" SET "s" = ? WHERE "id" = ?', ("x", "a"))
            await tx.execute('INSERT INTO "t" ("id", "s", "n") VALUES (?, ?, ?)', ("c", "x", 1))
    assert await db.fetch_all('SELECT "id", "s" FROM "t"') == [{"id": "a", "s": "same"}]
    assert isinstance(caught.value.__cause__, sqlite3.Error | asyncpg.PostgresError)  # kept for logs


async def test_a_missing_referenced_row_is_a_foreign_key_violation(db: Database) -> None:
    await make_table(db)
    await db.execute('CREATE TABLE "c" ("id" TEXT PRIMARY KEY, "t" TEXT REFERENCES "t" ("id"))')
    with pytest.raises(ForeignKeyViolation):
        await db.execute('INSERT INTO "c" VALUES (?, ?)', ("1", "nope"))


async def test_a_null_in_a_not_null_column_is_a_constraint_violation_naming_it(db: Database) -> None:
    await db.execute('CREATE TABLE "nn" ("id" TEXT PRIMARY KEY, "v" TEXT NOT NULL)')
    with pytest.raises(ConstraintViolation) as caught:
        await db.execute('INSERT INTO "nn" VALUES (?, ?)', ("1", None))
    assert not isinstance(caught.value, UniqueViolation | ForeignKeyViolation)
    assert caught.value.columns == ("v",)


async def test_sql_nested_beyond_the_parsers_limit_is_a_statement_limit_error(db: Database) -> None:
    # 20,000 terms: past SQLite's expression depth (1000) and PostgreSQL's max_stack_depth. (Bracket
    # nesting past PostgreSQL's parser stack, ~10,000, is a syntax error instead; the filter
    # parser's MAX_NESTING keeps clients far below either.)
    sql = "SELECT " + " + ".join(["1"] * 20_000) + " AS v"
    with pytest.raises(StatementLimitError):
        await db.fetch_all(sql)
    assert issubclass(StatementLimitError, InvalidValueError)  # answered 400, as a bad filter
    assert await db.fetch_val("SELECT 1 AS one") == 1


async def test_a_like_pattern_over_sqlites_limit_is_refused_there_and_answered_elsewhere(
    db: Database,
) -> None:
    """SQLite refuses a LIKE pattern over 50,000 bytes as StatementLimitError; PostgreSQL has no
    such limit and answers."""
    pattern = "%" + "x" * 60_000 + "%"
    sql = "SELECT CASE WHEN ? LIKE ? THEN 1 ELSE 0 END AS m"
    if db.dialect == "sqlite":
        with pytest.raises(StatementLimitError):
            await db.fetch_val(sql, ("y" + "x" * 60_000, pattern))
    else:
        assert await db.fetch_val(sql, ("y" + "x" * 60_000 + "z", pattern)) == 1


async def test_an_unreachable_postgresql_is_unavailable_with_the_reason() -> None:
    with pytest.raises(DatabaseUnavailable, match="cannot connect to PostgreSQL") as caught:
        await open_database(
            "postgresql://postgres@127.0.0.1:1/none", Path("/nonexistent"), DatabaseTimeouts(connect=2)
        )
    assert caught.value.retry_after > 0 and caught.value.__cause__ is not None


async def test_an_sqlite_file_that_cannot_be_opened_is_unavailable_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "data.db").mkdir()  # a directory where the database file should be
    with pytest.raises(DatabaseUnavailable, match="(?i)unable to open") as caught:
        await open_database(None, tmp_path)
    assert isinstance(caught.value.__cause__, sqlite3.Error)
