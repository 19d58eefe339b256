"""A lean pool of asyncpg connections.

asyncpg's own `Pool` costs as much CPU per acquire/release pair as the query it wraps: on one
pinned core, 20 tasks reading one row by primary key took 48 µs of client CPU per query through
`Pool.acquire()` and 24 µs on connections held by the tasks (scratch measurement, asyncpg 0.30;
its acquire goes through an `asyncio.Queue`, a proxy object and several coroutine layers). A
request that reads its auth record and then its record pays that twice, so the pool was the
largest single cost of a PostgreSQL read after the queries themselves. Measured again after the
fault work (bench/pg_pool_reads.py, asyncpg 0.32, 20 tasks pinned to one core of a loaded 2-core
machine, µs of client CPU per read): this pool 42, asyncpg's Pool 93 with a no-op reset and 141
with its default reset, psycopg_pool (psycopg 3.3) 288. It passes the same fault tests as
asyncpg's Pool (tests/faults/test_pool_faults.py runs every scenario over both), so it stays.

This pool keeps what Bastion needs and nothing else: idle connections on a stack (the warmest is
reused first), waiters served in arrival order, broken connections dropped. A connection comes
back dirty only when its user was interrupted (cancelled mid-query, timed out, or left a
transaction open); it is closed then rather than cleaned, because asyncpg may still be waiting
for the server to acknowledge the cancelled query. Connections carry no session state, so nothing
else needs resetting (asyncpg's pool would run a reset query on every release otherwise).

Slots, not only connections, are handed over. `size` counts connections open or being opened;
when one is dropped its slot goes to the first waiter, which opens a connection itself, so every
waiter learns at once what the database says: when the database is gone each queued request fails
fast with the reason instead of waiting for a connection that nobody will return. Every wait is
bounded: opening a connection by `connect_timeout`, waiting for a free one by `acquire_timeout`
(then `DatabaseBusy`); statements by the connections' `command_timeout` (set by the store).

Connections a peak opened are given back to the database once it has passed: every
`idle_timeout` seconds those that stayed idle the whole time are closed, down to `min_size`
(PostgreSQL's max_connections is shared by every worker of every node, so a pool that kept its
peak for ever would starve the others). The stack makes "idle the whole time" cheap to know: the
lowest depth it reached since the last sweep (`_low_water`); the connections below it were never
handed out, and they are the coldest.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import asyncpg

from bastion.store.errors import DatabaseBusy, DatabaseUnavailable, describe_db_error

# What failing to open a connection can raise: the network (OSError, TimeoutError is one), the
# server refusing (too many connections, starting up, no such database, bad password), asyncpg.
_CONNECT_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError)


class ConnectionPool:
    def __init__(
        self,
        url: str,
        *,
        min_size: int = 2,
        max_size: int = 20,
        connect_timeout: float = 5.0,
        acquire_timeout: float = 10.0,
        idle_timeout: float = 300.0,
        **connect_kwargs: Any,
    ) -> None:
        if not 0 <= min_size <= max_size or max_size < 1:
            raise ValueError("pool sizes must satisfy 0 <= min_size <= max_size, max_size >= 1")
        if idle_timeout <= 0:
            raise ValueError("idle_timeout must be positive")
        self.url = url
        self.min_size = min_size
        self.max_size = max_size
        self.connect_timeout = connect_timeout
        self.acquire_timeout = acquire_timeout
        self.idle_timeout = idle_timeout
        self._connect_kwargs = connect_kwargs
        self._idle: list[asyncpg.Connection] = []
        # Each waiter's future gets a connection, or None: "a slot is yours, open one".
        self._waiters: deque[asyncio.Future[asyncpg.Connection | None]] = deque()
        self._size = 0  # connections open or being opened
        self._closed = False
        self._low_water = 0  # the idle stack's lowest depth since the last sweep
        self._sweeper: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()  # goodbyes of swept connections

    async def open(self) -> ConnectionPool:
        """Open `min_size` connections now, so the first requests do not pay for connecting."""
        opened = await asyncio.gather(*(self.connect() for _ in range(self.min_size)), return_exceptions=True)
        conns = [c for c in opened if isinstance(c, asyncpg.Connection)]
        failure = next((c for c in opened if isinstance(c, BaseException)), None)
        if failure is not None:
            for conn in conns:
                conn.terminate()
            raise failure
        self._size += len(conns)
        self._idle.extend(conns)
        self._sweeper = asyncio.get_running_loop().call_later(self.idle_timeout, self._sweep)
        return self

    def _sweep(self) -> None:
        """Close the connections that stayed idle since the last sweep, keeping `min_size` open."""
        stale = min(self._low_water, len(self._idle), self._size - self.min_size)
        if stale > 0:
            swept, self._idle[:stale] = self._idle[:stale], []
            self._size -= stale
            for conn in swept:
                task = asyncio.ensure_future(self._say_goodbye(conn))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
        self._low_water = len(self._idle)
        self._sweeper = asyncio.get_running_loop().call_later(self.idle_timeout, self._sweep)

    async def _say_goodbye(self, conn: asyncpg.Connection) -> None:
        with contextlib.suppress(Exception):
            await conn.close(timeout=self.connect_timeout)

    async def connect(self) -> asyncpg.Connection:
        """A new connection outside the pool's accounting, within `connect_timeout`."""
        try:
            return await asyncpg.connect(self.url, timeout=self.connect_timeout, **self._connect_kwargs)
        except TimeoutError as exc:
            raise DatabaseUnavailable(
                f"cannot connect to PostgreSQL: no answer within {self.connect_timeout:g} s"
            ) from exc
        except _CONNECT_ERRORS as exc:
            raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {describe_db_error(exc)}") from exc

    @property
    def size(self) -> int:
        return self._size

    @property
    def idle(self) -> int:
        return len(self._idle)

    @property
    def waiting(self) -> int:
        return sum(1 for w in self._waiters if not w.done())

    async def acquire(self) -> asyncpg.Connection:
        if self._closed:
            raise DatabaseUnavailable("the connection pool is closed")
        while self._idle:
            conn = self._idle.pop()
            if len(self._idle) < self._low_water:
                self._low_water = len(self._idle)
            if not conn.is_closed():
                return conn
            self._size -= 1  # the server or the network closed it while idle
        if self._size < self.max_size:
            self._size += 1
            return await self._fill_slot()
        return await self._wait()

    async def _fill_slot(self) -> asyncpg.Connection:
        """Open a connection in a slot this task holds; if that fails, the slot moves on."""
        try:
            return await self.connect()
        except BaseException:
            self._free_slot()
            raise

    def _free_slot(self) -> None:
        """A slot is free: the first waiter gets it (and opens a connection), else it closes."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._size -= 1

    async def _wait(self) -> asyncpg.Connection:
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[asyncpg.Connection | None] = loop.create_future()
        self._waiters.append(waiter)
        timer = loop.call_later(self.acquire_timeout, self._time_out, waiter)
        try:
            conn = await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._pass_on(waiter.result())  # handed over just as we were cancelled
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise
        finally:
            timer.cancel()
        if conn is None:
            return await self._fill_slot()
        return conn

    async def replace(self, conn: asyncpg.Connection) -> asyncpg.Connection:
        """Drop a broken connection and open a new one in its slot (the store's one retry); if
        that fails, the slot moves on as for any dropped connection."""
        if not conn.is_closed():
            conn.terminate()
        if self._closed:
            self._size -= 1
            raise DatabaseUnavailable("the connection pool is closed")
        return await self._fill_slot()

    def _time_out(self, waiter: asyncio.Future[asyncpg.Connection | None]) -> None:
        if not waiter.done():
            waiter.set_exception(
                DatabaseBusy(
                    f"no PostgreSQL connection free within {self.acquire_timeout:g} s"
                    f" (all {self.max_size} in use)"
                )
            )

    def _pass_on(self, conn: asyncpg.Connection | None) -> None:
        if conn is None:
            self._free_slot()
        else:
            self.release(conn)

    def release(self, conn: asyncpg.Connection) -> None:
        """Give a connection back; one that is closed, or was left mid-query or mid-transaction,
        is dropped and its slot handed on."""
        if self._closed or not _is_clean(conn):
            if not conn.is_closed():
                conn.terminate()
            if self._closed:
                self._size -= 1
            else:
                self._free_slot()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """`async with pool.connection() as conn:`, released however the block ends."""
        conn = await self.acquire()
        try:
            yield conn
        finally:
            self.release(conn)

    async def close(self) -> None:
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(DatabaseUnavailable("the connection pool is closed"))
        idle, self._idle = self._idle, []
        # A frozen server never acknowledges the goodbye: bounded, then the socket is dropped.
        await asyncio.gather(
            *(conn.close(timeout=self.connect_timeout) for conn in idle), return_exceptions=True
        )
        self._size -= len(idle)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


def _is_clean(conn: asyncpg.Connection) -> bool:
    """Open, outside a transaction, and not waiting for the server to confirm a cancelled query
    (what a task cancelled mid-query leaves behind; asyncpg's own pool asks the same question)."""
    return not (conn.is_closed() or conn.is_in_transaction() or is_cancelling(conn))


def is_cancelling(conn: asyncpg.Connection) -> bool:
    """True while asyncpg waits for the server to confirm a cancelled (or timed out) query."""
    cancelling = getattr(getattr(conn, "_protocol", None), "_is_cancelling", None)
    return cancelling is not None and bool(cancelling())
