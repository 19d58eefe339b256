"""Backups of a data directory, kept as zip files in `<data dir>/backups` or, when
`settings.backups.s3.enabled`, in that S3 bucket (as PocketBase; backup_store*.py).

The store is chosen from the settings as they are at each operation, so a change made through
`PATCH /api/settings` on any worker applies to the next one. The "one operation at a time" flag
is a lock file in the local temp folder (backup_lock.py), whichever the store, so every worker
process agrees on it. The slow work (snapshots, zipping, copying an upload, the bucket's
transfers) runs in threads, off the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from bastion.backups.backup_archive import BACKUPS_DIR, TEMP_DIR, Progress, write_archive
from bastion.backups.backup_lock import BackupLock
from bastion.backups.backup_names import AUTO_PREFIX, generate_name
from bastion.backups.backup_restore import (
    MAIN_DATABASE,
    POSTGRES_DUMP,
    POSTGRES_MARKER,
    RestoreError,
    RestoreLimits,
    hold_writes,
    remove_leftovers,
    swap_in,
    unpack_archive,
)
from bastion.backups.backup_store import (
    BackupDownload,
    BackupInfo,
    BackupStore,
    BackupStoreError,
    LocalBackupStore,
)
from bastion.core.settings_sections import S3Settings
from bastion.store.pg_dump import PgToolError, check_dump, dump_schema, restore_schema

log = logging.getLogger("bastion.backups")

DEFAULT_TIMEOUT = 600.0  # PocketBase gives a restore's download 10 minutes; a backup gets as long


class BackupBusy(Exception):
    """Another backup (on this process or another) is being written."""


class BackupFailed(Exception):
    """The backup could not be written (a PostgreSQL client tool missing or failing): the
    message says why; nothing was kept."""


@dataclass(frozen=True)
class PostgresSource:
    """A PostgreSQL deployment's database: its URL and the schema holding Bastion's tables."""

    url: str
    schema: str


class Backups:
    def __init__(
        self,
        data_dir: Path,
        database: Path | None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        s3: Callable[[], S3Settings] | None = None,
    ) -> None:
        """`database`: the SQLite file, None when the records live in PostgreSQL (then
        `postgres` says where, once the App has opened it). `s3`: the `backups.s3` settings as
        they are now (None: always the local folder)."""
        self.data_dir = Path(data_dir)
        self.database = database
        self.postgres: PostgresSource | None = None
        self.timeout = timeout
        self.folder = self.data_dir / BACKUPS_DIR
        self.temp_dir = self.data_dir / TEMP_DIR
        self.local = LocalBackupStore(self.folder)
        self._s3_settings = s3
        self._s3: tuple[S3Settings, BackupStore] | None = None
        self.restore_limits = RestoreLimits()
        # Once a restore has swapped the files in: the backup lock and the old database's write
        # lock, both held until this process restarts (or `finish_restore` after a reopen).
        self._restoring: tuple[BackupLock, sqlite3.Connection | None] | None = None

    @property
    def supported(self) -> bool:
        return self.database is not None or self.postgres is not None

    # ---- the store ---------------------------------------------------------------------------

    @property
    def store(self) -> BackupStore:
        """The local folder, or the bucket while `backups.s3.enabled` (rebuilt when it changes)."""
        s3 = self._s3_settings() if self._s3_settings is not None else None
        if s3 is None or not s3.enabled:
            return self.local
        if self._s3 is None or self._s3[0] != s3:
            from bastion.backups.backup_store_s3 import S3BackupStore  # boto3 is slow to import

            self._s3 = (s3, S3BackupStore(s3))
        return self._s3[1]

    async def list(self) -> list[BackupInfo]:
        """Every backup, by key (as PocketBase's file system lists them; not by date)."""
        return await self.store.list()

    async def exists(self, key: str) -> bool:
        return await self.store.exists(key)

    async def open(self, key: str) -> BackupDownload | None:
        return await self.store.open(key)

    def active_name(self) -> str | None:
        return BackupLock(self.temp_dir).active_name()

    async def delete(self, key: str) -> bool:
        return await self.store.delete(key)

    # ---- writing ----------------------------------------------------------------------------

    async def create(self, name: str, progress: Progress | None = None) -> None:
        """Write the backup `name` (replacing one of that name); BackupBusy when another is
        being written anywhere. `progress(done, total)`: bytes zipped, from the worker thread."""
        store = self.store
        lock = BackupLock(self.temp_dir)
        if not lock.try_acquire(name):
            raise BackupBusy(name)
        # written in the temp folder, then handed to the store (moved in, or uploaded)
        staged = self.temp_dir / f"pb_backup_{secrets.token_hex(4)}_{name}"
        try:
            deadline = time.monotonic() + self.timeout
            await asyncio.to_thread(
                write_archive,
                self.data_dir,
                staged,
                extra_database=self.database,
                deadline=deadline,
                prepare=self._dump_postgres if self.postgres is not None else None,
                progress=progress,
            )
            await store.put(staged, name)
        except PgToolError as exc:
            raise BackupFailed(str(exc)) from None
        except BackupStoreError as exc:
            raise BackupFailed(f"the archive could not be stored: {exc}") from None
        finally:
            staged.unlink(missing_ok=True)
            lock.release()
        log.info("backup created", extra={"backup": name})

    async def save_upload(self, source: IO[bytes], name: str) -> None:
        """Keep an uploaded archive as the backup `name` (copied aside, then handed to the
        store: renamed in, or uploaded). BackupStoreError when the store refuses it."""
        store = self.store
        partial = await asyncio.to_thread(self._copy_aside, source)
        try:
            await store.put(partial, name)
        finally:
            partial.unlink(missing_ok=True)

    def _copy_aside(self, source: IO[bytes]) -> Path:
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(prefix="pb_upload_", dir=self.temp_dir)
        try:
            source.seek(0)
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            os.unlink(partial)
            raise
        return Path(partial)

    def _dump_postgres(self, work: Path) -> dict[str, Path]:
        """pg_dump of the deployment's schema and the marker that says what the archive is."""
        source = self.postgres
        assert source is not None
        dump = work / POSTGRES_DUMP
        dump_schema(source.url, source.schema, dump, timeout=self.timeout)
        marker = work / POSTGRES_MARKER
        marker.write_text(
            json.dumps(
                {
                    "database": "postgresql",
                    "schema": source.schema,
                    "dump": POSTGRES_DUMP,
                    "format": "custom",
                },
                indent=2,
            )
            + "\n"
        )
        return {POSTGRES_MARKER: marker, POSTGRES_DUMP: dump}

    # ---- restoring --------------------------------------------------------------------------

    async def restore(self, key: str, progress: Progress | None = None) -> None:
        """Replace the data directory's content with the backup `key` (backup_restore.py).

        BackupBusy when another backup or restore runs anywhere; RestoreError (nothing changed)
        when the archive is not a valid backup or cannot be swapped in. Once this returns, the
        files are the restored ones but this process still has the previous database open: it
        must restart (or reopen its App and call `finish_restore`); until then the backup lock
        and the previous database's write lock stay held, so nothing is written into it.
        """
        store = self.store
        if not await self._exists_for_restore(store, key):
            raise RestoreError("Missing or invalid backup file.")
        lock = BackupLock(self.temp_dir)
        if not lock.try_acquire(key):
            raise BackupBusy(key)
        try:
            fence = await self._restore_from(store, key, progress)
        except BaseException:
            lock.release()
            raise
        self._restoring = (lock, fence)
        log.info("backup restored: the data directory holds its content", extra={"backup": key})

    @staticmethod
    async def _exists_for_restore(store: BackupStore, key: str) -> bool:
        try:
            return await store.stat(key) is not None
        except BackupStoreError as exc:
            raise RestoreError(f"The backup could not be looked up: {exc}") from None

    async def _restore_from(
        self, store: BackupStore, key: str, progress: Progress | None
    ) -> sqlite3.Connection | None:
        """A local copy of the archive (downloaded into the temp folder from a bucket), restored."""
        try:
            fetched = await store.fetch(key, self.temp_dir)
        except BackupStoreError as exc:
            raise RestoreError(f"The backup could not be downloaded: {exc}") from None
        if fetched is None:
            raise RestoreError("Missing or invalid backup file.")
        archive, is_copy = fetched
        try:
            return await asyncio.to_thread(self._restore, archive, progress)
        finally:
            if is_copy:
                archive.unlink(missing_ok=True)

    def _restore(self, archive: Path, progress: Progress | None) -> sqlite3.Connection | None:
        if self.postgres is not None:
            self._restore_postgres(archive, self.postgres, progress)
            return None
        database = self._restorable_database()
        unpacked = unpack_archive(archive, self.data_dir, self.restore_limits, progress=progress)
        try:
            fence = hold_writes(database) if database.exists() else None
            try:
                swap_in(self.data_dir, unpacked)
            except BaseException:
                if fence is not None:
                    fence.close()
                raise
        except OSError as exc:
            raise RestoreError(f"The backup could not be moved into the data directory ({exc}).") from exc
        finally:
            shutil.rmtree(unpacked, ignore_errors=True)
        return fence

    def _restore_postgres(self, archive: Path, target: PostgresSource, progress: Progress | None) -> None:
        """The stored files are swapped in first (renames, undone should the database fail),
        then the schema is replaced in one transaction (store/pg_dump.py)."""
        unpacked = unpack_archive(
            archive, self.data_dir, self.restore_limits, postgres=True, progress=progress
        )
        aside = Path(tempfile.mkdtemp(prefix="pb_restore_db_", dir=self.temp_dir))
        try:
            dump = aside / POSTGRES_DUMP
            os.rename(unpacked / POSTGRES_DUMP, dump)
            marker = _read_marker(unpacked / POSTGRES_MARKER)
            (unpacked / POSTGRES_MARKER).unlink()
            try:
                check_dump(dump, timeout=self.timeout)
            except PgToolError as exc:
                raise RestoreError(f"The backup's {POSTGRES_DUMP} cannot be read: {exc}") from None
            try:
                swap = swap_in(self.data_dir, unpacked)
            except OSError as exc:
                raise RestoreError(f"The backup could not be moved into the data directory ({exc}).") from exc
            try:
                restore_schema(
                    target.url, target.schema, dump, aside, timeout=self.timeout, dumped_schema=marker
                )
            except BaseException as exc:
                swap.undo()
                if isinstance(exc, PgToolError):
                    raise RestoreError(str(exc)) from None
                raise
        finally:
            shutil.rmtree(unpacked, ignore_errors=True)
            shutil.rmtree(aside, ignore_errors=True)

    def _restorable_database(self) -> Path:
        """The main database's path, which a restore replaces with the archive's data.db."""
        main = self.data_dir / MAIN_DATABASE
        if self.database is not None and self.database.resolve() != main.resolve():
            raise RestoreError(
                f"The database {self.database} is not {main}: a backup can only be restored "
                "into a data directory that holds its database (see Backups in docs/operations.md)."
            )
        return main

    def finish_restore(self) -> None:
        """After the App reopened on the restored files: let writes and backups go again."""
        if self._restoring is None:
            return
        lock, fence = self._restoring
        self._restoring = None
        if fence is not None:
            fence.close()
        lock.release()

    def remove_leftovers(self) -> bool:
        """Remove what earlier restores left in the temp folder (their previous data directory
        content, kept until a start succeeds); False when an operation runs and nothing was done."""
        lock = BackupLock(self.temp_dir)
        if not lock.try_acquire("cleanup"):
            return False
        try:
            remove_leftovers(self.data_dir)
        finally:
            lock.release()
        return True

    # ---- the cron ---------------------------------------------------------------------------

    async def auto_backup(self, app_name: str, max_keep: int) -> None:
        """PocketBase's `__pbAutoBackup__` run: an `@auto_pb_backup_…` archive, then only the
        newest `max_keep` auto backups are kept (0: all). A failed backup is logged and the
        pruning still runs, as PocketBase."""
        name = generate_name(AUTO_PREFIX, app_name)
        try:
            await self.create(name)
        except Exception:
            log.exception("backup cron: could not create the backup", extra={"backup": name})
        await self.prune_auto(max_keep)

    async def prune_auto(self, max_keep: int) -> None:
        """Delete the oldest `@auto_pb_backup_…` archives of the store beyond `max_keep`;
        a store that cannot be reached is logged (the next run tries again)."""
        if max_keep <= 0:
            return
        store = self.store
        try:
            autos = [b for b in await store.list() if b.key.startswith(AUTO_PREFIX)]
        except BackupStoreError as exc:
            log.error("backup cron: could not list the auto backups: %s", exc)
            return
        autos.sort(key=lambda b: b.modified, reverse=True)
        for old in autos[max_keep:]:
            if old.key == self.active_name():
                continue
            try:
                await store.delete(old.key)
            except BackupStoreError as exc:
                log.error("backup cron: could not delete %s: %s", old.key, exc)


def _read_marker(path: Path) -> str:
    """The schema a PostgreSQL backup was dumped from, as its marker file says."""
    try:
        marker = json.loads(path.read_text())
        schema = marker["schema"]
    except (OSError, ValueError, KeyError, TypeError):
        raise RestoreError(f"The backup's {POSTGRES_MARKER} is not readable.") from None
    if not isinstance(schema, str) or not schema:
        raise RestoreError(f"The backup's {POSTGRES_MARKER} names no schema.")
    return schema
