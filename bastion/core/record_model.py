"""A record: a collection plus a dict of field values as the API sees them.

Values are kept in their API form (str, int/float, bool, list, dict, None); the store form is only
produced at the edge by each field's `to_db`/`from_db`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bastion.core.collection_model import Collection
from bastion.core.fields import Field
from bastion.store.ddl import quote


@dataclass
class Record:
    collection: Collection
    data: dict[str, Any]
    expand: dict[str, Any] = field(default_factory=dict)
    # The stored values before this request changed anything (None for a new record); used for
    # `:changed` rule modifiers, modifiers like `tags+`, and to know which files/relations went.
    original: dict[str, Any] | None = None
    # True once an `expand` was applied at this record's level: PocketBase then returns
    # `"expand": {}` even when nothing could be expanded.
    expand_applied: bool = False

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))

    def get(self, name: str, default: Any = None) -> Any:
        return self.data.get(name, default)

    def __getitem__(self, name: str) -> Any:
        return self.data[name]

    def __setitem__(self, name: str, value: Any) -> None:  # a hook's `e.record["title"] = …`
        self.data[name] = value


@lru_cache(maxsize=2048)
def _select_list(collection_key: tuple[str, str, tuple[str, ...]], alias: str) -> str:
    _, _, names = collection_key
    return ", ".join(f"{quote(alias)}.{quote(n)}" for n in names)


def select_columns(collection: Collection, alias: str) -> str:
    """`"alias"."col", …` for every stored field (cached per collection version)."""
    key = (collection.id, collection.updated, tuple(f.name for f in collection.fields))
    return _select_list(key, alias)


def _stored_text_is_value(f: Field) -> bool:
    """True when the field reads a stored string as that same string (Field's own from_db and
    normalize: text, email, url, editor ...), so that reading one needs no call."""
    kind = type(f)
    return kind.from_db is Field.from_db and kind.normalize is Field.normalize


def _read_plan(collection: Collection) -> tuple[tuple[str, Any, bool], ...]:
    return tuple((f.name, f.from_db, _stored_text_is_value(f)) for f in collection.fields)


def row_to_record(collection: Collection, row: dict[str, Any], dialect: str) -> Record:
    data: dict[str, Any] = {}
    for name, from_db, text_as_is in collection.derived("read", _read_plan):  # runs per row read
        if name in row:
            raw = row[name]
            data[name] = raw if text_as_is and raw.__class__ is str else from_db(raw, dialect)
    return Record(collection, data, original=dict(data))


def record_to_params(collection: Collection, data: dict[str, Any], dialect: str) -> dict[str, Any]:
    return {f.name: f.to_db(data.get(f.name, f.zero_value()), dialect) for f in collection.fields}


def snapshot(record: Record) -> Record:
    """A detached copy of the record's values (no expand), e.g. for an event."""
    return Record(record.collection, dict(record.data), original=dict(record.original or record.data))
