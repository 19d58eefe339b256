"""A collection's table: created from its fields and indexes, altered to follow a changed
definition (columns added, dropped, renamed; a single value <-> multiple conversion keeps the
values), with its full-text search index (store/fulltext.py) dropped and rebuilt around a change
that touches it. The DDL text is the store's (store/ddl.py)."""

from __future__ import annotations

from bastion.core.collection_model import Collection
from bastion.core.fields import Field
from bastion.store import auth_version, ddl, fulltext
from bastion.store.database import Executor
from bastion.store.json_codec import dumps, loads
from bastion.store.row_select import rows_where
from bastion.store.row_write import update_by_id


async def create_table(tx: Executor, collection: Collection) -> None:
    cols = [(f.name, f.column_sql(tx.dialect)) for f in collection.fields]
    await tx.execute(ddl.create_table(collection.name, ddl.record_table_columns(cols, tx.dialect)))
    for sql in collection.indexes:
        await tx.execute(ddl.parse_index(sql).sql(tx.dialect, collection.name))
    index = search_index(collection)
    if index is not None:
        await fulltext.create_index(tx, index)
    if collection.is_auth:  # its records may be kept between requests
        await auth_version.install(tx, collection.name, collection.id)


def search_index(collection: Collection) -> fulltext.SearchIndex | None:
    search = collection.search
    return None if search is None else search.index(collection.id, collection.name)


async def drop_search_index(tx: Executor, collection: Collection) -> None:
    index = search_index(collection)
    if index is not None:
        await fulltext.drop_index(tx, index)


async def alter_table(tx: Executor, old: Collection, new: Collection) -> None:
    # The search index names the table and its columns: one that changes is dropped before the
    # table changes (SQLite refuses to drop a column its triggers read) and rebuilt after.
    old_index, new_index = search_index(old), search_index(new)
    if old_index is not None and old_index != new_index:
        await fulltext.drop_index(tx, old_index)
    for sql in old.indexes:
        await tx.execute(ddl.drop_index(ddl.parse_index(sql).name))
    if old.name != new.name:
        await tx.execute(ddl.rename_table(old.name, new.name))
    table = new.name
    new_by_id = {f.id: f for f in new.fields}
    old_by_id = {f.id: f for f in old.fields}
    for f in old.fields:
        if f.id not in new_by_id:
            await tx.execute(ddl.drop_column(table, f.name))
    for f in new.fields:
        prev = old_by_id.get(f.id)
        if prev is None:
            await tx.execute(ddl.add_column(table, f.name, f.column_sql(tx.dialect)))
        elif prev.name != f.name:
            await tx.execute(ddl.rename_column(table, prev.name, f.name))
        elif prev.is_multiple != f.is_multiple:
            await _convert_multiplicity(tx, table, f)
    for sql in new.indexes:
        await tx.execute(ddl.parse_index(sql).sql(tx.dialect, table))
    if new_index is not None and old_index != new_index:
        await fulltext.create_index(tx, new_index)


async def _convert_multiplicity(tx: Executor, table: str, f: Field) -> None:
    """Single <-> multiple select/relation/file: rewrite the column keeping the values."""
    tmp = f"{f.name}__tmp"
    await tx.execute(ddl.add_column(table, tmp, f.column_sql(tx.dialect)))
    for row in await rows_where(tx, table, ["id", f.name], {}):
        value = row[f.name]
        if f.is_multiple:
            converted = dumps([value] if value else [])
        else:
            items = loads(value) if isinstance(value, str) and value.startswith("[") else (value or [])
            converted = items[-1] if items else ""
        await update_by_id(tx, table, row["id"], {tmp: converted})
    await tx.execute(ddl.drop_column(table, f.name))
    await tx.execute(ddl.rename_column(table, tmp, f.name))
