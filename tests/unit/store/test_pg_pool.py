"""The PostgreSQL connection pool, against the real server: reuse, limits, waiters, and what
happens to connections whose users were interrupted or whose server side went away."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from bastion.store.errors import DatabaseBusy, DatabaseUnavailable
from bastion.store.pg_pool import ConnectionPool
from tests.conftest import PG_DSN, fresh_pg_schema


@pytest.fixture
async def pool():
    async with fresh_pg_schema() as url:
        p = await ConnectionPool(url, min_size=1, max_size=2).open()
        try:
            yield p
        finally:
            await p.close()


SAFETY_TIMEOUT = 10.0


async def until(condition: Callable[[], bool | Awaitable[bool]], what: str) -> None:
    """Wait until `condition` holds (checked as the event loop turns), failing with `what` after
    SAFETY_TIMEOUT: a bounded wait for a state, not a guess at how long it takes."""
    try:
        async with asyncio.timeout(SAFETY_TIMEOUT):
            while True:
                result = condition()
                if await result if inspect.isawaitable(result) else result:
                    return
                await asyncio.sleep(0.005)
    except TimeoutError:
        pytest.fail(f"not within {SAFETY_TIMEOUT:g} s: {what}")


async def exhausted(pool: ConnectionPool) -> tuple[asyncpg.Connection, asyncpg.Connection, asyncio.Task]:
    """Both connections taken, and one more task waiting for a connection."""
    a = await pool.acquire()
    b = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire())
    await until(lambda: pool.waiting == 1, "the third acquire waits")
    return a, b, waiter


async def backend_pid(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT pg_backend_pid()"))


async def test_a_released_connection_is_reused(pool):
    async with pool.connection() as conn:
        first = await backend_pid(conn)
    async with pool.connection() as conn:
        assert await backend_pid(conn) == first
    assert (pool.size, pool.idle) == (1, 1)


async def test_never_more_than_max_size_and_waiters_served_in_order(pool):
    a = await pool.acquire()
    b = await pool.acquire()
    assert pool.size == 2
    served: list[str] = []

    async def wait(name: str) -> None:
        conn = await pool.acquire()
        served.append(name)
        pool.release(conn)

    first = asyncio.create_task(wait("first"))
    await until(lambda: pool.waiting == 1, "the first waiter queues")
    second = asyncio.create_task(wait("second"))
    await until(lambda: pool.waiting == 2, "the second waiter queues")
    assert served == [] and pool.size == 2  # both wait: no third connection
    pool.release(a)
    pool.release(b)
    await asyncio.wait_for(asyncio.gather(first, second), SAFETY_TIMEOUT)
    assert served == ["first", "second"]
    assert pool.size == 2


async def test_a_cancelled_waiter_does_not_take_a_connection(pool):
    a, b, waiter = await exhausted(pool)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    pool.release(a)
    pool.release(b)
    assert pool.idle == 2


async def test_a_query_cancelled_midway_closes_its_connection(pool):
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def slow() -> None:
        async with pool.connection() as conn:
            started.set_result(await backend_pid(conn))
            await conn.execute("SELECT pg_sleep(10)")

    task = asyncio.create_task(slow())
    pid = await asyncio.wait_for(started, SAFETY_TIMEOUT)
    admin = await asyncpg.connect(PG_DSN)
    try:  # cancel while the server runs the query, not before it was sent
        await until(lambda: _runs_sleep(admin, pid), "the server runs the slow query")
    finally:
        await admin.close()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pool.size == 0  # closed, not handed to the next user half-cancelled
    async with pool.connection() as conn:
        assert await conn.fetchval("SELECT 1") == 1


async def _runs_sleep(admin: asyncpg.Connection, pid: int) -> bool:
    query = await admin.fetchval(
        "SELECT query FROM pg_stat_activity WHERE pid = $1 AND state = 'active'", pid
    )
    return bool(query) and "pg_sleep" in query


async def test_an_error_from_the_server_keeps_the_connection(pool):
    async with pool.connection() as conn:
        first = await backend_pid(conn)
    with pytest.raises(asyncpg.UndefinedTableError):
        async with pool.connection() as conn:
            await conn.fetch("SELECT * FROM no_such_table")
    async with pool.connection() as conn:
        assert await backend_pid(conn) == first


async def test_a_connection_killed_by_the_server_is_replaced(pool):
    async with pool.connection() as conn:
        victim = await backend_pid(conn)
        idle = conn
    admin = await asyncpg.connect(PG_DSN)
    try:
        await admin.execute("SELECT pg_terminate_backend($1)", victim)
    finally:
        await admin.close()
    await until(idle.is_closed, "asyncpg notices the server closed the idle connection")
    async with pool.connection() as conn:
        assert await backend_pid(conn) != victim
        assert await conn.fetchval("SELECT 1") == 1


async def test_a_freed_slot_opens_a_connection_for_a_waiter(pool):
    a, b, waiter = await exhausted(pool)
    a.terminate()
    pool.release(a)  # closed: dropped, and a new one is opened for the waiter
    conn = await asyncio.wait_for(waiter, 5)
    assert await conn.fetchval("SELECT 1") == 1
    pool.release(conn)
    pool.release(b)
    assert pool.size == 2


async def test_a_closed_pool_refuses_and_wakes_its_waiters(pool):
    a, b, waiter = await exhausted(pool)
    await pool.close()
    with pytest.raises(DatabaseUnavailable):
        await waiter
    with pytest.raises(DatabaseUnavailable):
        await pool.acquire()
    pool.release(a)
    pool.release(b)
    assert pool.size == 0


async def test_a_waiter_gives_up_after_the_acquire_timeout():
    async with fresh_pg_schema() as url:
        pool = await ConnectionPool(url, min_size=0, max_size=1, acquire_timeout=0.2).open()
        try:
            held = await pool.acquire()
            with pytest.raises(DatabaseBusy, match="no PostgreSQL connection free within 0.2 s"):
                await pool.acquire()
            assert pool.waiting == 0
            pool.release(held)
            async with pool.connection() as conn:  # the pool still works
                assert await backend_pid(conn) == await backend_pid(held)
        finally:
            await pool.close()


async def test_replace_opens_a_new_connection_in_the_broken_ones_slot(pool):
    conn = await pool.acquire()
    old = await backend_pid(conn)
    fresh = await pool.replace(conn)
    assert conn.is_closed() and await backend_pid(fresh) != old
    assert pool.size == 1
    pool.release(fresh)


async def test_a_slot_whose_connection_cannot_be_opened_goes_to_the_next_waiter():
    pool = ConnectionPool("postgresql://postgres@127.0.0.1:1/none", min_size=0, max_size=1)
    with pytest.raises(DatabaseUnavailable, match="cannot connect to PostgreSQL"):
        await pool.acquire()
    assert pool.size == 0
    await pool.close()


async def test_connections_a_peak_opened_are_closed_once_idle_down_to_the_minimum():
    async with fresh_pg_schema() as url:
        pool = await ConnectionPool(url, min_size=1, max_size=4, idle_timeout=0.2).open()
        try:
            peak = [await pool.acquire() for _ in range(4)]
            for conn in peak:
                pool.release(conn)
            warmest = peak[-1]  # released last: on top of the stack
            await until(lambda: pool.size == 1, "the three unused connections are closed")
            await until(lambda: all(c.is_closed() for c in peak[:3]), "their sockets are closed too")
            assert not warmest.is_closed()
            async with pool.connection() as conn:
                assert conn is warmest
        finally:
            await pool.close()


async def test_a_connection_in_steady_use_is_never_swept():
    async with fresh_pg_schema() as url:
        pool = await ConnectionPool(url, min_size=0, max_size=2, idle_timeout=0.2).open()
        try:
            async with pool.connection() as conn:
                first = await backend_pid(conn)
            loop = asyncio.get_running_loop()
            end = loop.time() + 1.0  # five sweeps, each 40 uses apart
            while loop.time() < end:
                async with pool.connection() as conn:
                    assert await backend_pid(conn) == first
                await asyncio.sleep(0.005)
        finally:
            await pool.close()
