"""SQL views over a user's SELECT (view collections): create and drop them, read their columns,
and try a query inside a savepoint that is always rolled back.

The user's query is wrapped as `SELECT * FROM (query)`, which also keeps a second statement from
running. What the columns mean (which fields they become) is core's (core/view_schema.py).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from bastion.store.database import Executor
from bastion.store.ddl import quote


async def create_view(tx: Executor, name: str, query: str) -> None:
    await tx.execute(f"CREATE VIEW {quote(name)} AS SELECT * FROM ({query}) AS {quote('_' + name)}")


async def drop_view(tx: Executor, name: str) -> None:
    await tx.execute(f"DROP VIEW IF EXISTS {quote(name)}")


async def view_columns(tx: Executor, name: str) -> list[tuple[str, str]]:
    """(name, declared type in upper case) of each column of the view `name`, in order."""
    if tx.dialect == "postgres":
        rows = await tx.fetch_all(
            "SELECT column_name AS name, data_type AS type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (name,),
        )
    else:
        rows = await tx.fetch_all(f"PRAGMA table_info({quote(name)})")
    return [(str(r["name"]), str(r["type"] or "").upper()) for r in rows]


async def first_ids(tx: Executor, query: str, limit: int) -> list[Any]:
    """The `id` column of the query's first `limit` rows."""
    rows = await tx.fetch_all(f'SELECT "id" FROM ({query}) AS "_sample" LIMIT {int(limit)}')
    return [row["id"] for row in rows]


def text_ids(query: str, columns: list[str]) -> str:
    """The query with its `id` column read as text (the other columns as they are)."""
    select = ", ".join('CAST("id" AS TEXT) AS "id"' if name == "id" else quote(name) for name in columns)
    return f'SELECT {select} FROM ({query}) AS "_ids"'


@asynccontextmanager
async def rolled_back(tx: Executor) -> AsyncIterator[None]:
    """Run the block inside a savepoint that is rolled back however it ends: nothing it did stays,
    and a failed statement (which aborts a whole PostgreSQL transaction) leaves `tx` usable."""
    savepoint = "probe_" + secrets.token_hex(4)
    await tx.execute(f"SAVEPOINT {savepoint}")
    try:
        yield
    finally:
        await tx.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
        await tx.execute(f"RELEASE SAVEPOINT {savepoint}")
