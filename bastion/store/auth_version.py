"""On PostgreSQL, a counter that says when any auth record last changed, so that a process can
keep the auth record a token names between requests and still never use a stale one.

Every signed-in request needs its token's auth record (the token is checked against its
`tokenKey`, and rules read its fields). SQLite tells for free when anything committed
(store/read_cache.py); PostgreSQL does not, so without this each such request pays a round trip
for the record (on a view, a third of its cost). Here a statement-level trigger on every auth
collection's table bumps one row of `_params` (`bastion_auth_version`) in the transaction that
writes the table, whoever writes it: Bastion on any node, a hook's raw SQL, `bastion superuser`,
an operator's psql session. The row is read with the version stamp that every request already
reads after it arrives (store/version_stamp.py, App.refresh_if_stale), and that request may use
a kept record only if the counter is where it was when the record was read. A write committed
before the request arrived has moved the counter past it, so a changed password or tokenKey is
seen at once on every node, as without the cache.

- Lock order: the counter's row lock comes before any auth record's. The trigger runs BEFORE
  each statement, so before the statement's row locks, and Bastion's reads that lock an auth
  record to write it (SELECT ... FOR UPDATE, core/record_query.py) take the counter first
  (`lock_counter`). So two transactions writing auth records never wait for each other in
  opposite orders. Auth record writes are serialised by it (one at a time per database); they
  are rare next to reads.
- The version is the counter with the time of its last bump. A restored backup brings back the
  count and time it had, and with them the auth records as they were then (a dump is one
  snapshot): a record kept at that version is still right.
- A table without the trigger (created by a tool that does not install it) is simply not
  cached: `Triggers.covers` looks once per collection definition.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bastion.store.ddl import quote

if TYPE_CHECKING:
    from bastion.store.database import Database, Executor

log = logging.getLogger("bastion.store")

PARAM_ID = "bastion_auth_version"
FUNCTION = "bastion_auth_records_changed"
TRIGGER = "bastion_auth_records_changed"

# The auth version this request read after it arrived (App.refresh_if_stale sets it; None on
# SQLite and before a stamp was read): the only version a kept auth record may be checked against.
request_auth_version: ContextVar[str | None] = ContextVar("bastion_auth_version", default=None)

# The counter row is in the schema of the table written (TG_TABLE_SCHEMA), whatever the writer's
# search_path, and after a restore renamed the schema. An UPDATE, never an INSERT: while a dump is
# restored, tables filled before `_params` bump nothing, and `_params`' own rows then load without
# a clash; install() creates the row.
_FUNCTION_SQL = """CREATE OR REPLACE FUNCTION {schema}."{function}"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('UPDATE %I."_params" SET "value" = to_jsonb(("value" #>> ''{{}}'')::bigint + 1), '
                 '"updated" = $2 WHERE "id" = $1', TG_TABLE_SCHEMA)
  USING '{param}', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US"Z"');
  RETURN NULL;
END $$"""
_CREATE_ROW = (
    'INSERT INTO "_params" ("id", "value", "created", "updated") VALUES (?, \'1\'::jsonb, ?, ?) '
    'ON CONFLICT ("id") DO NOTHING'
)

_COVERS_SQL = (
    "SELECT EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relname = ? AND n.nspname = current_schema() AND t.tgname = ? AND NOT t.tgisinternal) AS covered"
)


def version_of(value: object, updated: object) -> str:
    """The version text of the counter row's value and time (the row's absence reads as "": no
    trigger counts then, so nothing may be kept)."""
    return f"{value}@{updated}"


async def install(tx: Executor, table: str) -> None:
    """Make writes to `table` (an auth collection's) bump the counter. PostgreSQL only; safe to
    repeat."""
    row = await tx.fetch_one("SELECT current_schema() AS name")
    schema = '"' + str(row["name"] if row else "public").replace('"', '""') + '"'
    await tx.execute(_FUNCTION_SQL.format(schema=schema, function=FUNCTION, param=PARAM_ID))
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%fZ")
    await tx.execute(_CREATE_ROW, (PARAM_ID, stamp, stamp))
    await tx.execute(
        f'CREATE OR REPLACE TRIGGER "{TRIGGER}" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE '
        f'ON {schema}.{quote(table)} FOR EACH STATEMENT EXECUTE FUNCTION {schema}."{FUNCTION}"()'
    )


async def ensure(db: Database, tables: Sequence[str]) -> None:
    """Install the trigger on those of `tables` (the auth collections') that lack it: a database
    an older Bastion made, or one restored or imported. A table that cannot get it (another node
    installing it at the same moment) stays uncached until it has it."""
    for table in tables:
        row = await db.fetch_one(_COVERS_SQL, (table, TRIGGER))
        if row and row["covered"]:
            continue
        try:
            async with db.transaction() as tx:
                await install(tx, table)
        except Exception as exc:  # noqa: BLE001 - an optimisation: the start goes on without it
            log.warning("auth records of %s are not kept between requests: %s", table, exc)


async def lock_counter(tx: Executor) -> None:
    """Take the counter's row lock now, as the trigger would at the write: for a transaction about
    to lock an auth record it will write (SELECT ... FOR UPDATE), which must not hold the record
    while waiting for the counter another writer holds while it waits for the record."""
    await tx.execute('SELECT 1 FROM "_params" WHERE "id" = ? FOR UPDATE', (PARAM_ID,))


class Triggers:
    """Which auth collections' tables carry the trigger, as this process last looked."""

    def __init__(self) -> None:
        self._covered: dict[Hashable, bool] = {}

    async def covers(self, db: Executor, collection_id: str, collection_updated: str, table: str) -> bool:
        # the definition's `updated` is in the key: a renamed or re-created table is looked at again
        key = (collection_id, collection_updated, table)
        found = self._covered.get(key)
        if found is None:
            row = await db.fetch_one(_COVERS_SQL, (table, TRIGGER))
            found = bool(row and row["covered"])
            if len(self._covered) > 4096:  # definitions replaced many times over: start again
                self._covered.clear()
            self._covered[key] = found
        return found
