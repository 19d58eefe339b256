"""Statements about a whole table, for both dialects: count its rows, lock it against writers,
find values a column holds more than once."""

from __future__ import annotations

from typing import Any

from bastion.store.database import Executor
from bastion.store.ddl import quote


async def count_rows(db: Executor, table: str) -> int:
    return int(await db.fetch_val(f"SELECT COUNT(*) FROM {quote(table)}") or 0)


async def lock_against_writers(tx: Executor, table: str) -> None:
    """Keep other transactions from writing `table` until `tx` ends; one that tries waits (and
    then sees what `tx` committed). SQLite's single writer already serialises transactions."""
    if tx.dialect == "postgres":
        await tx.execute(f"LOCK TABLE {quote(table)} IN SHARE ROW EXCLUSIVE MODE")


async def repeated_values(
    db: Executor, table: str, column: str, where: str = "", limit: int = 10
) -> list[tuple[Any, int]]:
    """(value, how many rows hold it) for values of `column` held by more than one row, the most
    repeated first; `where` (SQL, `"`-quoted names) limits the rows looked at."""
    col = quote(column)
    condition = f"WHERE {where} " if where else ""
    rows = await db.fetch_all(
        f"SELECT {col} AS v, COUNT(*) AS n FROM {quote(table)} {condition}"
        f"GROUP BY {col} HAVING COUNT(*) > 1 ORDER BY COUNT(*) DESC, {col} LIMIT {int(limit)}"
    )
    return [(r["v"], int(r["n"])) for r in rows]


async def optimize(db: Executor) -> None:
    """Refresh the planner's statistics (PocketBase's daily `__pbDBOptimize__`): SQLite's
    `PRAGMA optimize`; PostgreSQL: `ANALYZE` of the tables in this schema (autovacuum analyses
    them too; this is the daily catch-up)."""
    if db.dialect == "sqlite":
        await db.execute("PRAGMA optimize")
        return
    rows = await db.fetch_all("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    for row in rows:
        await db.execute(f"ANALYZE {quote(str(row['tablename']))}")
