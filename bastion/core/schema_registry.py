"""The in-memory view of all collections: cache-aside over the `_collections` table.

Every request resolves collections through here (no query per request). The collections service
replaces entries after each committed change; `reload` rebuilds everything from the database.
"""

from __future__ import annotations

from collections.abc import Iterable

from bastion.core.collection_model import Collection

MEMO_LIMIT = 4096


class SchemaRegistry:
    def __init__(self, collections: Iterable[Collection] = ()) -> None:
        self._by_id: dict[str, Collection] = {}
        self._by_name: dict[str, Collection] = {}
        # Answers derived from the schema (rule decisions, compiled rule SQL, rate-limit
        # coverage); emptied on any change, and when full (see remember()).
        self.memo: dict[object, object] = {}
        for c in collections:
            self.put(c)

    def remember(self, key: object, value: object) -> None:
        """Keep `value` in the memo; a full memo starts over rather than grow without bound
        (its keys carry request values, so their number is the clients' to choose)."""
        if len(self.memo) >= MEMO_LIMIT:
            self.memo.clear()
        self.memo[key] = value

    def clear(self) -> None:
        self._by_id.clear()
        self._by_name.clear()
        self.memo.clear()

    def put(self, collection: Collection) -> None:
        old = self._by_id.get(collection.id)
        if old is not None:
            self._by_name.pop(old.name.lower(), None)
        self._by_id[collection.id] = collection
        self._by_name[collection.name.lower()] = collection
        self.memo.clear()

    def remove(self, collection_id: str) -> None:
        old = self._by_id.pop(collection_id, None)
        if old is not None:
            self._by_name.pop(old.name.lower(), None)
        self.memo.clear()

    def find_collection(self, name_or_id: str) -> Collection | None:
        """By id first, then by name (case-insensitive), as PocketBase resolves them."""
        return self._by_id.get(name_or_id) or self._by_name.get(name_or_id.lower())

    def all(self) -> list[Collection]:
        return list(self._by_id.values())

    def referencing(self, collection_id: str) -> list[tuple[Collection, str]]:
        """(collection, field name) of every relation field that points at `collection_id`."""
        out = []
        for c in self._by_id.values():
            for f in c.fields:
                if f.type == "relation" and f.collection_id == collection_id:
                    out.append((c, f.name))
        return out
