"""Whose email a caller sees: PocketBase's rule for auth records in API answers.

An auth record's `email` is shown when its `emailVisibility` is on, and otherwise only to a
superuser, to the record itself, and to a *manager*: a caller that passes the collection's
`manageRule` for that record. The same holds for auth records reached through `expand`.
(PocketBase 0.40.6's autoResolveRecordsFlags, checked with the binary.)

`managed_records` finds the managed ones among the records an answer is about to show, in one
query per auth collection with a manage rule, and only for records whose email would otherwise
be hidden; `export_record(..., managed=...)` then shows their email.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bastion.core.record_access import Access
from bastion.core.record_model import Record
from bastion.core.record_query import ALIAS, compile_condition
from bastion.core.schema_registry import SchemaRegistry
from bastion.store.database import Executor
from bastion.store.row_select import id_in, ids_where

Managed = frozenset[tuple[str, str]]  # (collection id, record id)


async def managed_records(
    db: Executor, registry: SchemaRegistry, records: Sequence[Record], access: Access
) -> Managed:
    """The (collection id, record id) pairs among `records` and their expansions whose
    `manageRule` the caller passes, of those whose email would otherwise be hidden."""
    if access.auth is None or access.is_superuser:
        return frozenset()
    hidden: dict[str, dict[str, Record]] = {}
    for record in _walk(records):
        collection = record.collection
        if not collection.is_auth or not collection.options.get("manageRule"):
            continue
        if record.data.get("emailVisibility") or _is_caller(record, access):
            continue
        hidden.setdefault(collection.id, {})[record.id] = record
    found: set[tuple[str, str]] = set()
    for by_id in hidden.values():
        collection = next(iter(by_id.values())).collection
        try:
            cond = compile_condition(
                collection.options["manageRule"],
                collection,
                registry,
                access.request_info(),
                db.dialect,
                allow_hidden=True,
            )
        except Exception:  # noqa: BLE001 - a broken rule manages nobody (PocketBase only logs it)
            continue
        ids = await ids_where(db, collection.name, ALIAS, [id_in(ALIAS, list(by_id)), cond])
        found.update((collection.id, i) for i in ids)
    return frozenset(found)


def _is_caller(record: Record, access: Access) -> bool:
    auth = access.auth
    return auth is not None and auth.collection.id == record.collection.id and auth.id == record.id


def _walk(records: Iterable[Record]) -> Iterable[Record]:
    """The records and, depth first, every record they expand to."""
    stack = list(records)
    seen: set[int] = set()
    while stack:
        record = stack.pop()
        if id(record) in seen:
            continue
        seen.add(id(record))
        yield record
        for value in record.expand.values():
            stack.extend(value if isinstance(value, list) else [value])
