"""`_migrations`: which migration files were applied, and when (as PocketBase's table of that name).

One row per applied file: `file` (its name, `1733200000_created_posts.py`) and `applied` (unix
time in microseconds, as PocketBase). The table lives in the data database, beside the records.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from bastion.store.errors import UniqueViolation

if TYPE_CHECKING:
    from bastion.store.database import Executor

TABLE = "_migrations"
_DDL = f'CREATE TABLE IF NOT EXISTS "{TABLE}" ("file" VARCHAR(255) PRIMARY KEY NOT NULL, "applied" BIGINT NOT NULL)'


async def ensure_table(db: Executor) -> None:
    with contextlib.suppress(UniqueViolation):  # PostgreSQL: another process made it just now
        await db.execute(_DDL)


async def applied_files(db: Executor) -> list[str]:
    """The applied files' names, the last applied last (ties: by name)."""
    rows = await db.fetch_all(f'SELECT "file" FROM "{TABLE}" ORDER BY "applied", "file"')
    return [str(r["file"]) for r in rows]


async def latest_timestamp(db: Executor) -> int:
    """The largest timestamp of the applied files' names (0: none)."""
    rows = await db.fetch_all(f'SELECT "file" FROM "{TABLE}"')
    stamps = [str(r["file"]).split("_", 1)[0] for r in rows]
    return max((int(s) for s in stamps if s.isdigit()), default=0)


async def record_applied(tx: Executor, file: str) -> None:
    await tx.execute(
        f'INSERT INTO "{TABLE}" ("file", "applied") VALUES (?, ?)', (file, time.time_ns() // 1000)
    )


async def forget(tx: Executor, file: str) -> None:
    await tx.execute(f'DELETE FROM "{TABLE}" WHERE "file" = ?', (file,))
