"""Records as they travel between processes: the collection id and the stored values, without
`password` (neither events nor a client's auth need it on the other side)."""

from __future__ import annotations

from typing import Any

from bastion.core.app_protocol import App
from bastion.core.record_model import Record

_NOT_SENT = ("password",)


def record_values(record: Record) -> dict[str, Any]:
    return {k: v for k, v in record.data.items() if k not in _NOT_SENT}


def record_to_wire(record: Record | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {"collection": record.collection.id, "data": record_values(record)}


async def record_from_values(app: App, collection_id: str, data: dict[str, Any]) -> Record | None:
    """The record of another process, or None when its collection is not (or no longer) here."""
    # A process that only holds streams serves no requests, and requests are what refresh the
    # schema: without this, rules changed on another process would never reach it.
    await app.refresh_if_stale()
    collection = app.registry.find_collection(collection_id)
    if collection is None:  # created on another process a moment ago
        await app.reload_schema()
        collection = app.registry.find_collection(collection_id)
        if collection is None:
            return None
    return Record(collection, data, original=dict(data))


async def record_from_wire(app: App, wire: dict[str, Any] | None) -> Record | None:
    if not wire:
        return None
    return await record_from_values(app, str(wire.get("collection", "")), dict(wire.get("data") or {}))
