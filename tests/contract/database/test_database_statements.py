"""Statements outside a transaction: fetch_all / fetch_one / fetch_val / execute, `?` parameters,
and values of every type the store carries coming back as they went in."""

from __future__ import annotations

import math

import pytest

from bastion.store import json_codec
from bastion.store.database import Database
from bastion.store.errors import InvalidValueError
from tests.contract.database.conftest import make_table


async def test_execute_returns_the_number_of_rows_changed(db: Database) -> None:
    await make_table(db)
    for i in range(3):
        assert await db.execute('INSERT INTO "t" ("id", "n") VALUES (?, ?)', (f"r{i}", i)) == 1
    assert await db.execute('UPDATE "t" SET "s" = ? WHERE "n" >= ?', ("big", 1)) == 2
    assert await db.execute('UPDATE "t" SET "s" = ? WHERE "n" > ?', ("none", 99)) == 0
    assert await db.execute('DELETE FROM "t" WHERE "id" != ?', ("r0",)) == 2


async def test_fetch_all_returns_dicts_keyed_by_column_name_in_query_order(db: Database) -> None:
    await make_table(db)
    for i in (2, 0, 1):
        await db.execute('INSERT INTO "t" ("id", "n") VALUES (?, ?)', (f"r{i}", i))
    rows = await db.fetch_all('SELECT "id", "n" AS "number" FROM "t" ORDER BY "n" DESC')
    assert rows == [{"id": "r2", "number": 2}, {"id": "r1", "number": 1}, {"id": "r0", "number": 0}]
    assert await db.fetch_all('SELECT "id" FROM "t" WHERE "n" > ?', (5,)) == []


async def test_fetch_one_and_fetch_val_take_the_first_row_or_none(db: Database) -> None:
    await make_table(db)
    assert await db.fetch_one('SELECT "id" FROM "t"') is None
    assert await db.fetch_val('SELECT "id" FROM "t"') is None
    await db.execute('INSERT INTO "t" ("id", "n") VALUES (?, ?), (?, ?)', ("a", 1, "b", 2))
    assert await db.fetch_one('SELECT "id", "n" FROM "t" ORDER BY "n"') == {"id": "a", "n": 1}
    assert await db.fetch_val('SELECT "n", "id" FROM "t" ORDER BY "n" DESC') == 2


async def test_question_marks_inside_quotes_are_not_parameters(db: Database) -> None:
    await db.execute('CREATE TABLE "q?" ("a?" TEXT)')
    await db.execute('INSERT INTO "q?" ("a?") VALUES (?)', ("value?",))
    row = await db.fetch_one("""SELECT '?' AS "lit", "a?" AS "col" FROM "q?" WHERE "a?" = ?""", ("value?",))
    assert row == {"lit": "?", "col": "value?"}


TEXTS = ["", "plain", "ünïcödé", "日本語", "emoji 🦊🏳️‍🌈", "rtl עברית", "quote ' and \" and \\", "a" * 100_000]


@pytest.mark.parametrize("value", TEXTS, ids=range(len(TEXTS)))
async def test_text_round_trips(db: Database, value: str) -> None:
    await make_table(db)
    await db.execute('INSERT INTO "t" ("id", "s") VALUES (?, ?)', ("r", value))
    assert await db.fetch_val('SELECT "s" FROM "t" WHERE "s" = ?', (value,)) == value


INTS = [0, 1, -1, 2**31, 2**53 + 1, 2**63 - 1, -(2**63)]


@pytest.mark.parametrize("value", INTS)
async def test_64_bit_integers_round_trip_exactly(db: Database, value: int) -> None:
    await make_table(db)
    await db.execute('INSERT INTO "t" ("id", "n") VALUES (?, ?)', ("r", value))
    got = await db.fetch_val('SELECT "n" FROM "t" WHERE "n" = ?', (value,))
    assert type(got) is int and got == value


FLOATS = [0.0, 0.1, -2.5, 1e-300, 1.7976931348623157e308, 123456789.123456789]


@pytest.mark.parametrize("value", FLOATS)
async def test_floats_round_trip_exactly(db: Database, value: float) -> None:
    await make_table(db)
    await db.execute('INSERT INTO "t" ("id", "x") VALUES (?, ?)', ("r", value))
    got = await db.fetch_val('SELECT "x" FROM "t"')
    assert type(got) is float and got == value and math.copysign(1, got) == math.copysign(1, value)


async def test_none_is_sql_null_both_ways(db: Database) -> None:
    await make_table(db)
    await db.execute('INSERT INTO "t" ("id", "s", "n", "x") VALUES (?, ?, ?, ?)', ("r", None, None, None))
    assert await db.fetch_one('SELECT "s", "n", "x" FROM "t"') == {"s": None, "n": None, "x": None}
    assert await db.fetch_val('SELECT COUNT(*) AS c FROM "t" WHERE "s" IS NULL AND "n" IS NULL') == 1


async def test_json_text_round_trips_in_a_text_column_and_a_json_column(db: Database) -> None:
    # Record tables keep JSON fields in JSON (SQLite) / JSONB (PostgreSQL, which takes the text
    # through a cast) columns; the store hands the text back for json_codec to decode.
    document = {"a": [1, 2.5, None, True], "b": {"ü": "🦊"}, "c": ""}
    text = json_codec.dumps(document)
    json_type, cast = ("JSONB", "?::jsonb") if db.dialect == "postgres" else ("JSON", "?")
    await db.execute(f'CREATE TABLE "j" ("id" TEXT, "txt" TEXT, "doc" {json_type})')
    await db.execute(f'INSERT INTO "j" VALUES (?, ?, {cast})', ("r", text, text))
    row = await db.fetch_one('SELECT "txt", "doc" FROM "j"')
    assert row is not None and row["txt"] == text
    assert json_codec.loads(row["doc"]) == document


async def test_an_integer_beyond_64_bits_is_an_invalid_value(db: Database) -> None:
    await make_table(db)
    with pytest.raises(InvalidValueError):
        await db.execute('INSERT INTO "t" ("id", "n") VALUES (?, ?)', ("r", 2**64))
    assert await db.fetch_val('SELECT COUNT(*) AS c FROM "t"') == 0


async def test_a_nul_byte_in_text_is_kept_whole_or_refused_as_an_invalid_value(db: Database) -> None:
    """SQLite stores text with its NUL bytes; PostgreSQL text cannot hold one and the store says
    so as InvalidValueError (a 400 for the client), never by truncating the value."""
    await make_table(db)
    value = "before\x00after"
    if db.dialect == "sqlite":
        await db.execute('INSERT INTO "t" ("id", "s") VALUES (?, ?)', ("r", value))
        assert await db.fetch_val('SELECT "s" FROM "t"') == value
    else:
        with pytest.raises(InvalidValueError):
            await db.execute('INSERT INTO "t" ("id", "s") VALUES (?, ?)', ("r", value))
        assert await db.fetch_val('SELECT COUNT(*) AS c FROM "t"') == 0
    assert await db.fetch_val("SELECT 1 AS one") == 1  # the connection is still good
