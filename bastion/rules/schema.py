"""The minimal view of collections the rules engine needs; core's classes satisfy it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class FieldInfo(Protocol):
    # Read-only members: the engine never writes them, and core's Field declares `type` per class.
    @property
    def name(self) -> str: ...

    # PocketBase type names: text, number, bool, email, url, editor, date, autodate, select, json,
    # relation, file, password, geoPoint
    @property
    def type(self) -> str: ...

    @property
    def hidden(self) -> bool: ...

    @property
    def collection_id(self) -> str: ...  # relation target collection id ('' for non-relations)

    @property
    def is_multiple(self) -> bool: ...  # select/relation/file with maxSelect > 1


class CollectionInfo(Protocol):
    id: str
    name: str
    type: str  # base | auth | view

    def get_field(self, name: str) -> FieldInfo | None: ...

    @property
    def fields(self) -> Sequence[FieldInfo]: ...


class SchemaLookup(Protocol):
    def find_collection(self, name_or_id: str) -> CollectionInfo | None: ...


MULTI_VALUER_TYPES = frozenset({"select", "relation", "file"})
JSON_TYPES = frozenset({"json", "geoPoint"})


def list_rule_of(collection: CollectionInfo) -> str | None:
    """The collection's listRule when the object carries rules (core's Collection does)."""
    rules = getattr(collection, "rules", None)
    if isinstance(rules, dict):
        return rules.get("listRule")
    return getattr(collection, "list_rule", None)
