"""The PostgreSQL statement timeout, without a timer per statement.

asyncpg's `command_timeout` arms a loop timer for every query and disarms it after: measured
with bench/pg_pool_reads.py, that was about 10 µs of client CPU on a 64 µs primary-key read
through the store, on a loaded 2-core machine. Here a statement only notes when it started, in a
dict keyed by its connection (two dict operations), and one task per database wakes a few times
per timeout period: a statement running past the timeout has its connection closed, which ends
the statement at once with an error the store reports as a timeout (never retried).

This guards against a server that does not answer at all (frozen, or cut off without a TCP
reset); a query that is merely slow is stopped sooner and more cheaply by the server itself,
through the same value sent as PostgreSQL's own `statement_timeout` when connecting.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from time import perf_counter

import asyncpg


class StatementWatch:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout  # seconds; 0: no limit
        self.running: dict[asyncpg.Connection, float] = {}  # connection -> perf_counter at start
        self._expired: weakref.WeakSet[asyncpg.Connection] = weakref.WeakSet()
        self._task: asyncio.Task[None] | None = None

    def start(self, conn: asyncpg.Connection, started: float) -> None:
        if self.timeout:
            self.running[conn] = started
            if self._task is None:
                self._task = asyncio.get_running_loop().create_task(self._watch())

    def finish(self, conn: asyncpg.Connection) -> None:
        self.running.pop(conn, None)

    def expired(self, conn: asyncpg.Connection) -> bool:
        """Whether the watch closed this connection because its statement ran too long."""
        return conn in self._expired

    @property
    def deadline(self) -> float:
        """Seconds after which the watch gives up on a statement: a server that answers cancels
        it itself at `timeout`, so the watch waits a little longer and acts only on a server that
        does not answer."""
        return self.timeout + max(0.5, self.timeout / 4)

    async def _watch(self) -> None:
        period = min(1.0, self.timeout / 4)
        while True:
            await asyncio.sleep(period)
            too_old = perf_counter() - self.deadline
            for conn, started in list(self.running.items()):
                if started <= too_old and self.running.get(conn) == started:
                    self._expired.add(conn)
                    conn.terminate()  # the statement's await fails now; the pool drops it

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
