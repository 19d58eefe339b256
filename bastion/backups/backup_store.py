"""Where the backup archives are kept: the data directory's `backups/` folder, or an S3 bucket.

As PocketBase's `NewBackupsFilesystem` (core/base.go): `settings.backups.s3.enabled` picks the
bucket of that settings block, archives at its root under their own name; otherwise the local
folder. The Backups service (backup_service.py) writes an archive to the temp folder first
and hands it to the store (`put`); a restore asks for a local file (`fetch`), which for a bucket
is a download into the temp folder. The one-at-a-time backup lock stays local (backup_lock.py).

Every method that may reach the network is a coroutine; the local folder's are quick and
blocking, as they always were. A store that cannot be reached raises BackupStoreError, whose
message says why in one line (never the secret).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bastion.backups.backup_names import is_plain_key


class BackupStoreError(Exception):
    """The store could not do it (a bucket unreachable, missing, or refusing the credentials)."""


@dataclass(frozen=True)
class BackupInfo:
    key: str
    size: int
    modified: datetime


@dataclass(frozen=True)
class BackupDownload:
    """An archive to send: a local file (`path`) or a stream of its bytes (`chunks`)."""

    info: BackupInfo
    path: Path | None = None
    chunks: AsyncIterator[bytes] | None = None


class BackupStore(ABC):
    location: str  # where the archives are, for messages (a folder, `s3://bucket`)

    @abstractmethod
    async def list(self) -> list[BackupInfo]:
        """Every backup, by key (as PocketBase's file system lists them; not by date)."""

    @abstractmethod
    async def stat(self, key: str) -> BackupInfo | None:
        """The backup `key`, None when there is none (or the key cannot name one)."""

    @abstractmethod
    async def exists(self, key: str) -> bool:
        """Whether the name `key` is taken (so a new backup may not use it)."""

    @abstractmethod
    async def put(self, archive: Path, key: str) -> None:
        """Keep the finished archive file `archive` as the backup `key` (replacing one of that
        name); the file is taken: moved in, or uploaded and removed."""

    @abstractmethod
    async def fetch(self, key: str, temp_dir: Path) -> tuple[Path, bool] | None:
        """A local file holding the backup `key`, and whether it is a copy in `temp_dir` that the
        caller removes once done; None when there is no such backup."""

    @abstractmethod
    async def open(self, key: str) -> BackupDownload | None:
        """The backup `key` to send to a client; None when there is none."""

    @abstractmethod
    async def delete(self, key: str) -> bool:
        """Remove the backup `key`; False when there was none."""

    @abstractmethod
    def missing_error(self, key: str) -> str:
        """What deleting a missing `key` says (PocketBase's raw file system error)."""


class LocalBackupStore(BackupStore):
    """`<data dir>/backups`: one zip file per backup, directly in the folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.location = str(folder)

    def path_of(self, key: str) -> Path | None:
        """The file of the backup `key`, None when there is none."""
        if not is_plain_key(key):
            return None
        path = self.folder / key
        return path if path.is_file() and not path.is_symlink() else None

    def list_now(self) -> list[BackupInfo]:
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

    async def list(self) -> list[BackupInfo]:
        return self.list_now()

    async def stat(self, key: str) -> BackupInfo | None:
        path = self.path_of(key)
        if path is None:
            return None
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        return BackupInfo(key, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))

    async def exists(self, key: str) -> bool:
        # a folder or a link of that name is in the way all the same
        return is_plain_key(key) and os.path.lexists(self.folder / key)

    async def put(self, archive: Path, key: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        os.replace(archive, self.folder / key)  # the temp folder is on the same file system

    async def fetch(self, key: str, temp_dir: Path) -> tuple[Path, bool] | None:
        path = self.path_of(key)
        return None if path is None else (path, False)  # no copy: read where it is

    async def open(self, key: str) -> BackupDownload | None:
        path = self.path_of(key)
        info = await self.stat(key) if path is not None else None
        return None if path is None or info is None else BackupDownload(info, path=path)

    async def delete(self, key: str) -> bool:
        path = self.path_of(key)
        if path is None:
            return False
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True

    def missing_error(self, key: str) -> str:
        return f"remove {self.folder / key}: no such file or directory"
