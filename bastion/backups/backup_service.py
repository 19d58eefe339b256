"""Backups of a SQLite data directory, kept as zip files in `<data dir>/backups` (as PocketBase).

Everything a client relies on is on disk, so every worker process sees the same backups: the
folder's files are the list, and the lock file (backup_lock.py) is the "one operation at a time"
flag. The slow work (snapshots, zipping, copying an upload) runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from bastion.backups.backup_archive import BACKUPS_DIR, TEMP_DIR, Progress, write_archive
from bastion.backups.backup_lock import BackupLock
from bastion.backups.backup_names import AUTO_PREFIX, generate_name, is_plain_key
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


@dataclass(frozen=True)
class BackupInfo:
    key: str
    size: int
    modified: datetime


class Backups:
    def __init__(self, data_dir: Path, database: Path | None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        """`database`: the SQLite file, None when the records live in PostgreSQL (then
        `postgres` says where, once the App has opened it)."""
        self.data_dir = Path(data_dir)
        self.database = database
        self.postgres: PostgresSource | None = None
        self.timeout = timeout
        self.folder = self.data_dir / BACKUPS_DIR
        self.temp_dir = self.data_dir / TEMP_DIR
        self.restore_limits = RestoreLimits()
        # Once a restore has swapped the files in: the backup lock and the old database's write
        # lock, both held until this process restarts (or `finish_restore` after a reopen).
        self._restoring: tuple[BackupLock, sqlite3.Connection | None] | None = None

    @property
    def supported(self) -> bool:
        return self.database is not None or self.postgres is not None

    # ---- the folder -------------------------------------------------------------------------

    def list(self) -> list[BackupInfo]:
        """Every backup, by key (as PocketBase's file system lists them; not by date)."""
        found = []
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return []
        for entry in entries:
            if not is_plain_key(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            found.append(BackupInfo(entry.name, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC)))
        found.sort(key=lambda b: b.key)
        return found

    def path_of(self, key: str) -> Path | None:
        """The file of the backup `key`, None when there is none."""
        if not is_plain_key(key):
            return None
        path = self.folder / key
        return path if path.is_file() and not path.is_symlink() else None

    def active_name(self) -> str | None:
        return BackupLock(self.temp_dir).active_name()

    def delete(self, key: str) -> bool:
        path = self.path_of(key)
        if path is None:
            return False
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    # ---- writing ----------------------------------------------------------------------------

    async def create(self, name: str, progress: Progress | None = None) -> None:
        """Write the backup `name` (replacing one of that name); BackupBusy when another is
        being written anywhere. `progress(done, total)`: bytes zipped, from the worker thread."""
        lock = BackupLock(self.temp_dir)
        if not lock.try_acquire(name):
            raise BackupBusy(name)
        try:
            deadline = time.monotonic() + self.timeout
            await asyncio.to_thread(
                write_archive,
                self.data_dir,
                self.folder / name,
                extra_database=self.database,
                deadline=deadline,
                prepare=self._dump_postgres if self.postgres is not None else None,
                progress=progress,
            )
        except PgToolError as exc:
            raise BackupFailed(str(exc)) from None
        finally:
            lock.release()
        log.info("backup created", extra={"backup": name})

    async def save_upload(self, source: IO[bytes], name: str) -> None:
        """Keep an uploaded archive as the backup `name` (copied aside, then renamed in)."""
        await asyncio.to_thread(self._save_upload, source, name)

    def _save_upload(self, source: IO[bytes], name: str) -> None:
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(prefix="pb_upload_", dir=self.temp_dir)
        try:
            source.seek(0)
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, self.folder / name)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)

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
        path = self.path_of(key)
        if path is None:
            raise RestoreError("Missing or invalid backup file.")
        lock = BackupLock(self.temp_dir)
        if not lock.try_acquire(key):
            raise BackupBusy(key)
        try:
            fence = await asyncio.to_thread(self._restore, path, progress)
        except BaseException:
            lock.release()
            raise
        self._restoring = (lock, fence)
        log.info("backup restored: the data directory holds its content", extra={"backup": key})

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
        self.prune_auto(max_keep)

    def prune_auto(self, max_keep: int) -> None:
        if max_keep <= 0:
            return
        autos = [b for b in self.list() if b.key.startswith(AUTO_PREFIX)]
        autos.sort(key=lambda b: b.modified, reverse=True)
        for old in autos[max_keep:]:
            if old.key != self.active_name():
                self.delete(old.key)


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
