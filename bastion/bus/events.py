"""Record events and the in-process bus that carries them to subscribers (realtime, later jobs).

Handlers publish only after the transaction commits, so a rolled-back write never emits. The bus
calls subscribers synchronously in order; a subscriber must not block (queue work and return).
Between nodes, a pub/sub backend forwards these same events (the realtime issue adds those).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the bus sits below core: it carries records without knowing them
    from bastion.core.record_model import Record

log = logging.getLogger("bastion.bus")

Action = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class RecordEvent:
    action: Action
    record: Record  # the record after the change (for delete: as it was)
    before: Record | None = None  # the record before an update
    # Unix time of the commit (0: not stamped yet; the realtime hub stamps local events as they
    # arrive, right after their commit, and events from other processes carry their writer's)
    committed_at: float = 0.0


Subscriber = Callable[[RecordEvent], None]


class EventBus:
    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def publish(self, event: RecordEvent) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(event)
            except Exception:  # one broken subscriber must not stop the others or the request
                log.exception("event subscriber failed", extra={"action": event.action})
