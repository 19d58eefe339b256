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

from bastion.store.errors import DatabaseBusy

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


def database_problem(path: Path, *, bastion: bool) -> str | None:
    """What is wrong with the database file at `path` (opened read-only), None when nothing is:
    it must open and pass `PRAGMA quick_check`; with `bastion`, it must also hold Bastion's
    collections table (a PocketBase data.db has one of another shape, which Bastion cannot start on)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            answer = conn.execute("PRAGMA quick_check").fetchall()
            columns = {row[1] for row in conn.execute('PRAGMA table_info("_collections")')}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"cannot be opened as a database ({exc})"
    if answer != [("ok",)]:
        return f"is damaged (quick_check: {answer[0][0] if answer else 'no answer'})"
    if bastion and "data" not in columns:
        if columns:
            return (
                "is not a Bastion database (its _collections table is not Bastion's: a PocketBase data.db?)"
            )
        return "is not a Bastion database (it has no _collections table)"
    return None


def hold_write_lock(path: Path, *, timeout: float = 30.0) -> sqlite3.Connection:
    """A connection holding the database's write lock (`BEGIN IMMEDIATE`) until it is closed:
    every other writer, in any process, waits and then fails busy (a restore fences the database
    it replaces this way). DatabaseBusy when in-flight writes do not let it in within `timeout`."""
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        conn.close()
        raise DatabaseBusy(f"no write lock within {timeout:g} s: {exc}") from None
    return conn
