"""View collections in the database: infer their fields, check their query, (re)create the SQL view.

Everything that probes the query runs inside a savepoint that is always rolled back, so a bad
query (PostgreSQL aborts the whole transaction on an error) or a temporary view never outlives the
check. The SQL itself is the store's (store/views.py): the user's query is wrapped as
`SELECT * FROM (query)`, like PocketBase, which also keeps a second statement from running.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from bastion.core.fields import Field, field_from_dict
from bastion.core.ids import field_id_for, random_string
from bastion.core.view_query import Identifier, ViewQueryError, cast_type, normalize, parse
from bastion.store import views
from bastion.store.database import Executor
from bastion.store.errors import describe_db_error

T = TypeVar("T")


class CollectionLookup(Protocol):
    def find_collection(self, name_or_id: str) -> Any: ...


_LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
_MISSING_ID = "missing required id column (you can use `(ROW_NUMBER() OVER()) as id` if you don't have one)"
_SAMPLE_SIZE = 10


@dataclass
class ViewPlan:
    """What a view query gives: its fields, the SQL to create the view with (the id column read as
    text), or the problem that keeps it from being a view collection (shown to the client)."""

    fields: list[Field]
    sql: str = ""
    problem: str | None = None


async def plan_view(tx: Executor, registry: CollectionLookup, query: str) -> ViewPlan:
    """Infer the fields and try the query on a few rows, as PocketBase's dry run does: the ids
    must be present and unique. Fields come back even when only the sample fails, and without
    an id column when that is what is missing (the collection's errors name both)."""
    try:
        query = normalize(query)
        suggested = _suggest_fields(registry, query)
        columns = await _probe(tx, lambda: _column_info(tx, query))
    except ViewQueryError as exc:
        return ViewPlan(fields=[], problem=str(exc))
    fields = [suggested.get(name) or _default_field(name) for name, _ in columns]
    if not any(name == "id" for name, _ in columns):
        return ViewPlan(fields=fields, problem=_MISSING_ID)
    sql = _id_normalized(query, columns)
    try:
        ids = await _probe(tx, lambda: views.first_ids(tx, sql, _SAMPLE_SIZE))
    except ViewQueryError as exc:
        return ViewPlan(fields=fields, problem=str(exc))
    if any(i in (None, "") for i in ids):
        return ViewPlan(fields, sql, "the query could return records with empty or invalid ids")
    if len(set(ids)) != len(ids):
        return ViewPlan(fields, sql, "the query could return records with non-unique ids")
    return ViewPlan(fields, sql)


async def save_view(tx: Executor, name: str, plan: ViewPlan) -> None:
    """(Re)create the SQL view `name` from a plan without problems."""
    await drop_view(tx, name)
    await views.create_view(tx, name, plan.sql)


async def drop_view(tx: Executor, name: str) -> None:
    await views.drop_view(tx, name)


# ---- internals ----------------------------------------------------------------------------------


async def _probe(tx: Executor, action: Callable[[], Awaitable[T]]) -> T:
    """Run `action` in a savepoint that is always rolled back; a database error becomes a
    ViewQueryError carrying the database's own message."""
    async with views.rolled_back(tx):
        try:
            return await action()
        except ViewQueryError:
            raise
        except Exception as exc:  # noqa: BLE001 - every driver error means the same: a bad query
            raise ViewQueryError(describe_db_error(exc)) from None


async def _column_info(tx: Executor, query: str) -> list[tuple[str, str]]:
    """(name, declared type) of each column the query yields, read from a temporary view."""
    temp = "_temp_" + random_string(8, _LOWER_ALNUM)
    await views.create_view(tx, temp, query)
    return await views.view_columns(tx, temp)


def _id_normalized(query: str, columns: list[tuple[str, str]]) -> str:
    """Record ids are text: wrap the query with a cast when its id column is something else."""
    if any(name == "id" and kind == "TEXT" for name, kind in columns):
        return query
    return views.text_ids(query, [name for name, _ in columns])


def _suggest_fields(registry: CollectionLookup, query: str) -> dict[str, Field]:
    parsed = parse(query)
    tables = {t.alias: registry.find_collection(t.original) for t in parsed.tables if "(" not in t.alias}
    main = parsed.tables[0].alias if parsed.tables else ""
    out: dict[str, Field] = {}
    for column in parsed.columns:
        if column.alias == "*":
            raise ViewQueryError(
                "wildcard columns (*) are not supported - manually type the collection field "
                "names you want the view query to have"
            )
        field = _suggest_field(column, tables, main)
        if field is not None:
            out[column.alias] = field
    return out


def _suggest_field(column: Identifier, tables: dict[str, Any], main: str) -> Field | None:
    alias, lowered = column.alias, column.original.lower()
    if alias == "id":
        return _id_field()
    if lowered.startswith("count("):
        return _new_field("number", alias, onlyInt=True)
    if lowered.startswith("total("):
        return _new_field("number", alias)
    cast = cast_type(column.original)
    if cast in ("real", "decimal", "numeric"):
        return _new_field("number", alias)
    if cast in ("int", "integer"):
        return _new_field("number", alias, onlyInt=True)
    if cast == "text":
        return _new_field("text", alias)
    if cast in ("boolean", "bool"):
        return _new_field("bool", alias)
    parts = column.original.split(".")
    table, name = (parts[0], parts[1]) if len(parts) == 2 else (main, parts[0])
    collection = tables.get(table)
    if collection is None:
        return None
    source = next((f for f in collection.fields if f.name.lower() == name.lower()), None)
    if source is None:
        return None
    if name.lower() == "id":
        return _new_field("relation", alias, maxSelect=1, collectionId=collection.id)
    clone = source.to_dict()
    clone.update(id="_clone_" + random_string(4), name=alias)
    return field_from_dict(clone)


def _id_field() -> Field:
    return field_from_dict(
        {
            "type": "text",
            "name": "id",
            "system": True,
            "required": True,
            "primaryKey": True,
            "pattern": "^[a-z0-9]+$",
        }
    )


def _default_field(name: str) -> Field:
    return _id_field() if name == "id" else _new_field("json", name, maxSize=1)


def _new_field(kind: str, name: str, **options: Any) -> Field:
    return field_from_dict({"type": kind, "name": name, "id": field_id_for(kind, name), **options})
