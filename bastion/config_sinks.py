"""The `event_sinks` setting: which record events go to which message broker.

In the config file it is an array of tables; in the environment (BASTION_EVENT_SINKS) the same as
JSON. Each sink is checked at start, and an error names the setting, the sink and the key:

    [[event_sinks]]
    name = "orders-to-rabbit"
    url = "amqp://guest:guest@127.0.0.1:5672/"
    target = "bastion.events"          # RabbitMQ: the exchange (durable, topic)
    collections = ["orders"]           # empty or absent: every collection but the system ones (_…)
    events = ["create", "update"]      # create, update, delete; empty or absent: all three

For NATS the target is `STREAM` or `STREAM:subject.prefix`; for Redis the stream key, with an
optional `max_len` (approximate MAXLEN). docs/event-sinks.md says the rest.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

# The broker each URL scheme names.
SCHEMES = {
    "amqp": "rabbitmq",
    "amqps": "rabbitmq",
    "nats": "nats",
    "tls": "nats",
    "redis": "redis",
    "rediss": "redis",
}
EVENTS = ("create", "update", "delete")
_ACTIONS = {"record.created": "create", "record.updated": "update", "record.deleted": "delete"}
_KEYS = {"name", "url", "target", "collections", "events", "max_len"}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_STREAM = re.compile(r"^[^.*>\s/\\]+$")  # JetStream stream names: no dots, wildcards, spaces, slashes
_SUBJECT = re.compile(r"^[^.*>\s]+(\.[^.*>\s]+)*$")


class SinkConfigError(ValueError):
    """An event sink's configuration cannot work; the message names the setting and the key."""


@dataclass(frozen=True)
class EventSinkConfig:
    name: str
    url: str
    target: str
    collections: tuple[str, ...] = ()  # empty: every collection not starting with "_"
    events: tuple[str, ...] = ()  # of EVENTS; empty: all
    max_len: int = 0  # Redis only: MAXLEN ~ on XADD; 0: unbounded

    @property
    def kind(self) -> str:
        """rabbitmq, nats or redis."""
        return SCHEMES[self.url.split("://", 1)[0].lower()]

    def takes_collection(self, collection: str) -> bool:
        """Whether some event of `collection` goes to this sink: a named collection, or, with no
        names, every collection but the system ones (`_…`), as for webhooks."""
        if self.collections:
            return collection in self.collections
        return not collection.startswith("_")

    def wants(self, collection: str, event_type: str) -> bool:
        """Whether a `record.created|updated|deleted` event of `collection` goes to this sink."""
        action = _ACTIONS.get(event_type)
        if action is None or (self.events and action not in self.events):
            return False
        return self.takes_collection(collection)


def parse_event_sinks(raw: Any, origin: str) -> list[EventSinkConfig]:
    """The sinks of a TOML array of tables, a JSON array (the environment), or already parsed
    ones (checked again); `origin` is how the user set it, for messages."""
    if isinstance(raw, str):
        if not raw.strip():
            return []
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise SinkConfigError(f"{origin} must be a JSON array of sink objects: {exc}") from None
    if not isinstance(raw, list | tuple):
        raise SinkConfigError(f"{origin} must be an array of tables (in TOML, [[event_sinks]])")
    sinks = [_one(item, f"{origin}[{i}]") for i, item in enumerate(raw)]
    seen: set[str] = set()
    for sink in sinks:
        if sink.name in seen:
            raise SinkConfigError(f"{origin}: two sinks are named {sink.name!r}; names must be unique")
        seen.add(sink.name)
    return sinks


def _one(item: Any, where: str) -> EventSinkConfig:
    if isinstance(item, EventSinkConfig):
        item = {
            "name": item.name,
            "url": item.url,
            "target": item.target,
            "collections": list(item.collections),
            "events": list(item.events),
            "max_len": item.max_len,
        }
    if not isinstance(item, dict):
        raise SinkConfigError(f"{where} must be a table with name, url and target")
    unknown = set(item) - _KEYS
    if unknown:
        raise SinkConfigError(
            f"{where} has unknown keys {', '.join(sorted(unknown))} (known: {', '.join(sorted(_KEYS))})"
        )
    for key in ("name", "url", "target"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise SinkConfigError(f"{where}.{key} is required (a non-empty string)")
    name, url, target = item["name"].strip(), item["url"].strip(), item["target"].strip()
    if not _NAME.match(name):
        raise SinkConfigError(f"{where}.name must be letters, digits, _ . - (up to 100), got {name!r}")
    where = f"{where} ({name})"
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in SCHEMES:
        raise SinkConfigError(f"{where}.url must start with amqp://, nats:// or redis://, got {url!r}")
    kind = SCHEMES[scheme]
    if kind == "nats":
        stream, _, prefix = target.partition(":")
        if not _STREAM.match(stream) or (prefix and not _SUBJECT.match(prefix)):
            raise SinkConfigError(
                f"{where}.target must be STREAM or STREAM:subject.prefix for NATS JetStream "
                f"(no spaces, wildcards, or dots in the stream name), got {target!r}"
            )
    collections = _strings(item.get("collections", []), f"{where}.collections")
    events = _strings(item.get("events", []), f"{where}.events")
    bad = [e for e in events if e not in EVENTS]
    if bad:
        raise SinkConfigError(f"{where}.events may hold create, update and delete, got {', '.join(bad)}")
    max_len = item.get("max_len", 0)
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 0:
        raise SinkConfigError(f"{where}.max_len must be a whole number, 0 or more, got {max_len!r}")
    if max_len and kind != "redis":
        raise SinkConfigError(f"{where}.max_len applies to Redis streams only")
    return EventSinkConfig(name, url, target, tuple(collections), tuple(events), max_len)


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) and v for v in value):
        raise SinkConfigError(f"{where} must be an array of names, got {value!r}")
    return list(value)
