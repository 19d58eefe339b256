"""Backups of a SQLite data directory, kept as zip files in `<data dir>/backups` (as PocketBase).

Everything a client relies on is on disk, so every worker process sees the same backups: the
folder's files are the list, and the lock file (backup_lock.py) is the "one operation at a time"
flag. The slow work (snapshots, zipping, copying an upload) runs in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from bastion.backups.backup_archive import BACKUPS_DIR, TEMP_DIR, write_archive
from bastion.backups.backup_lock import BackupLock
from bastion.backups.backup_names import AUTO_PREFIX, generate_name, is_plain_key

log = logging.getLogger("bastion.backups")

DEFAULT_TIMEOUT = 600.0  # PocketBase gives a restore's download 10 minutes; a backup gets as long


class BackupBusy(Exception):
    """Another backup (on this process or another) is being written."""


@dataclass(frozen=True)
class BackupInfo:
    key: str
    size: int
    modified: datetime


class Backups:
    def __init__(self, data_dir: Path, database: Path | None, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        """`database`: the SQLite file, None when the records live in PostgreSQL (unsupported)."""
        self.data_dir = Path(data_dir)
        self.database = database
        self.timeout = timeout
        self.folder = self.data_dir / BACKUPS_DIR
        self.temp_dir = self.data_dir / TEMP_DIR

    @property
    def supported(self) -> bool:
        return self.database is not None

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

    async def create(self, name: str) -> None:
        """Write the backup `name` (replacing one of that name); BackupBusy when another is
        being written anywhere."""
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
            )
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
