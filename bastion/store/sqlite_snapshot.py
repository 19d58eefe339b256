"""A consistent copy of a live SQLite database file, taken without stopping its writers.

sqlite3's online backup API copies every page in one step (`pages=-1`) inside one read
transaction on a connection of its own: in WAL mode that transaction sees a single committed
state and never blocks a writer (writers append to the WAL meanwhile). Copying in several steps
instead would restart whenever another connection writes, and might never finish under a steady
stream of writes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"


def is_sqlite_file(path: Path) -> bool:
    """Whether `path` starts with SQLite's header (a database, not its -wal or -shm side file)."""
    try:
        with path.open("rb") as f:
            return f.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def snapshot_sqlite(source: Path, target: Path, *, busy_timeout: float = 30.0) -> None:
    """Write a copy of the database at `source` to the new file `target` (blocking: run it in a
    thread). The copy is a single-file database (journal mode DELETE), ready to open or zip."""
    src = sqlite3.connect(source, timeout=busy_timeout)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=-1)
            dst.execute("PRAGMA journal_mode=DELETE")  # no -wal beside the copy
        finally:
            dst.close()
    finally:
        src.close()
