"""A counter that says when any auth record last changed, so that a process can keep the auth
record a token names between requests and still never use a stale one.

Every signed-in request needs its token's auth record (the token is checked against its
`tokenKey`, and rules read its fields). PostgreSQL cannot tell cheaply whether anything changed,
so without this each such request pays a round trip for the record (on a view, a third of its
cost); SQLite can (`PRAGMA data_version`, store/read_cache.py), but any commit at all moves that,
so a worker re-read the record after every write, its own included (a tenth of a create's cost).
Here triggers on every auth collection's table bump one row of `_params`
(`bastion_auth_version`) in the transaction that writes the table, whoever writes it: Bastion on
any node or worker, a hook's raw SQL, `bastion superuser`, an operator's psql or sqlite3 session
(PostgreSQL: one BEFORE trigger per statement; SQLite has only row triggers: three AFTER ones,
for INSERT, UPDATE and DELETE). The row is read with the version stamp that a request reads after
it arrives (store/version_stamp.py, App.refresh_if_stale; on SQLite only when something
committed since the last read, else the last read still holds), and that request may use a kept
record only if the counter is where it was when the record was read. A write committed before
the request arrived has moved the counter past it, so a changed password or tokenKey is seen at
once by every process, as without the cache.

- Lock order (PostgreSQL; SQLite has one writer at a time): the counter's row lock comes before
  any auth record's. The trigger runs BEFORE
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

# The auth version current when this request arrived (App.refresh_if_stale sets it; None before
# that and outside requests): the only version a kept auth record may be checked against.
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
_CREATE_ROW = {
    "postgres": 'INSERT INTO "_params" ("id", "value", "created", "updated") VALUES (?, \'1\'::jsonb, ?, ?) '
    'ON CONFLICT ("id") DO NOTHING',
    "sqlite": 'INSERT INTO "_params" ("id", "value", "created", "updated") VALUES (?, 1, ?, ?) '
    'ON CONFLICT ("id") DO NOTHING',
}
# SQLite: one row trigger per kind of write. Trigger names are global in a SQLite file and a
# renamed table keeps its triggers, so they are named after the collection's id (unique, never
# changed), not the table's name, which a new collection may take later.
SQLITE_EVENTS = ("INSERT", "UPDATE", "DELETE")
_SQLITE_TRIGGER = (
    'CREATE TRIGGER IF NOT EXISTS "bastion_auth_{event}_{owner}" AFTER {event} ON {table} FOR EACH ROW '
    'BEGIN UPDATE "_params" SET "value" = "value" + 1, '
    "\"updated\" = strftime('%Y-%m-%d %H:%M:%fZ', 'now') WHERE \"id\" = '{param}'; END"
)

_COVERS_SQL = {
    "postgres": "SELECT EXISTS (SELECT 1 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relname = ? AND n.nspname = current_schema() AND t.tgname = ? AND NOT t.tgisinternal) AS covered",
    # one trigger for each kind of write, bumping the counter
    "sqlite": "SELECT COUNT(DISTINCT e.event) = 3 AS covered FROM (SELECT 'INSERT' AS event UNION ALL "
    "SELECT 'UPDATE' UNION ALL SELECT 'DELETE') AS e JOIN sqlite_master AS m ON m.type = 'trigger' "
    "AND m.tbl_name = ? COLLATE NOCASE AND m.name GLOB 'bastion_auth_' || e.event || '_*' "
    "AND instr(m.sql, ?) > 0",
}


def _covers_params(dialect: str, table: str) -> tuple[str, ...]:
    if dialect == "postgres":
        return (table, TRIGGER)
    return (table, PARAM_ID)


def version_of(value: object, updated: object) -> str:
    """The version text of the counter row's value and time (the row's absence reads as "": no
    trigger counts then, so nothing may be kept)."""
    return f"{value}@{updated}"


async def install(tx: Executor, table: str, owner: str) -> None:
    """Make writes to `table` (the auth collection `owner`'s, by id) bump the counter. Safe to
    repeat."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%fZ")
    await tx.execute(_CREATE_ROW[tx.dialect], (PARAM_ID, stamp, stamp))
    if tx.dialect == "sqlite":
        for event in SQLITE_EVENTS:
            await tx.execute(
                _SQLITE_TRIGGER.format(
                    event=event, owner=_name_part(owner), table=quote(table), param=PARAM_ID
                )
            )
        return
    row = await tx.fetch_one("SELECT current_schema() AS name")
    schema = '"' + str(row["name"] if row else "public").replace('"', '""') + '"'
    await tx.execute(_FUNCTION_SQL.format(schema=schema, function=FUNCTION, param=PARAM_ID))
    await tx.execute(
        f'CREATE OR REPLACE TRIGGER "{TRIGGER}" BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE '
        f'ON {schema}.{quote(table)} FOR EACH STATEMENT EXECUTE FUNCTION {schema}."{FUNCTION}"()'
    )


def _name_part(owner: str) -> str:
    """`owner` (a collection id: letters, digits, `_`) as it may stand in a quoted trigger name."""
    return "".join(c for c in owner if c.isalnum() or c == "_")


async def covered(db: Executor, table: str) -> bool:
    """Whether writes to `table` bump the counter, as the database says now."""
    row = await db.fetch_one(_COVERS_SQL[db.dialect], _covers_params(db.dialect, table))
    return bool(row and row["covered"])


async def ensure(db: Database, tables: Sequence[tuple[str, str]]) -> None:
    """Install the triggers on those of `tables` (the auth collections': table name, collection
    id) that lack them: a database an older Bastion made, or one restored or imported. A table
    that cannot get them (another process installing them at the same moment) stays uncached
    until it has them."""
    for table, owner in tables:
        if await covered(db, table):
            continue
        try:
            async with db.transaction() as tx:
                await install(tx, table, owner)
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
            found = await covered(db, table)
            if len(self._covered) > 4096:  # definitions replaced many times over: start again
                self._covered.clear()
            self._covered[key] = found
        return found
