"""The settings document in the database: the `settings` row of `_params`, as PocketBase keeps it.

A stored document is bound over the defaults like a PATCH body, so one written by an older
version (a section or key missing) still loads with PocketBase's defaults for what it lacks.
"""

from __future__ import annotations

from bastion.core.settings_binding import bind_settings
from bastion.core.settings_sections import Settings
from bastion.store import Executor
from bastion.store.params_table import read_param, write_param

__all__ = ["SETTINGS_PARAM", "read_settings", "write_settings"]

SETTINGS_PARAM = "settings"


async def read_settings(db: Executor) -> Settings | None:
    """The stored settings, or None when none were ever saved (the defaults apply)."""
    stored = await read_param(db, SETTINGS_PARAM)
    return None if stored is None else bind_settings(Settings(), stored)


async def write_settings(tx: Executor, settings: Settings, stamp: str) -> None:
    """Store the whole document (secrets included) with `stamp` as its `updated` time."""
    await write_param(tx, SETTINGS_PARAM, settings, stamp)
