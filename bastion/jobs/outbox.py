"""The transactional outbox: record changes become jobs in the same transaction as the write.

RecordService calls `Outbox.record_changed` (core/record_outbox.py's hook) for every create,
update and delete — batch sub-requests and cascaded deletes included — inside the writing
transaction, before it commits. Each route (webhooks here, broker sinks in jobs/sinks/) says which
jobs the change causes; they are enqueued through the job queue on the same executor, so they
commit or roll back with the record. A route that raises rolls the write back (the webhook route
uses that to refuse a webhook record with a bad url).

Cost when nothing is configured: no route → one `if` and a return; routes whose `wants` is False
for the collection → the event is never built (no id drawn, no record exported). bench/
outbox_overhead.py measures it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from bastion.core.record_access import Access
from bastion.core.record_export import export_record
from bastion.core.record_model import Record

if TYPE_CHECKING:
    from bastion.bus.events import Action
    from bastion.core.job_sink import JobSink
    from bastion.core.schema_registry import SchemaRegistry
    from bastion.store.database import Executor

EVENT_TYPES: dict[str, str] = {
    "create": "record.created",
    "update": "record.updated",
    "delete": "record.deleted",
}


def new_event_id() -> str:
    """`evt_` and 24 random URL-safe characters (144 bits): unique per change, kept across
    retries. (token_urlsafe: 1 µs; 24 `secrets.choice` draws cost 40.)"""
    return "evt_" + secrets.token_urlsafe(18)


def utc_timestamp() -> str:
    """Now as ISO 8601 UTC with milliseconds and a `Z` (`2026-12-02T16:47:41.123Z`)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class OutboxEvent:
    id: str  # unique per record change; the Standard Webhooks `webhook-id`
    type: str  # "record.created" | "record.updated" | "record.deleted"
    timestamp: str  # the change's time, ISO 8601 UTC
    collection: str  # the collection's name
    collection_id: str
    record: dict[str, Any]  # as a superuser sees it (after the change; for delete: as it was)

    def body(self) -> dict[str, Any]:
        """The payload every route sends: `{"type", "timestamp", "data": {"collection", "record"}}`."""
        return {
            "type": self.type,
            "timestamp": self.timestamp,
            "data": {"collection": self.collection, "record": self.record},
        }


@dataclass(frozen=True)
class OutboxJob:
    kind: str
    payload: dict[str, Any]
    key: str  # de-duplication: enqueuing the same key twice is a no-op


class OutboxRoute(Protocol):
    """Where record changes may go (webhooks, a broker sink). Every route sees every change,
    system collections included: `_webhooks` records carry their secrets (the export is a
    superuser's), so a route that sends "every collection" should skip names starting with `_`
    unless they were named, as the webhook route does."""

    async def jobs_for(self, ex: Executor, event: OutboxEvent) -> list[OutboxJob]:
        """The jobs `event` causes (inside the writing transaction `ex`); [] for none."""
        ...


@runtime_checkable
class FilteringRoute(Protocol):
    """A route that can say cheaply, from the collection alone, that it wants nothing: the event
    is then not even built. Optional: a route without `wants` sees every event."""

    def wants(self, collection_name: str) -> bool: ...


@runtime_checkable
class CachingRoute(Protocol):
    """A route that caches its configuration: `Outbox.invalidate` tells it to read it again."""

    def invalidate(self) -> None: ...


def acting_superuser(registry: SchemaRegistry) -> Access:
    """An Access acting as a superuser (as the CLI and the auth flows build one): how the outbox
    exports records (hidden fields and emails included) and how jobs write system records."""
    superusers = registry.find_collection("_superusers")
    return Access(auth=Record(superusers, {"id": ""}) if superusers is not None else None, method="POST")


class Outbox:
    """core's RecordChangeHook: record changes → the routes' jobs, in the writing transaction."""

    def __init__(self, queue: JobSink, registry: SchemaRegistry) -> None:
        self.queue = queue
        self.registry = registry
        # each route with its `wants` when it has one (a runtime-checked isinstance costs ~3 µs:
        # asked once here, never per write)
        self._routes: list[tuple[OutboxRoute, Callable[[str], bool] | None]] = []
        self._caching: list[CachingRoute] = []

    def add_route(self, route: OutboxRoute) -> None:
        self._routes.append((route, route.wants if isinstance(route, FilteringRoute) else None))
        if isinstance(route, CachingRoute):
            self._caching.append(route)

    def invalidate(self) -> None:
        """What the routes deliver to changed (the `outbox` or the schema stamp moved on):
        routes that cache their configuration read it again."""
        for route in self._caching:
            route.invalidate()

    async def record_changed(
        self, tx: Executor, action: Action, record: Record, before: Record | None
    ) -> None:
        if not self._routes:
            return
        name = record.collection.name
        routes = [route for route, wants in self._routes if wants is None or wants(name)]
        if not routes:
            return
        event = OutboxEvent(
            id=new_event_id(),
            type=EVENT_TYPES[action],
            timestamp=utc_timestamp(),
            collection=name,
            collection_id=record.collection.id,
            record=export_record(record, acting_superuser(self.registry)),
        )
        for route in routes:
            for job in await route.jobs_for(tx, event):
                await self.queue.enqueue(tx, job.kind, job.payload, key=job.key)
