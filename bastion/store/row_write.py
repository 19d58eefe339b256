"""INSERT, UPDATE and DELETE of one row by its `id` (record tables, system collections).

Values arrive already converted for the database (fields' `to_db`); `json_columns` names the
columns holding a JSON document sent as text, which PostgreSQL is told to read as jsonb.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from bastion.store.database import Executor
from bastion.store.ddl import quote
from bastion.store.row_select import count_sql, id_in


def _marks(db: Executor, columns: Collection[str], json_columns: Collection[str]) -> list[str]:
    json_param = db.sql.json_param
    return [json_param if c in json_columns else "?" for c in columns]


async def insert_row(
    tx: Executor,
    table: str,
    values: Mapping[str, Any],
    json_columns: Collection[str] = (),
    *,
    require: Sequence[tuple[str, Sequence[str]]] = (),
) -> int:
    """Insert one row; returns 1, or 0 when a row `require` names is missing: (table, ids) pairs
    whose every id must be a row of that table. Checked in the INSERT itself, which saves a
    round trip where each statement is one (PostgreSQL) over looking them up first."""
    cols = ", ".join(quote(c) for c in values)
    marks = ", ".join(_marks(tx, values.keys(), json_columns))
    params = list(values.values())
    if not require:
        return await tx.execute(f"INSERT INTO {quote(table)} ({cols}) VALUES ({marks})", params)
    guards = []
    for other, ids in require:
        counting, id_params = count_sql(other, other, [id_in(other, ids)])
        guards.append(f"({counting}) = {len(ids)}")
        params.extend(id_params)
    where = " AND ".join(guards)
    return await tx.execute(f"INSERT INTO {quote(table)} ({cols}) SELECT {marks} WHERE {where}", params)


async def update_by_id(
    tx: Executor,
    table: str,
    row_id: str,
    values: Mapping[str, Any],
    json_columns: Collection[str] = (),
    *,
    only_if: Mapping[str, Any] | None = None,
) -> int:
    """Set `values` on the row `row_id` (when it also holds every `only_if` value); returns how
    many rows changed (0 or 1)."""
    marks = _marks(tx, values.keys(), json_columns)
    sets = ", ".join(f"{quote(c)} = {m}" for c, m in zip(values, marks, strict=True))
    extra = only_if or {}
    where = "".join(f" AND {quote(c)} = ?" for c in extra)
    return await tx.execute(
        f'UPDATE {quote(table)} SET {sets} WHERE "id" = ?{where}',
        [*values.values(), row_id, *extra.values()],
    )


async def delete_by_id(tx: Executor, table: str, row_id: str) -> int:
    return await tx.execute(f'DELETE FROM {quote(table)} WHERE "id" = ?', (row_id,))


async def delete_rows(
    tx: Executor,
    table: str,
    equal: Mapping[str, Any] | None = None,
    *,
    before: Mapping[str, Any] | None = None,
    not_in: tuple[str, Sequence[Any]] | None = None,
) -> int:
    """Delete the rows holding every `equal` value, below every `before` value, and (`not_in`:
    column, values) outside the values given; returns how many went."""
    tests = [f"{quote(c)} = ?" for c in equal or {}] + [f"{quote(c)} < ?" for c in before or {}]
    params = [*(equal or {}).values(), *(before or {}).values()]
    if not_in is not None:
        column, values = not_in
        tests.append(f"{quote(column)} NOT IN ({', '.join('?' for _ in values)})")
        params.extend(values)
    if not tests:
        raise ValueError("delete_rows needs a condition (delete_all is not this)")
    rows = await tx.fetch_all(
        f'DELETE FROM {quote(table)} WHERE {" AND ".join(tests)} RETURNING "id"', params
    )
    return len(rows)


@asynccontextmanager
async def undo_on_error(tx: Executor) -> AsyncIterator[None]:
    """Run the block inside a savepoint: kept when it ends normally, rolled back when it raises
    (a failed statement, which aborts a whole PostgreSQL transaction, then leaves `tx` usable)."""
    savepoint = "row_" + secrets.token_hex(4)
    await tx.execute(f"SAVEPOINT {savepoint}")
    try:
        yield
    except BaseException:
        await tx.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
        await tx.execute(f"RELEASE SAVEPOINT {savepoint}")
        raise
    await tx.execute(f"RELEASE SAVEPOINT {savepoint}")
