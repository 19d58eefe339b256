"""Backups for the command line (`bastion backup create|list|restore`), outside any request.

`create`, `list` and `restore` start the App as the server would (the database opened and
upgraded), then use the same Backups service as /api/backups, so they use the store the stored
settings name (the local folder, or the `backups.s3` bucket); `restore` only runs when no `bastion serve`
holds the data directory (backups/backup_lock.py's ServeLock), and opens the restored data once
before it removes the previous content kept aside.
"""

from __future__ import annotations

from bastion.app import App
from bastion.backups import Backups
from bastion.backups.backup_archive import BACKUPS_DIR, Progress
from bastion.backups.backup_names import MANUAL_PREFIX, MAX_NAME_LENGTH, NAME_PATTERN, generate_name
from bastion.backups.backup_store import BackupInfo, LocalBackupStore
from bastion.config import Config


async def check_name(backups: Backups, name: str) -> None:
    """ValueError unless `name` is a name the API would take."""
    if len(name) > MAX_NAME_LENGTH or not NAME_PATTERN.match(name):
        raise ValueError(
            f"invalid backup name {name!r}: use lower case letters, digits, _ and - ending in .zip "
            f"(at most {MAX_NAME_LENGTH} characters)"
        )
    if await backups.exists(name):
        raise ValueError(f"a backup named {name!r} already exists")


async def create_backup(
    config: Config, name: str | None, progress: Progress | None = None
) -> tuple[str, str]:
    """Write a backup (named as PocketBase names them when `name` is None) into the store the
    settings say (the local folder or the `backups.s3` bucket); its name and where it is."""
    app = await App(config).start()
    try:
        if name is None:
            name = generate_name(MANUAL_PREFIX, app.settings.meta.app_name)
        else:
            await check_name(app.backups, name)
        store = app.backups.store
        await app.backups.create(name, progress)
        return name, store.location
    finally:
        await app.stop()


async def list_backups(config: Config) -> tuple[list[BackupInfo], str]:
    """The backups the server would list (`GET /api/backups`), oldest first, and where they are:
    the `backups.s3` bucket while the stored settings enable it, else the local folder. A SQLite
    data directory without its database yet has no settings: its folder is listed as it is,
    without creating anything."""
    if not config.database_url and not (config.data_dir / "data.db").exists():
        local = LocalBackupStore(config.data_dir / BACKUPS_DIR)
        return _oldest_first(local.list_now()), local.location
    app = await App(config).start()
    try:
        store = app.backups.store
        return _oldest_first(await store.list()), store.location
    finally:
        await app.stop()


def _oldest_first(found: list[BackupInfo]) -> list[BackupInfo]:
    return sorted(found, key=lambda b: (b.modified, b.key))


async def restore_backup(config: Config, key: str, progress: Progress | None = None) -> None:
    """Replace the data directory's content (and the PostgreSQL schema) with the backup `key`,
    then open the restored data once (upgrading it) and remove the previous content."""
    app = await App(config).start()
    try:
        await app.backups.restore(key, progress)
    finally:
        await app.stop()
        app.backups.finish_restore()
    restored = await App(config).start()  # the restored database opens (and is upgraded)
    try:
        restored.backups.remove_leftovers()
    finally:
        await restored.stop()
