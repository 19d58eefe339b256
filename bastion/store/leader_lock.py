"""Which process runs the housekeeping that must happen once, not once per worker.

Request-log retention and the hourly sweep of expired OTPs and MFA sessions delete rows every
process could delete; run by all N workers they would do N times the work (and on SQLite take
the write lock N times). One process holds the leader lock and does them; `held` says whether
it is this one.

- SQLite: an exclusive `flock` on `.leader.lock` in the data directory (one node). The kernel
  releases it when the holder dies, however it dies.
- PostgreSQL: `pg_try_advisory_lock` on a connection of its own (a pooled connection goes back
  to the pool and would take the lock with it), keyed by the schema, so one holder among every
  node on the database. The server releases it when that connection ends. A process that does
  not get the lock closes its connection until the next try.

A process without the lock tries again every `retry_every` seconds, so another takes over
within that time after the holder stops; a PostgreSQL holder checks its connection as often
and stops leading when the connection is gone. Housekeeping is idempotent deletes, so the
moment two processes might both believe they lead (a holder not yet aware that its
connection died) costs a repeated delete, never a wrong answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bastion.store.database import Database

if TYPE_CHECKING:  # asyncpg is loaded by PostgreSQL servers only
    from bastion.store.postgres import PostgresDatabase

log = logging.getLogger("bastion.leader")

LOCK_FILE = ".leader.lock"
RETRY_EVERY = 10.0
# the key: per schema (`current_schema()`), as advisory locks are per database
_PG_TRY = "SELECT pg_try_advisory_lock(hashtextextended('bastion leader ' || current_schema(), 0))"


class LeaderLock(ABC):
    def __init__(self, retry_every: float = RETRY_EVERY) -> None:
        self.retry_every = retry_every
        self.held = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> LeaderLock:
        """Try once now (so a lone process leads from its first moment), then keep trying."""
        await self.check()
        self._task = asyncio.get_running_loop().create_task(self._keep_checking(), name="bastion-leader")
        return self

    async def _keep_checking(self) -> None:
        while True:
            await asyncio.sleep(self.retry_every)
            try:
                await self.check()
            except Exception:  # never let the check die: the next round tries again
                log.warning("leader lock check failed", exc_info=True)

    async def check(self) -> None:
        """Take the lock if it is free (or, holding it, make sure it still is); the background
        task does this every `retry_every` seconds."""
        was = self.held
        self.held = await self._still_held() if was else await self._try_take()
        if self.held and not was:
            log.info("this process now runs the periodic housekeeping", extra={"pid": os.getpid()})

    @abstractmethod
    async def _try_take(self) -> bool: ...

    @abstractmethod
    async def _still_held(self) -> bool: ...

    @abstractmethod
    async def _release(self) -> None: ...

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.held = False
        await self._release()


class FileLeaderLock(LeaderLock):
    """`flock` on a file: for the worker processes of one node on SQLite."""

    def __init__(self, path: Path, retry_every: float = RETRY_EVERY) -> None:
        super().__init__(retry_every)
        self.path = path
        self._fd: int | None = None

    async def _try_take(self) -> bool:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    async def _still_held(self) -> bool:
        return True  # only the holder's death or close releases a flock

    async def _release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # releases the lock with the last descriptor
            self._fd = None


class PgLeaderLock(LeaderLock):
    """A session advisory lock: for every worker and node on one PostgreSQL database."""

    def __init__(self, db: PostgresDatabase, retry_every: float = RETRY_EVERY) -> None:
        super().__init__(retry_every)
        self.db = db
        self._conn: Any = None  # asyncpg.Connection

    async def _try_take(self) -> bool:
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await self.db.dedicated_connection()
            taken = bool(await self._conn.fetchval(_PG_TRY, timeout=self.retry_every))
        except Exception:  # the database is away: not leading, try again later
            taken = False
        if not taken:
            # Only the leader keeps a connection: the others would hold one each, per worker
            # and node, of the database's max_connections for nothing.
            await self._release()
        return taken

    async def _still_held(self) -> bool:
        try:
            await self._conn.fetchval("SELECT 1", timeout=self.retry_every)
            return True
        except Exception:  # the session (and the lock with it) is gone, or going
            log.warning("leader lock connection lost: no longer running the housekeeping")
            await self._release()
            return False

    async def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            # Closing the socket ends the session, and the server drops its advisory lock with
            # it. A graceful close() would first wait for any query being cancelled to be
            # acknowledged and then for the server to hang up; on a session that the server or
            # the network is ending, that wait has no bound.
            conn.terminate()


async def open_leader_lock(db: Database, data_dir: Path, retry_every: float = RETRY_EVERY) -> LeaderLock:
    """The lock for `db`'s kind, after its first try."""
    if db.dialect == "postgres":
        return await PgLeaderLock(db, retry_every).start()  # type: ignore[arg-type]
    data_dir.mkdir(parents=True, exist_ok=True)
    return await FileLeaderLock(data_dir / LOCK_FILE, retry_every).start()
