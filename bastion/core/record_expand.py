"""`expand`: load related records (relations and `<collection>_via_<field>` back-relations).

Each level is one query per relation path for the whole page (never one per record), and the
related collection's view rule is applied: a caller never sees an expanded record they could not
view directly. Paths that do not resolve are skipped, as PocketBase does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bastion.core.collection_model import Collection
from bastion.core.record_access import Access, access_condition
from bastion.core.record_model import Record
from bastion.core.record_query import find_by_ids, find_where
from bastion.core.schema_registry import SchemaRegistry
from bastion.store.database import Executor
from bastion.store.ddl import stored_index

MAX_DEPTH = 6
MAX_BACK_RELATIONS = 1000


def parse_expand(
    expand: str, collection: Collection | None = None, registry: SchemaRegistry | None = None
) -> dict[str, Any]:
    """The expand paths as a tree; with a schema, paths that do not fully resolve are dropped
    (PocketBase skips such a path entirely rather than expanding its valid prefix)."""
    tree: dict[str, Any] = {}
    for path in expand.split(","):
        parts = [p.strip() for p in path.strip().split(".") if p.strip()][:MAX_DEPTH]
        if not parts:
            continue
        if (
            collection is not None
            and registry is not None
            and not _path_resolves(collection, registry, parts)
        ):
            continue
        node = tree
        for part in parts:
            node = node.setdefault(part, {})
    return tree


def _path_resolves(collection: Collection, registry: SchemaRegistry, parts: list[str]) -> bool:
    current: Collection | None = collection
    for part in parts:
        if current is None:
            return False
        field = current.get_field(part)
        if field is not None and field.type == "relation":
            current = registry.find_collection(field.collection_id)
            continue
        source_name, sep, field_name = part.partition("_via_")
        source = registry.find_collection(source_name) if sep else None
        via = source.get_field(field_name) if source is not None else None
        if via is None or via.type != "relation" or via.collection_id != current.id:
            return False
        current = source
    return True


async def expand_records(
    db: Executor, registry: SchemaRegistry, records: Sequence[Record], expand: str, access: Access
) -> None:
    if records and expand.strip():
        tree = parse_expand(expand, records[0].collection, registry)
        if tree:
            await _expand_level(db, registry, records, tree, access)


async def _expand_level(
    db: Executor, registry: SchemaRegistry, records: Sequence[Record], tree: dict[str, Any], access: Access
) -> None:
    collection = records[0].collection
    for r in records:
        r.expand_applied = True
    for key, subtree in tree.items():
        field = collection.get_field(key)
        if field is not None and field.type == "relation":
            related = registry.find_collection(field.collection_id)
            if related is None:
                continue
            fetched = await _load_related(db, registry, related, records, key, access)
            if fetched and subtree:
                await _expand_level(db, registry, list(fetched.values()), subtree, access)
            for r in records:
                value = r.data.get(key)
                ids = value if isinstance(value, list) else ([value] if value else [])
                found = [fetched[i] for i in ids if i in fetched]
                if field.is_multiple:
                    if found:
                        r.expand[key] = found
                elif found:
                    r.expand[key] = found[0]
        elif "_via_" in key:
            await _expand_back_relation(db, registry, records, key, subtree, access)


async def _load_related(
    db: Executor,
    registry: SchemaRegistry,
    related: Collection,
    records: Sequence[Record],
    key: str,
    access: Access,
) -> dict[str, Record]:
    cond = access_condition(related, related.rule("viewRule"), access, registry, db.dialect)
    if cond is None:  # refused: nothing to expand, as PocketBase
        return {}
    ids: list[str] = []
    seen: set[str] = set()
    for r in records:
        value = r.data.get(key)
        for i in value if isinstance(value, list) else ([value] if value else []):
            if i not in seen:
                seen.add(i)
                ids.append(i)
    found = await find_by_ids(db, related, ids, [cond] if cond.sql else [])
    return {r.id: r for r in found}


async def _expand_back_relation(
    db: Executor,
    registry: SchemaRegistry,
    records: Sequence[Record],
    key: str,
    subtree: dict[str, Any],
    access: Access,
) -> None:
    coll_name, _, field_name = key.partition("_via_")
    source = registry.find_collection(coll_name)
    if source is None:
        return
    field = source.get_field(field_name)
    target = records[0].collection
    if field is None or field.type != "relation" or field.collection_id != target.id:
        return
    cond = access_condition(source, source.rule("viewRule"), access, registry, db.dialect)
    if cond is None:
        return
    single = not field.is_multiple and _has_unique_index(source, field_name)
    for r in records:
        found = await find_where(
            db, source, field_name, r.id, multiple=field.is_multiple, limit=MAX_BACK_RELATIONS
        )
        if cond.sql:
            allowed = {x.id for x in await find_by_ids(db, source, [x.id for x in found], [cond])}
            found = [x for x in found if x.id in allowed]
        if found and subtree:
            await _expand_level(db, registry, found, subtree, access)
        if found:
            r.expand[key] = found[0] if single else found


def _has_unique_index(collection: Collection, field_name: str) -> bool:
    for sql in collection.indexes:
        try:
            idx = stored_index(sql)
        except ValueError:
            continue
        if idx.unique and len(idx.columns) == 1 and idx.columns[0].split()[0] == field_name:
            return True
    return False
