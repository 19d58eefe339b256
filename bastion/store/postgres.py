"""PostgreSQL through asyncpg connections from a lean pool (pg_pool.py).

SQL arrives with `?` placeholders (the store's one convention) and is rewritten to `$1..$n` once
per distinct statement (cached). The rewrite skips quoted strings and identifiers; Bastion's SQL
never uses the jsonb `?` operator, so every bare `?` is a parameter.

Connections are released without a reset query (asyncpg's pool would run one on every release,
nearly halving throughput, DESIGN.md); Bastion sets no session state that would need resetting.

Driver errors that mean "the database, not the statement, failed" (refused, lost connection,
shutdown, statement timeout) leave as `DatabaseUnavailable` (store/errors.py); a broken
connection is closed on the spot so the pool never hands it out again.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from time import perf_counter
from typing import Any, Protocol, TypeVar

import asyncpg

from bastion.obs import segment_timing
from bastion.obs.metric_tally import PoolStats
from bastion.store.database import Database, DatabaseTimeouts, Executor, Row, Transaction
from bastion.store.dialect import POSTGRES
from bastion.store.errors import (
    ConstraintViolation,
    DatabaseUnavailable,
    ForeignKeyViolation,
    InvalidValueError,
    StatementLimitError,
    UniqueViolation,
    describe_db_error,
)
from bastion.store.pg_pool import ConnectionPool, is_cancelling
from bastion.store.pg_statement_timeout import StatementWatch
from bastion.store.read_cache import ReadCache

T = TypeVar("T")


@lru_cache(maxsize=4096)
def to_dollar_params(sql: str) -> str:
    out: list[str] = []
    n = 0
    quote: str | None = None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
            out.append(ch)
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            n += 1
            out.append(f"${n}")
        else:
            out.append(ch)
    return "".join(out)


@lru_cache(maxsize=1024)
def _changes_schema(sql: str) -> bool:
    return sql.lstrip()[:6].upper() in ("ALTER ", "DROP T", "DROP V", "CREATE")


def _status_count(status: str) -> int:
    tail = status.rsplit(" ", 1)[-1]
    return int(tail) if tail.isdigit() else 0


class _ConnectionLost(DatabaseUnavailable):
    """The connection broke under a statement. `sent` is False when the statement certainly never
    reached the server (asyncpg refused to start it on a connection the server had already
    ended), so even a write may run again; when True its outcome is unknown."""

    def __init__(self, cause: str, *, sent: bool) -> None:
        super().__init__(cause)
        self.sent = sent

    def retry_safe(self, sql: str) -> bool:
        return not self.sent or _is_read(sql)


def _is_read(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "SELECT"


# Driver errors that say the database, not the statement, failed; _fault() sorts them.
_FAULTS = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InternalClientError,
)


def _fault(exc: BaseException, conn: asyncpg.Connection, watch: StatementWatch) -> DatabaseUnavailable | None:
    """The store's error for a driver error from `conn`, or None when it is not a database fault
    (a misuse of the connection stays what it is). A broken connection is closed here, so the
    pool drops it instead of handing it out again."""
    if watch.expired(conn):
        return DatabaseUnavailable(f"PostgreSQL statement timeout: no answer after {watch.deadline:g} s")
    if isinstance(exc, asyncpg.exceptions.QueryCanceledError):
        return DatabaseUnavailable(f"PostgreSQL cancelled the statement: {describe_db_error(exc)}")
    if isinstance(exc, asyncpg.exceptions.InternalClientError | asyncpg.InterfaceError):
        if not isinstance(exc, asyncpg.exceptions.InternalClientError) and not conn.is_closed():
            return None
        conn.terminate()
        return _ConnectionLost(f"PostgreSQL connection lost: {describe_db_error(exc)}", sent=False)
    conn.terminate()
    return _ConnectionLost(f"PostgreSQL connection lost: {describe_db_error(exc)}", sent=True)


_KEY_COLUMNS = re.compile(r"^Key \((.*?)\)=\(")
# a column, or a case-insensitive one (ddl.py indexes `lower(column)` for COLLATE NOCASE)
_PLAIN_NAME = re.compile(r'^(?:lower\()?"?([A-Za-z_][A-Za-z0-9_]*)"?\)?$')


def _violation(exc: asyncpg.IntegrityConstraintViolationError) -> ConstraintViolation:
    """The store's error for a broken constraint, naming the constraint and the columns (read
    from the detail, `Key (a, b)=(…) already exists.`; an expression other than `lower(column)` names no column)."""
    kind = ConstraintViolation
    if isinstance(exc, asyncpg.UniqueViolationError):
        kind = UniqueViolation
    elif isinstance(exc, asyncpg.ForeignKeyViolationError):
        kind = ForeignKeyViolation
    columns: list[str] = []
    key = _KEY_COLUMNS.match(getattr(exc, "detail", None) or "")
    if key:
        columns = [m.group(1) for part in key.group(1).split(",") if (m := _PLAIN_NAME.match(part.strip()))]
    elif column := getattr(exc, "column_name", None):  # NOT NULL names its column
        columns = [str(column)]
    constraint = getattr(exc, "constraint_name", None) or ""
    return kind(describe_db_error(exc), constraint=constraint, columns=tuple(columns))


class _Conn(Transaction):
    """A pooled connection, inside a transaction or (for single statements) not."""

    dialect = "postgres"
    sql = POSTGRES

    def __init__(self, conn: asyncpg.Connection, watch: StatementWatch) -> None:
        super().__init__()
        self._conn = conn
        self._watch = watch

    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        conn, watch = self._conn, self._watch
        started = perf_counter()
        watch.start(conn, started)
        try:
            rows = [dict(r) for r in await conn.fetch(to_dollar_params(sql), *params)]
        except (asyncpg.DataError, OverflowError) as exc:
            raise InvalidValueError(str(exc)) from exc
        except asyncpg.ProgramLimitExceededError as exc:  # "stack depth limit exceeded" …
            raise StatementLimitError(str(exc)) from exc
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise _violation(exc) from exc
        except _FAULTS as exc:
            fault = _fault(exc, conn, watch)
            if fault is None:
                raise
            raise fault from exc
        finally:
            watch.finish(conn)
        segment_timing.statement(perf_counter() - started, sql, "postgresql")
        return rows

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        conn, watch = self._conn, self._watch
        started = perf_counter()
        watch.start(conn, started)
        try:
            status = await conn.execute(to_dollar_params(sql), *params)
        except (asyncpg.DataError, OverflowError) as exc:
            raise InvalidValueError(str(exc)) from exc
        except asyncpg.ProgramLimitExceededError as exc:
            raise StatementLimitError(str(exc)) from exc
        except asyncpg.IntegrityConstraintViolationError as exc:
            raise _violation(exc) from exc
        except _FAULTS as exc:
            fault = _fault(exc, conn, watch)
            if fault is None:
                raise
            raise fault from exc
        finally:
            watch.finish(conn)
        if _changes_schema(sql):
            # Statements this connection prepared before may now return other columns or types;
            # inside a transaction asyncpg cannot re-prepare them on its own (it raises "cached
            # statement plan is invalid"), so forget them now.
            await conn.reload_schema_state()
        segment_timing.statement(perf_counter() - started, sql, "postgresql")
        return _status_count(status)


class PgPool(Protocol):
    """What the store needs of a connection pool (pg_pool.ConnectionPool; the fault tests run
    the same scenarios over an adapter of asyncpg's own pool)."""

    async def acquire(self) -> asyncpg.Connection: ...

    def release(self, conn: asyncpg.Connection) -> None: ...

    async def replace(self, conn: asyncpg.Connection) -> asyncpg.Connection:
        """Drop a broken connection and open a new one in its place (its slot is freed if that
        fails)."""
        ...

    async def close(self) -> None: ...


class PostgresDatabase(Database):
    dialect = "postgres"
    sql = POSTGRES

    def __init__(
        self, url: str, pool: PgPool, statement_timeout: float = 0, connect_timeout: float = 5.0
    ) -> None:
        self.url = url
        self._pool = pool
        self._stats = pool if isinstance(pool, ConnectionPool) else None  # not the tests' adapter
        self._watch = StatementWatch(statement_timeout)
        self._connect_timeout = connect_timeout
        self._kept = ReadCache()  # auth records only (store/auth_version.py)

    async def dedicated_connection(self) -> asyncpg.Connection:
        """A connection of its own, outside the pool, for session state that must stay with one
        connection (an advisory lock); the caller closes it. `DatabaseUnavailable` if it cannot
        be opened within the connect timeout."""
        try:
            return await asyncpg.connect(self.url, timeout=self._connect_timeout)
        except TimeoutError as exc:
            raise DatabaseUnavailable(
                f"cannot connect to PostgreSQL: no answer within {self._connect_timeout:g} s"
            ) from exc
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {describe_db_error(exc)}") from exc

    @classmethod
    async def connect(
        cls, url: str, min_size: int = 2, max_size: int = 20, timeouts: DatabaseTimeouts | None = None
    ) -> PostgresDatabase:
        timeouts = timeouts or DatabaseTimeouts()
        pool = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            connect_timeout=timeouts.connect,
            acquire_timeout=timeouts.acquire,
            idle_timeout=timeouts.pool_idle,
            # The server stops a slow statement itself; StatementWatch covers a silent server.
            server_settings=_server_settings(timeouts.statement),
        )
        return cls(url, await pool.open(), timeouts.statement, timeouts.connect)

    # fetch_all and execute inline what `pool.connection()` does: a generator-based context
    # manager per statement is measurable at this rate. A statement whose connection turns out
    # to be dead runs once more on a new connection when that cannot do anything twice: a read,
    # or any statement asyncpg refused to send (the usual case after pg_terminate_backend: the
    # server's goodbye arrived on an idle connection just before it was handed out).
    async def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        pool = self._pool
        conn = await pool.acquire()
        try:
            rows = await _Conn(conn, self._watch).fetch_all(sql, params)
        except _ConnectionLost as lost:
            return await self._retry(conn, lost, _Conn.fetch_all, sql, params)
        except BaseException:
            pool.release(conn)
            raise
        pool.release(conn)
        return rows

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        pool = self._pool
        conn = await pool.acquire()
        try:
            count = await _Conn(conn, self._watch).execute(sql, params)
        except _ConnectionLost as lost:
            return await self._retry(conn, lost, _Conn.execute, sql, params)
        except BaseException:
            pool.release(conn)
            raise
        pool.release(conn)
        return count

    async def _retry(
        self,
        conn: asyncpg.Connection,
        lost: _ConnectionLost,
        run: Callable[[_Conn, str, Sequence[Any]], Awaitable[T]],
        sql: str,
        params: Sequence[Any],
    ) -> T:
        """`run` once more on a new connection in the dead one's place, if that is safe."""
        if not lost.retry_safe(sql):
            self._pool.release(conn)
            raise lost
        conn = await self._pool.replace(conn)
        try:
            return await run(_Conn(conn, self._watch), sql, params)
        finally:
            self._pool.release(conn)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        pool = self._pool
        tx = await self._begin()
        try:
            yield tx
        except BaseException:
            await _rollback(tx._conn)
            pool.release(tx._conn)
            raise
        try:
            await tx.execute("COMMIT")  # a lost connection here: the outcome is unknown, no retry
        finally:
            pool.release(tx._conn)
        tx.run_after_commit()

    async def _begin(self) -> _Conn:
        """A connection with a transaction open; BEGIN on a dead connection is retried on a new
        one (nothing has happened yet)."""
        pool = self._pool
        conn = await pool.acquire()
        tx = _Conn(conn, self._watch)
        try:
            await tx.execute("BEGIN")
        except _ConnectionLost:
            conn = await pool.replace(conn)
            tx = _Conn(conn, self._watch)
            try:
                await tx.execute("BEGIN")
            except BaseException:
                pool.release(conn)
                raise
        except BaseException:
            pool.release(conn)
            raise
        return tx

    async def table_exists(self, name: str) -> bool:
        return bool(await self.fetch_val("SELECT to_regclass(?) IS NOT NULL AS x", (f'"{name}"',)))

    async def table_columns(self, name: str) -> list[str]:
        rows = await self.fetch_all(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ? ORDER BY ordinal_position",
            (name,),
        )
        return [r["column_name"] for r in rows]

    def recall(self, key: Hashable, version: Hashable) -> Any:
        return self._kept.get(key, version)

    def keep(self, key: Hashable, version: Hashable, answer: Any) -> None:
        self._kept.put(key, version, answer)

    def pool_stats(self) -> PoolStats | None:
        pool = self._stats
        return None if pool is None else PoolStats(pool.size, pool.idle, pool.waiting)

    async def close(self) -> None:
        await self._watch.close()
        await self._pool.close()


def _server_settings(statement_seconds: float) -> dict[str, str]:
    """Every connection's session settings.

    `jit=off`: a client's filter can compile to a large expression (geoDistance over JSON paths,
    numbers written as SQLite writes them), and PostgreSQL's JIT compiler then spent minutes on
    one such query while ignoring both cancel and terminate (found by the filter fuzzing). The
    queries Bastion sends are short OLTP statements, which JIT does not speed up anyway.
    """
    settings = {"jit": "off"}
    if statement_seconds:
        settings["statement_timeout"] = str(max(1, round(statement_seconds * 1000)))
    return settings


async def _rollback(conn: asyncpg.Connection) -> None:
    """Roll back after a failed block. A connection that is closed, or still waiting for the
    server to confirm a cancelled query, is left to the pool, which drops it (the server rolls
    back a transaction whose session ends); one whose ROLLBACK fails is closed."""
    if conn.is_closed() or is_cancelling(conn):
        return
    try:
        await conn.execute("ROLLBACK")
    except Exception:
        conn.terminate()
