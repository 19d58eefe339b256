"""`_params`: the key/value table PocketBase keeps its settings in (one JSON document per key).

Bastion keeps a few of its own keys there too (the realtime channel, the version stamps), named
so that they cannot clash with PocketBase's.
"""

from __future__ import annotations

from typing import Any

from bastion.store.database import Executor
from bastion.store.json_codec import dumps, loads

_READ = 'SELECT "value" FROM "_params" WHERE "id" = ?'


async def read_param(db: Executor, key: str) -> Any:
    """The document stored under `key`, or None when there is none (or it is empty)."""
    row = await db.fetch_one(_READ, (key,))
    if row is None or not row["value"]:
        return None
    return loads(row["value"])


async def write_param(tx: Executor, key: str, value: Any, stamp: str) -> None:
    """Store `value` under `key` with `stamp` as its `updated` time (and `created`, if new)."""
    cast = tx.sql.json_param
    document = dumps(value)
    updated = await tx.execute(
        f'UPDATE "_params" SET "value" = {cast}, "updated" = ? WHERE "id" = ?', (document, stamp, key)
    )
    if not updated:
        await tx.execute(
            f'INSERT INTO "_params" ("id", "value", "created", "updated") VALUES (?, {cast}, ?, ?)',
            (key, document, stamp, stamp),
        )


async def read_or_add_param(db: Executor, key: str, value: Any) -> Any:
    """The document under `key`; `value` is stored there first when there is none. Concurrent
    callers (workers, nodes starting together) all get the one document the first of them stored."""
    found = await read_param(db, key)
    if found is not None:
        return found
    cast = db.sql.json_param
    await db.execute(
        f'INSERT INTO "_params" ("id", "value", "created", "updated") VALUES (?, {cast}, ?, ?) '
        'ON CONFLICT ("id") DO NOTHING',
        (key, dumps(value), "", ""),
    )
    return await read_param(db, key)
