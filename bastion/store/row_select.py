"""SELECTs over one table (record tables, system collections) from conditions built elsewhere:
rules/ compiles filters into `Condition`s, core/record_query.py adds its own, this writes the
statement around them.

The table is always read under an alias (`alias`), which the compiled conditions refer to.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bastion.store.database import Executor, Row
from bastion.store.ddl import quote


@dataclass
class Condition:
    """A SQL boolean expression with its bound values (an empty one restricts nothing)."""

    sql: str
    params: list[Any]


def id_is(alias: str, row_id: str) -> Condition:
    return Condition(f'{quote(alias)}."id" = ?', [row_id])


def id_in(alias: str, ids: Sequence[str]) -> Condition:
    return Condition(f'{quote(alias)}."id" IN ({", ".join("?" for _ in ids)})', list(ids))


def column_holds(db: Executor, alias: str, column: str, value: Any, *, json_array: bool) -> Condition:
    """`column` equals `value`, or for a JSON array column, has it among its values."""
    col = f"{quote(alias)}.{quote(column)}"
    if not json_array:
        return Condition(f"{col} = ?", [value])
    source = db.sql.json_array_values(col, "je")
    return Condition(f"EXISTS (SELECT 1 FROM {source} WHERE je.value = ?)", [value])


def where_clause(conditions: Sequence[Condition]) -> tuple[str, list[Any]]:
    """` WHERE (a) AND (b)` with the parameters in order, or ("", []) when nothing restricts."""
    parts = [c for c in conditions if c.sql]
    if not parts:
        return "", []
    params: list[Any] = []
    for c in parts:
        params.extend(c.params)
    return " WHERE " + " AND ".join(f"({c.sql})" for c in parts), params


async def select_rows(
    db: Executor,
    table: str,
    columns: str,
    alias: str,
    conditions: Sequence[Condition] = (),
    *,
    order_by: str = "",
    order_params: Sequence[Any] = (),
    break_ties: bool = False,
    limit: int | None = None,
    offset: int | None = None,
    lock: bool = False,
    column_params: Sequence[Any] = (),
) -> list[Row]:
    """`columns` (SQL over `alias`, whose values are `column_params`) of the rows meeting every
    condition. `break_ties` orders rows a sort leaves tied (and an unsorted list) by insertion,
    as SQLite's rowid does by itself; a table without the row-order column (a view) cannot.
    `lock`: `FOR UPDATE OF` the table's rows read (PostgreSQL's: the caller decides when the
    database has it, and never for a view)."""
    where, where_params = where_clause(conditions)
    params = [*column_params, *where_params]
    sql = f"SELECT {columns} FROM {quote(table)} AS {quote(alias)}{where}"
    tiebreak = db.sql.tiebreak_column
    if break_ties and tiebreak:
        column = f"{quote(alias)}.{quote(tiebreak)}"
        order_by = f"{order_by}, {column}" if order_by else column
    if order_by:
        sql += " ORDER BY " + order_by
        params.extend(order_params)
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
        if offset is not None:
            sql += " OFFSET ?"
            params.append(offset)
    if lock:
        sql += f" FOR UPDATE OF {quote(alias)}"
    return await db.fetch_all(sql, params)


def count_sql(table: str, alias: str, conditions: Sequence[Condition]) -> tuple[str, list[Any]]:
    """`SELECT COUNT(*)` of the rows meeting every condition, and its parameters."""
    where, params = where_clause(conditions)
    return f"SELECT COUNT(*) AS n FROM {quote(table)} AS {quote(alias)}{where}", params


async def count_where(db: Executor, table: str, alias: str, conditions: Sequence[Condition]) -> int:
    return await db.fetch_count(*count_sql(table, alias, conditions))


async def ids_where(db: Executor, table: str, alias: str, conditions: Sequence[Condition]) -> set[str]:
    """The `id` of every row meeting the conditions."""
    rows = await select_rows(db, table, f'{quote(alias)}."id" AS "id"', alias, conditions)
    return {str(r["id"]) for r in rows}


# "DOUBLE PRECISION DEFAULT 0 NOT NULL" -> "DOUBLE PRECISION"
_TYPE_END = re.compile(
    r"\s+(DEFAULT|NOT|NULL|PRIMARY|UNIQUE|CHECK|REFERENCES|COLLATE)\b.*$", re.IGNORECASE | re.S
)


async def row_meets(
    db: Executor,
    columns: Sequence[tuple[str, str]],
    values: Sequence[Any],
    alias: str,
    conditions: Sequence[Condition],
) -> bool:
    """Whether a row that is not in any table (a record about to be written, or one an event
    carries) meets every condition. The row is a one-row CTE named `alias` standing in for the
    table, so conditions written for the table resolve on it, joins included. `columns` are
    (name, column SQL) pairs: each value is typed as its column where the database needs it
    (PostgreSQL cannot infer a bare parameter's type, and compares by it)."""
    dialect = db.sql
    row = ", ".join(
        f"{dialect.typed_param(_TYPE_END.sub('', sql_type))} AS {quote(name)}" for name, sql_type in columns
    )
    where, params = where_clause(conditions)
    sql = f"WITH {quote(alias)} AS (SELECT {row}) SELECT 1 AS ok FROM {quote(alias)}{where} LIMIT 1"
    return await db.fetch_one(sql, [*values, *params]) is not None


async def another_row_holds(db: Executor, table: str, values: dict[str, Any], except_id: str) -> bool:
    """Whether a row other than `except_id` holds all of `values` (column -> value)."""
    where = " AND ".join(f"{quote(c)} = ?" for c in values)
    sql = f'SELECT "id" FROM {quote(table)} WHERE {where} AND "id" != ? LIMIT 1'
    return await db.fetch_one(sql, [*values.values(), except_id]) is not None


async def rows_where(
    db: Executor,
    table: str,
    columns: Sequence[str],
    equal: Mapping[str, Any],
    *,
    at_least: Mapping[str, Any] | None = None,
    newest_first: Sequence[str] = (),
    limit: int | None = None,
) -> list[Row]:
    """`columns` of the rows holding every `equal` value and at least every `at_least` value,
    sorted descending by the `newest_first` columns (system collections' lookups)."""
    tests = [f"{quote(c)} = ?" for c in equal] + [f"{quote(c)} >= ?" for c in at_least or {}]
    sql = f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)}"
    if tests:
        sql += " WHERE " + " AND ".join(tests)
    params = [*equal.values(), *(at_least or {}).values()]
    if newest_first:
        sql += " ORDER BY " + ", ".join(f"{quote(c)} DESC" for c in newest_first)
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return await db.fetch_all(sql, params)
