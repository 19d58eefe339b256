"""`ephemeral.db`: the SQLite file beside the data database that holds the ephemeral store.

Short-lived shared state (rate-limit counters, lockouts, OAuth2 hand-offs) is written on requests
that are otherwise reads, so it stays out of `data.db`: a counter write never queues behind a
data transaction, and data writes never wait for counters. Losing it costs little, so it runs
with `synchronous=OFF` (no fsync; a crash of the machine may lose the last writes, and a file
found corrupt at start is replaced), WAL so readers never wait, and every worker process of the
node opens the same file.

Statements run inline on the event loop with no busy wait: a counter write holds SQLite's lock
for microseconds, so it is usually free. When another process holds it, the statement is
retried on a second connection in a thread, which waits (up to `busy_timeout`) without stalling
the loop. Faults are the store's own errors (`DatabaseBusy`, `DatabaseUnavailable`).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bastion.store.database import Executor, Row
from bastion.store.dialect import SQLITE
from bastion.store.errors import DatabaseBusy, DatabaseUnavailable, describe_db_error

FILE_NAME = "ephemeral.db"
_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED
_BROKEN = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB: the file is replaced at start
_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=OFF", "PRAGMA temp_store=MEMORY")


def _code(exc: sqlite3.Error) -> int:
    return (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF


def _connect(path: Path, busy_timeout: float) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, cached_statements=64)
    try:
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        for pragma in _PRAGMAS:
            conn.execute(pragma)
    except BaseException:
        conn.close()
        raise
    return conn


def _run(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> tuple[list[Row], int]:
    cursor = conn.execute(sql, params)
    if cursor.description is None:
        return [], cursor.rowcount
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()], cursor.rowcount


def _fault(exc: sqlite3.Error) -> DatabaseUnavailable:
    if _code(exc) in _BUSY:
        return DatabaseBusy(f"ephemeral.db is locked: {describe_db_error(exc)}")
    return DatabaseUnavailable(f"ephemeral.db unusable: {describe_db_error(exc)}")


class EphemeralSqlite(Executor):
    """One `ephemeral.db`: an inline connection that never waits, and a patient one for a thread."""

    dialect = "sqlite"
    sql = SQLITE

    def __init__(self, path: Path, *, busy_timeout: float = 5.0) -> None:
        self.path = path
        self._inline = _connect(path, 0)
        self._patient = _connect(path, busy_timeout)
        self._patient_lock = threading.Lock()  # one statement at a time on the patient connection
        self.waits = 0  # statements that found the file locked and waited in a thread

    @classmethod
    def open(cls, data_dir: Path, *, busy_timeout: float = 5.0) -> EphemeralSqlite:
        """Open (or create) `data_dir/ephemeral.db`; a corrupt file is replaced by an empty one."""
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / FILE_NAME
        try:
            store = cls(path, busy_timeout=busy_timeout)
            store._patient.execute("PRAGMA quick_check").fetchall()
            return store
        except sqlite3.DatabaseError as exc:
            if _code(exc) not in _BROKEN:
                raise _fault(exc) from exc
        for leftover in (path, path.with_name(FILE_NAME + "-wal"), path.with_name(FILE_NAME + "-shm")):
            leftover.unlink(missing_ok=True)
        try:
            return cls(path, busy_timeout=busy_timeout)
        except sqlite3.Error as exc:
            raise _fault(exc) from exc

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return (await self._statement(sql, params))[0]

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return (await self._statement(sql, params))[1]

    async def _statement(self, sql: str, params: Sequence[Any]) -> tuple[list[Row], int]:
        try:
            return _run(self._inline, sql, params)
        except sqlite3.OperationalError as exc:
            if _code(exc) not in _BUSY:
                raise _fault(exc) from exc
        # another process holds the lock: wait for it off the event loop
        self.waits += 1
        try:
            return await asyncio.to_thread(self._run_patiently, sql, params)
        except sqlite3.OperationalError as exc:
            raise _fault(exc) from exc

    def _run_patiently(self, sql: str, params: Sequence[Any]) -> tuple[list[Row], int]:
        with self._patient_lock:
            return _run(self._patient, sql, params)

    async def close(self) -> None:
        with self._patient_lock:
            for conn in (self._inline, self._patient):
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
