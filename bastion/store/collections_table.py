"""`_collections`: one row per collection, its definition a JSON document (`data`), as PocketBase
keeps it; and the creation of the two system tables (`_collections`, `_params`).

The store reads and writes the rows; what a definition means is core's (collection_model.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bastion.store.database import Executor
from bastion.store.json_codec import dumps, loads


@dataclass(frozen=True)
class CollectionRow:
    id: str
    system: bool
    type: str
    name: str
    data: dict[str, Any]  # the whole definition, as stored
    created: str
    updated: str


async def create_system_tables(db: Executor) -> None:
    """Create `_collections` and `_params` when they are not there yet."""
    json_type = db.sql.json_type
    await db.execute(
        'CREATE TABLE IF NOT EXISTS "_collections" ('
        '"id" TEXT PRIMARY KEY NOT NULL, "system" BOOLEAN DEFAULT FALSE NOT NULL, "type" TEXT NOT NULL, '
        f'"name" TEXT NOT NULL UNIQUE, "data" {json_type} NOT NULL, '
        '"created" TEXT NOT NULL, "updated" TEXT NOT NULL)'
    )
    await db.execute(
        f'CREATE TABLE IF NOT EXISTS "_params" ("id" TEXT PRIMARY KEY NOT NULL, "value" {json_type}'
        ' DEFAULT NULL, "created" TEXT NOT NULL, "updated" TEXT NOT NULL)'
    )


async def is_pocketbase_table(db: Executor) -> bool:
    """True when `_collections` is PocketBase's own (a collection spread over columns such as
    `fields` and `options`, no `data` document): a PocketBase data directory, not Bastion's."""
    row = await db.fetch_one('SELECT * FROM "_collections" LIMIT 1')
    return row is not None and "data" not in row and "fields" in row


async def read_definitions(db: Executor) -> list[dict[str, Any]]:
    """Every collection's stored definition, in creation order."""
    rows = await db.fetch_all('SELECT "data", "created" FROM "_collections" ORDER BY "created", "id"')
    return [loads(r["data"]) for r in rows]


async def read_definition(
    tx: Executor, collection_id: str, *, for_update: bool = False
) -> dict[str, Any] | None:
    """One collection's stored definition (None if there is no such row). `for_update` locks the
    row until `tx` ends (PostgreSQL; SQLite's single writer already keeps others out)."""
    lock = " FOR UPDATE" if for_update and tx.dialect == "postgres" else ""
    row = await tx.fetch_one(f'SELECT "data" FROM "_collections" WHERE "id" = ?{lock}', (collection_id,))
    return None if row is None else loads(row["data"])


async def id_taken(db: Executor, collection_id: str) -> bool:
    return await db.fetch_one('SELECT 1 FROM "_collections" WHERE "id" = ?', (collection_id,)) is not None


async def insert_row(tx: Executor, row: CollectionRow) -> None:
    await tx.execute(
        'INSERT INTO "_collections" ("id", "system", "type", "name", "data", "created", "updated") '
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (row.id, row.system, row.type, row.name, dumps(row.data), row.created, row.updated),
    )


async def update_row(tx: Executor, collection_id: str, name: str, data: dict[str, Any], updated: str) -> None:
    """Store a changed definition (and the name it goes by)."""
    cast = tx.sql.json_param
    await tx.execute(
        f'UPDATE "_collections" SET "name" = ?, "data" = {cast}, "updated" = ? WHERE "id" = ?',
        (name, dumps(data), updated, collection_id),
    )


async def delete_row(tx: Executor, collection_id: str) -> None:
    await tx.execute('DELETE FROM "_collections" WHERE "id" = ?', (collection_id,))
