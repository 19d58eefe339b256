"""The store over each connection pool the fault tests compare: Bastion's own (store/pg_pool.py)
and asyncpg's `Pool` behind the same small interface (`PgPool` in store/postgres.py)."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg

from bastion.store.database import DatabaseTimeouts
from bastion.store.errors import DatabaseBusy, DatabaseUnavailable, describe_db_error
from bastion.store.postgres import PostgresDatabase

POOL_KINDS = ["lean", "asyncpg"]


async def _no_reset(conn: Any) -> None:
    """Skip asyncpg's per-release reset query (open transactions are still rolled back): the
    fair comparison, since Bastion sets no session state."""


class AsyncpgPool:
    """asyncpg's `Pool` with the same timeouts and errors as `ConnectionPool`."""

    def __init__(self, pool: asyncpg.Pool, timeouts: DatabaseTimeouts) -> None:
        self._pool = pool
        self._timeouts = timeouts
        self._releasing: set[asyncio.Task[None]] = set()
        # The store closes broken connections itself; asyncpg detaches the proxy it hands out as
        # soon as its connection closes, so the store gets the connection and we keep the proxy.
        self._proxies: dict[asyncpg.Connection, Any] = {}

    @classmethod
    async def open(cls, url: str, min_size: int, max_size: int, timeouts: DatabaseTimeouts) -> AsyncpgPool:
        pool = await asyncpg.create_pool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeouts.connect,
            reset=_no_reset,
            # as the store's own pool: the server times statements out; the store's watch
            # covers a server that does not answer
            server_settings={"statement_timeout": str(int(timeouts.statement * 1000))},
        )
        return cls(pool, timeouts)

    async def acquire(self) -> Any:
        try:
            proxy = await self._pool.acquire(timeout=self._timeouts.acquire)
        except TimeoutError as exc:
            raise DatabaseBusy("no connection within the acquire timeout") from exc
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseUnavailable(f"cannot connect: {describe_db_error(exc)}") from exc
        conn = proxy._con
        self._proxies[conn] = proxy
        return conn

    def release(self, conn: Any) -> None:
        task = asyncio.get_running_loop().create_task(self._release(self._proxies.pop(conn)))
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    async def _release(self, proxy: Any) -> None:
        with contextlib.suppress(asyncpg.InterfaceError):  # already returned when it closed
            await self._pool.release(proxy)

    async def replace(self, conn: Any) -> Any:
        conn.terminate()
        self.release(conn)
        await self._pool.expire_connections()  # the other idle ones may be dead too: reconnect them
        return await self.acquire()

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self._pool.close(), self._timeouts.connect)
        except TimeoutError:
            self._pool.terminate()


async def open_store(
    kind: str, url: str, timeouts: DatabaseTimeouts, *, min_size: int = 1, max_size: int = 2
) -> PostgresDatabase:
    if kind == "lean":
        return await PostgresDatabase.connect(url, min_size=min_size, max_size=max_size, timeouts=timeouts)
    pool = await AsyncpgPool.open(url, min_size, max_size, timeouts)
    return PostgresDatabase(url, pool, timeouts.statement)
