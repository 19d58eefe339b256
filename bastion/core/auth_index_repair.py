"""At start: give back auth collections the unique indexes an older Bastion let them lose.

Before issue #12 an auth collection created with its own `indexes` had no unique `email` or
`tokenKey` index, so its table may hold accounts sharing an email. Each start checks every auth
collection; a missing index is created and recorded in the collection (one transaction per
collection, so other workers see the change through the schema signature). When the table
already holds duplicates the index cannot be built: the App refuses to start with one line naming
the collection, the values and what to do, rather than serve accounts that sign each other in.
"""

from __future__ import annotations

import json
import logging

from bastion.core.collection_indexes import identity_fields_error, with_auth_indexes
from bastion.core.collection_model import Collection
from bastion.core.datetime_format import now_str
from bastion.errors import StartupError
from bastion.store import Database, collections_table, ddl, tables, version_stamp

log = logging.getLogger("bastion.schema")

_SHOWN = 3  # duplicated values named in the message


class DuplicateIdentityError(StartupError):
    """An auth collection holds accounts sharing a value it must keep unique."""


async def repair_auth_indexes(db: Database, collections: list[Collection]) -> list[Collection]:
    """`collections` with every auth collection's system indexes in place (created if missing)."""
    out = []
    for collection in collections:
        if (
            collection.is_auth
            and with_auth_indexes(collection.indexes, collection.id, collection.name) != collection.indexes
        ):
            collection = await _repair(db, collection)
        if collection.is_auth:
            _warn_identity_fields(collection)
        out.append(collection)
    return out


async def _repair(db: Database, collection: Collection) -> Collection:
    wanted = with_auth_indexes(collection.indexes, collection.id, collection.name)
    added = [ddl.parse_index(sql) for sql in wanted[len(collection.indexes) :]]
    for index in added:
        await _refuse_duplicates(db, collection, index)
    try:
        async with db.transaction() as tx:
            data = await collections_table.read_definition(tx, collection.id, for_update=True)
            stored = Collection.from_storage(data) if data is not None else collection
            if stored.indexes != collection.indexes:
                return stored  # another worker or node repaired it meanwhile
            for index in added:
                await tx.execute(index.sql(tx.dialect, collection.name))
            repaired = Collection.from_storage(
                {**collection.to_storage(), "indexes": wanted, "updated": now_str()}
            )
            await collections_table.update_row(
                tx, repaired.id, repaired.name, repaired.to_storage(), repaired.updated
            )
            await version_stamp.bump(tx, "schema", repaired.updated)  # other processes reload
    except Exception:
        for index in added:  # a duplicate written since the check: say so, as above
            await _refuse_duplicates(db, collection, index)
        raise
    log.warning(
        "restored the unique indexes of an auth collection",
        extra={"collection": collection.name, "indexes": [i.name for i in added]},
    )
    return repaired


async def _refuse_duplicates(db: Database, collection: Collection, index: ddl.IndexDef) -> None:
    field = index.columns[0].split()[0]
    where = index.where.replace("`", '"')
    rows = await tables.repeated_values(db, collection.name, field, where, limit=_SHOWN + 1)
    if not rows:
        return
    shown = ", ".join(f"{json.dumps(str(value))} x{n}" for value, n in rows[:_SHOWN])
    more = " and more" if len(rows) > _SHOWN else ""
    raise DuplicateIdentityError(
        f'auth collection "{collection.name}" has accounts sharing one {field} ({shown}{more}), so its '
        f"unique {field} index cannot be restored: give each of those accounts its own {field} (or "
        "delete the extra ones) directly in the database, then start again"
    )


def _warn_identity_fields(collection: Collection) -> None:
    error = identity_fields_error(collection)
    if error is not None and error["code"] == "validation_missing_unique_constraint":
        log.warning(
            "an identity field has no unique index: two accounts may share it; add one to the collection",
            extra={"collection": collection.name, "field": error["params"]["fieldName"]},
        )
