"""The outbox route for webhooks: which active webhooks a record change goes to.

Which webhooks exist is cached per process and dated by the `outbox` version stamp
(store/version_stamp.py): a change to a `_webhooks` record bumps it in its own transaction, and
every other process sees the newer stamp with its next request's stamp check (App.refresh_if_stale,
the same read that dates the schema, so it costs nothing more) and drops its cache; the cache is
read again inside the next writing transaction that needs it. A webhook created on one node
therefore applies to the next write on any node, and a process with no active webhook pays one
set lookup per write (`wants`), never a query.

The webhook collections themselves are never delivered (a delivery log row would cause another
delivery), and "all collections" (an empty `collections`) means the collections whose names do
not start with `_`: a system collection (`_superusers`, `_otps` …) is delivered only when named.
A webhook record is checked as it is written: `url` must be http(s) with a host (the field's
pattern says so too) and `collections` a list of names (400 otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from bastion.core.record_query import find_all
from bastion.errors import ValidationError, field_error
from bastion.jobs.outbox import OutboxEvent, OutboxJob
from bastion.jobs.webhooks.collections import DELIVERIES, WEBHOOKS

if TYPE_CHECKING:
    from bastion.core.schema_registry import SchemaRegistry
    from bastion.store.database import Executor
    from bastion.store.version_stamp import StampKeeper

DELIVER = "webhook.deliver"
_ACTIONS = {"record.created": "create", "record.updated": "update", "record.deleted": "delete"}


@dataclass(frozen=True)
class _Hook:
    id: str
    collections: frozenset[str]  # empty: every collection not starting with "_"
    events: frozenset[str]  # empty: every action

    def takes(self, collection: str, action: str) -> bool:
        if self.collections:
            if collection not in self.collections:
                return False
        elif collection.startswith("_"):
            return False
        return not self.events or action in self.events


def delivery_job(webhook_id: str, event_id: str, body: dict[str, Any], key: str = "") -> OutboxJob:
    """One delivery of one event to one webhook (`key`: the de-duplication key, by default one
    per webhook and event)."""
    return OutboxJob(
        DELIVER,
        {"webhook": webhook_id, "id": event_id, "body": body},
        key or f"wh:{webhook_id}:{event_id}",
    )


class WebhookRoute:
    def __init__(self, registry: SchemaRegistry, stamp: StampKeeper) -> None:
        self.registry = registry
        self.stamp = stamp
        self._hooks: tuple[_Hook, ...] = ()
        self._watched: frozenset[str] = frozenset()  # collection names some hook takes
        self._catch_all = False  # some hook takes every non-system collection
        # the cache is current when the generation it was read for is the latest one asked for
        self._wanted = 0
        self._loaded = -1

    def invalidate(self) -> None:
        """Read the webhooks again before the next change that may need them."""
        self._wanted += 1

    @property
    def _stale(self) -> bool:
        return self._loaded != self._wanted

    def wants(self, collection_name: str) -> bool:
        if collection_name in (WEBHOOKS, DELIVERIES):
            return collection_name == WEBHOOKS  # to check the record and date the change
        if self._stale:
            return True
        if collection_name in self._watched:
            return True
        return self._catch_all and not collection_name.startswith("_")

    async def jobs_for(self, ex: Executor, event: OutboxEvent) -> list[OutboxJob]:
        if event.collection == WEBHOOKS:
            await self._webhook_changed(ex, event)
            return []
        if event.collection == DELIVERIES:
            return []
        if self._stale:
            await self._load(ex)
        action = _ACTIONS.get(event.type, "")
        body = event.body()
        return [delivery_job(h.id, event.id, body) for h in self._hooks if h.takes(event.collection, action)]

    async def _load(self, ex: Executor) -> None:
        generation = self._wanted
        collection = self.registry.find_collection(WEBHOOKS)
        records = await find_all(ex, collection) if collection is not None else []
        hooks = tuple(
            _Hook(r.id, frozenset(_names(r.data.get("collections"))), frozenset(r.data.get("events") or ()))
            for r in records
            if r.data.get("active")
        )
        self._hooks = hooks
        self._watched = frozenset(name for h in hooks for name in h.collections)
        self._catch_all = any(not h.collections for h in hooks)
        self._loaded = generation

    async def _webhook_changed(self, ex: Executor, event: OutboxEvent) -> None:
        if event.type != "record.deleted":
            _check(event)
        # every process (this one included, once committed) reads the webhooks again
        await self.stamp.bump(ex, "outbox")
        ex.on_commit(self.invalidate)


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _check(event: OutboxEvent) -> None:
    record = event.record
    message = "Failed to create record." if event.type == "record.created" else "Failed to update record."
    errors: dict[str, Any] = {}
    url = str(record.get("url") or "")
    try:
        parts = urlsplit(url)
        valid_url = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid_url = False
    if not valid_url:
        errors["url"] = field_error("validation_invalid_url", "Must be an http or https URL.")
    if not record.get("secret"):  # generated on create; an update may not blank it
        errors["secret"] = field_error("validation_required", "Cannot be blank.")
    names = record.get("collections")
    if names is not None and not (isinstance(names, list) and all(isinstance(n, str) for n in names)):
        errors["collections"] = field_error(
            "validation_invalid_collections", "Must be a list of collection names."
        )
    if errors:
        raise ValidationError(errors, message)
