"""One backup operation at a time across every worker process: an advisory lock file.

PocketBase keeps its "a backup is running" flag in process memory; Bastion's workers each have
their own, so the flag is `flock` on `<temp dir>/backup.lock` instead. The kernel drops the lock
when its holder exits, so a worker killed mid-backup leaves nothing to clean up. The file holds
the running backup's name, so a delete on another worker can refuse to remove it.

flock locks belong to an open file description: two opens in one process exclude each other too.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

LOCK_NAME = "backup.lock"


class BackupLock:
    def __init__(self, temp_dir: Path) -> None:
        self.path = temp_dir / LOCK_NAME
        self._fd: int | None = None

    def try_acquire(self, name: str) -> bool:
        """Take the lock for the backup `name`; False at once when another operation holds it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, name.encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the last descriptor releases the lock
        self._fd = None

    def active_name(self) -> str | None:
        """The name of the backup being written by any process, None when none is."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return os.read(fd, 4096).decode(errors="replace")
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)


SERVE_LOCK_NAME = ".bastion_serve.lock"


class ServeLock:
    """Whether a `bastion serve` runs on a data directory: the server holds a shared `flock` on
    `<data dir>/.bastion_serve.lock` while it runs (a hidden file: a restore leaves it in place);
    `bastion backup restore` takes it exclusively, so it runs only when no server does, and a
    server does not start during it. The kernel drops the lock when its holder exits."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / SERVE_LOCK_NAME
        self._fd: int | None = None

    def _take(self, mode: int) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def try_shared(self) -> bool:
        """For a server: False when a restore holds the data directory."""
        return self._take(fcntl.LOCK_SH)

    def try_exclusive(self) -> bool:
        """For an offline restore: False when a server (or another restore) runs on it."""
        return self._take(fcntl.LOCK_EX)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
