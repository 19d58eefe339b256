"""The settings document in the database: the `settings` row of `_params`, as PocketBase keeps it.

A stored document is bound over the defaults like a PATCH body, so one written by an older
version (a section or key missing) still loads with PocketBase's defaults for what it lacks.
"""

from __future__ import annotations

from bastion.core.settings_binding import bind_settings
from bastion.core.settings_sections import Settings
from bastion.store import Executor
from bastion.store.json_codec import dumps, loads

__all__ = ["SETTINGS_PARAM", "read_settings", "write_settings"]

SETTINGS_PARAM = "settings"


async def read_settings(db: Executor) -> Settings | None:
    """The stored settings, or None when none were ever saved (the defaults apply)."""
    row = await db.fetch_one('SELECT "value" FROM "_params" WHERE "id" = ?', (SETTINGS_PARAM,))
    if row is None or not row["value"]:
        return None
    return bind_settings(Settings(), loads(row["value"]))


async def write_settings(tx: Executor, settings: Settings, stamp: str) -> None:
    """Store the whole document (secrets included) with `stamp` as its `updated` time."""
    value = dumps(settings)
    cast = "?::jsonb" if tx.dialect == "postgres" else "?"
    updated = await tx.execute(
        f'UPDATE "_params" SET "value" = {cast}, "updated" = ? WHERE "id" = ?', (value, stamp, SETTINGS_PARAM)
    )
    if not updated:
        await tx.execute(
            f'INSERT INTO "_params" ("id", "value", "created", "updated") VALUES (?, {cast}, ?, ?)',
            (SETTINGS_PARAM, value, stamp, stamp),
        )
