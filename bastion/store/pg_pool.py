"""A lean pool of asyncpg connections.

asyncpg's own `Pool` costs as much CPU per acquire/release pair as the query it wraps: on one
pinned core, 20 tasks reading one row by primary key took 48 µs of client CPU per query through
`Pool.acquire()` and 24 µs on connections held by the tasks (scratch measurement, asyncpg 0.30;
its acquire goes through an `asyncio.Queue`, a proxy object and several coroutine layers). A
request that reads its auth record and then its record pays that twice, so the pool was the
largest single cost of a PostgreSQL read after the queries themselves.

This pool keeps what Bastion needs and nothing else: idle connections on a stack (the warmest is
reused first), waiters served in arrival order, broken connections dropped and replaced. A
connection comes back dirty only when its user was interrupted (cancelled mid-query, or left a
transaction open); it is closed then rather than cleaned, because asyncpg may still be waiting
for the server to acknowledge the cancelled query, and a waiter gets a fresh one. Connections carry no session state, so nothing
else needs resetting (asyncpg's pool would run a reset query on every release otherwise).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import asyncpg


class ConnectionPool:
    def __init__(self, url: str, *, min_size: int = 2, max_size: int = 20, **connect_kwargs: Any) -> None:
        if not 0 <= min_size <= max_size or max_size < 1:
            raise ValueError("pool sizes must satisfy 0 <= min_size <= max_size, max_size >= 1")
        self.url = url
        self.min_size = min_size
        self.max_size = max_size
        self._connect_kwargs = connect_kwargs
        self._idle: list[asyncpg.Connection] = []
        self._waiters: deque[asyncio.Future[asyncpg.Connection]] = deque()
        self._size = 0  # connections open or being opened
        self._closed = False
        self._openers: set[asyncio.Task[None]] = set()

    async def open(self) -> ConnectionPool:
        """Open `min_size` connections now, so the first requests do not pay for connecting."""
        conns = await asyncio.gather(*(self._connect() for _ in range(self.min_size)))
        self._size += len(conns)
        self._idle.extend(conns)
        return self

    async def _connect(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.url, **self._connect_kwargs)

    @property
    def size(self) -> int:
        return self._size

    @property
    def idle(self) -> int:
        return len(self._idle)

    async def acquire(self) -> asyncpg.Connection:
        if self._closed:
            raise asyncpg.InterfaceError("the connection pool is closed")
        while self._idle:
            conn = self._idle.pop()
            if not conn.is_closed():
                return conn
            self._size -= 1  # the server or the network closed it while idle
        if self._size < self.max_size:
            self._size += 1
            try:
                return await self._connect()
            except BaseException:
                self._size -= 1
                raise
        waiter: asyncio.Future[asyncpg.Connection] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release(waiter.result())  # handed over just as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def release(self, conn: asyncpg.Connection) -> None:
        """Give a connection back; one its user left mid-query or mid-transaction is closed."""
        if self._closed or not _is_clean(conn):
            if not conn.is_closed():
                conn.terminate()
            self._size -= 1
            if self._waiters and not self._closed:
                self._open_for_waiter()
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append(conn)

    def _open_for_waiter(self) -> None:
        """A slot freed up while tasks wait: open a connection in the background for the first."""
        self._size += 1

        async def opener() -> None:
            try:
                conn = await self._connect()
            except BaseException as exc:
                self._size -= 1
                while self._waiters:  # tell the first waiter why, instead of letting it hang
                    waiter = self._waiters.popleft()
                    if not waiter.done():
                        waiter.set_exception(
                            exc if isinstance(exc, Exception) else asyncpg.InterfaceError(str(exc))
                        )
                        break
                return
            self.release(conn)

        task = asyncio.get_running_loop().create_task(opener())
        self._openers.add(task)
        task.add_done_callback(self._openers.discard)

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
        for task in list(self._openers):
            task.cancel()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(asyncpg.InterfaceError("the connection pool is closed"))
        idle, self._idle = self._idle, []
        await asyncio.gather(*(conn.close() for conn in idle), return_exceptions=True)
        self._size -= len(idle)


def _is_clean(conn: asyncpg.Connection) -> bool:
    """Open, outside a transaction, and not waiting for the server to confirm a cancelled query
    (what a task cancelled mid-query leaves behind; asyncpg's own pool asks the same question)."""
    if conn.is_closed() or conn.is_in_transaction():
        return False
    cancelling = getattr(getattr(conn, "_protocol", None), "_is_cancelling", None)
    return not (cancelling is not None and cancelling())
