"""Turn a client's body into field values, and check them, the way PocketBase does.

`apply_body` applies plain values and the `field+`, `+field`, `field-` modifiers onto a record's
current values; `validate_record` runs every field's checks and collects PocketBase-shaped errors.
Relation ids are checked against the database beforehand (the only check that needs I/O).
"""

from __future__ import annotations

from typing import Any

from bastion.core.collection_model import Collection
from bastion.core.fields import FieldValueError
from bastion.core.record_model import Record
from bastion.errors import field_error
from bastion.store.database import Executor
from bastion.store.ddl import stored_index
from bastion.store.row_select import id_in, ids_where


def split_key(key: str) -> tuple[str, str]:
    """`tags+` -> ("tags", "+"), `+tags` -> ("tags", "prefix+"), `tags-` -> ("tags", "-")."""
    if key.startswith("+"):
        return key[1:], "prefix+"
    if key.endswith("+"):
        return key[:-1], "+"
    if key.endswith("-"):
        return key[:-1], "-"
    return key, ""


def apply_body(record: Record, body: dict[str, Any], *, allow_hidden: bool) -> dict[str, Any]:
    """Apply `body` to `record.data` in place, plain values first, then modifiers.

    Returns the body as rules see it (`@request.body.*`), as PocketBase builds it: every key that
    names a field is replaced by that field's resulting value (`tags+: "x"` becomes the whole new
    `tags` list), keys that name no field stay as sent, and hidden fields are dropped for
    non-superusers (an auth collection's `password` excepted). Unsupported modifiers (`title+`)
    are ignored, as PocketBase ignores them.
    """
    collection = record.collection
    resolved: dict[str, Any] = {}
    plain = [(k, v) for k, v in body.items() if not split_key(k)[1]]
    modified = [(k, v) for k, v in body.items() if split_key(k)[1]]
    for key, value in [*plain, *modified]:
        name, op = split_key(key)
        field = collection.get_field(name)
        if field is None:
            resolved[key] = value
            continue
        if field.hidden and not allow_hidden and not (collection.is_auth and name == "password"):
            continue
        if field.type == "autodate":
            continue
        try:
            if op:
                current = record.data.get(name, field.zero_value())
                record.data[name] = field.apply_modifier(op, current, value)
            else:
                record.data[name] = field.normalize(value)
        except (ValueError, TypeError):
            continue
        # Rules see a file field's names (new uploads by their generated names), as in PocketBase.
        resolved[name] = field.to_api(record.data[name]) if field.type == "file" else record.data[name]
    return resolved


class _ValueContext:
    def __init__(self, record: Record, existing_ids: dict[str, set[str]]) -> None:
        self.record = record
        self.collection = record.collection
        self._existing = existing_ids
        self.is_new = record.original is None

    def existing_relation_ids(self, collection_id: str, ids: Any) -> set[str]:
        return self._existing.get(collection_id, set()) & set(ids)


async def _existing_relation_ids(
    db: Executor,
    record: Record,
    registry: Any,
    known: Record | None,
    deferred: list[tuple[str, list[str]]] | None,
) -> dict[str, set[str]]:
    """The related ids of `record` that exist. Ids the record already stored are known to: deletes
    cascade, unset or are refused (delete_record), so only new ids cost a query. So is `known`
    (the caller's auth record, read for this request): an owner field set to the caller, the
    commonest relation a client writes, costs none either. With `deferred`, new ids are not
    looked up but taken as existing, and each target table with its ids is added to it, for the
    write to require (store/row_write.py `insert_row`)."""
    wanted: dict[str, set[str]] = {}
    found: dict[str, set[str]] = {}
    for f in record.collection.fields:
        if f.type != "relation":
            continue
        ids = {str(i) for i in _as_ids(record.data.get(f.name))}
        stored = ids & {str(i) for i in _as_ids((record.original or {}).get(f.name))}
        if known is not None and known.collection.id == f.collection_id:
            stored |= ids & {str(known.data.get("id", ""))}
        found.setdefault(f.collection_id, set()).update(stored)
        if ids - stored:
            wanted.setdefault(f.collection_id, set()).update(ids - stored)
    for cid, ids in wanted.items():
        target = registry.find_collection(cid)
        if target is None:
            continue
        if deferred is not None:
            found[cid].update(ids)
            deferred.append((target.name, sorted(ids)))
            continue
        found[cid].update(await ids_where(db, target.name, target.name, [id_in(target.name, list(ids))]))
    return found


def _as_ids(value: Any) -> list[Any]:
    return value if isinstance(value, list) else ([value] if value else [])


async def validate_record(
    db: Executor,
    record: Record,
    registry: Any,
    errors: dict[str, Any] | None = None,
    skip: frozenset[str] = frozenset(),
    known: Record | None = None,
    deferred: list[tuple[str, list[str]]] | None = None,
) -> dict[str, Any]:
    """Every field's checks on `record`; `known`: a record known to exist (the caller's auth
    record), which a relation to it needs not look up; `deferred`: see `_existing_relation_ids`."""
    errors = dict(errors or {})
    ctx = _ValueContext(record, await _existing_relation_ids(db, record, registry, known, deferred))
    for f in record.collection.fields:
        if f.name in errors or f.name in skip:
            continue
        try:
            f.validate_value(record.data.get(f.name, f.zero_value()), ctx)
        except FieldValueError as exc:
            errors[f.name] = field_error(exc.code, exc.message, getattr(exc, "params", None))
    return errors


def unique_columns(collection: Collection) -> list[list[str]]:
    out = []
    for sql in collection.indexes:
        try:
            idx = stored_index(sql)
        except ValueError:
            continue
        if idx.unique:
            out.append([c.split()[0] for c in idx.columns])
    return out
