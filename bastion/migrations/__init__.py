"""Migrations: Python files that change the schema (and data), applied in order and recorded in
`_migrations`, as PocketBase's `pb_migrations` (docs/migrations.md).

    bastion migrate up | down [N] | create NAME | collections | history-sync

`files.py` finds and loads the files, `runner.py` applies and reverts them (each in its own
transaction), `facade.py` is the `app` a file's `up(app)` / `down(app)` gets, `templates.py`
writes the files, `automigrate.py` turns each collection change made through the API into one
(core's CollectionChangeHook), `history.py` is the `_migrations` table.
"""

from __future__ import annotations

from bastion.migrations.automigrate import Automigrate
from bastion.migrations.facade import (
    MigrationApp,
    MigrationCollections,
    MigrationRecords,
    SyncMigrationApp,
)
from bastion.migrations.history import ensure_table
from bastion.migrations.runner import MigrationError, create, down, history_sync, pending, snapshot, up

__all__ = [
    "Automigrate",
    "MigrationApp",
    "MigrationCollections",
    "MigrationError",
    "MigrationRecords",
    "SyncMigrationApp",
    "create",
    "down",
    "ensure_table",
    "history_sync",
    "pending",
    "snapshot",
    "up",
]
