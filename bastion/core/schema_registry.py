"""The in-memory view of all collections: cache-aside over the `_collections` table.

Every request resolves collections through here (no query per request). The registry holds one
immutable snapshot (collections by id and by name, plus the memo of answers derived from them) and
every change builds a new snapshot aside and swaps it in with one reference assignment: a request
running concurrently with a reload or a change sees the old schema or the new one, never an empty
or half-filled one. The collections service replaces entries after each committed change;
`replace` swaps in a whole schema read from the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bastion.core.collection_model import Collection

MEMO_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """One consistent schema. Never changed once published (the memo aside: it only caches
    answers derived from this snapshot's collections, so it is dropped with it)."""

    by_id: Mapping[str, Collection]
    by_name: Mapping[str, Collection]
    memo: dict[object, object] = field(default_factory=dict)

    @classmethod
    def of(cls, collections: Iterable[Collection]) -> _Snapshot:
        by_id: dict[str, Collection] = {}
        for c in collections:
            by_id[c.id] = c
        return cls(by_id, {c.name.lower(): c for c in by_id.values()})


class SchemaRegistry:
    def __init__(self, collections: Iterable[Collection] = ()) -> None:
        self._schema = _Snapshot.of(collections)
        # Counts changes, so a reload that read the database while a local change landed can
        # tell that what it read may be older than what it would replace (App.reload_schema).
        self.generation = 0

    @property
    def memo(self) -> dict[object, object]:
        """Answers derived from the schema (rule decisions, compiled rule SQL, rate-limit
        coverage); a new schema starts with an empty memo, and a full one starts over (see
        remember())."""
        return self._schema.memo

    def remember(self, key: object, value: object, derived_from: Collection | None = None) -> None:
        """Keep `value` in the memo; a full memo starts over rather than grow without bound
        (its keys carry request values, so their number is the clients' to choose).

        `derived_from` is the collection the value was computed from, when the caller resolved
        it before an await: if the schema was swapped since, that copy is out of date and the
        value is not kept (the new schema's memo must hold only answers derived from it)."""
        schema = self._schema
        if derived_from is not None and schema.by_id.get(derived_from.id) is not derived_from:
            return
        memo = schema.memo
        if len(memo) >= MEMO_LIMIT:
            memo.clear()
        memo[key] = value

    def _publish(self, snapshot: _Snapshot) -> None:
        self._schema = snapshot  # the one assignment readers can observe
        self.generation += 1

    def replace(self, collections: Iterable[Collection]) -> None:
        """Swap in a whole schema (a reload from the database)."""
        self._publish(_Snapshot.of(collections))

    def put(self, collection: Collection) -> None:
        by_id = dict(self._schema.by_id)
        by_id[collection.id] = collection
        self._publish(_Snapshot.of(by_id.values()))

    def remove(self, collection_id: str) -> None:
        if collection_id not in self._schema.by_id:
            return
        self._publish(_Snapshot.of(c for c in self._schema.by_id.values() if c.id != collection_id))

    def copy(self) -> SchemaRegistry:
        """A registry starting from this one's schema whose changes stay its own (a multi-step
        change stages its collections there and publishes them once committed)."""
        return SchemaRegistry(self._schema.by_id.values())

    def find_collection(self, name_or_id: str) -> Collection | None:
        """By id first, then by name (case-insensitive), as PocketBase resolves them."""
        schema = self._schema
        return schema.by_id.get(name_or_id) or schema.by_name.get(name_or_id.lower())

    def all(self) -> list[Collection]:
        return list(self._schema.by_id.values())

    def referencing(self, collection_id: str) -> list[tuple[Collection, str]]:
        """(collection, field name) of every relation field that points at `collection_id`."""
        out = []
        for c in self._schema.by_id.values():
            for f in c.fields:
                if f.type == "relation" and f.collection_id == collection_id:
                    out.append((c, f.name))
        return out
