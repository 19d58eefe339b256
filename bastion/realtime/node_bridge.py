"""Record events between processes (workers, nodes): every event goes through the pub/sub
backend, and every process delivers what comes back in the backend's order, its own events
included. It also starts the ClientRouter (client_router.py), which carries requests about a
client to the process holding it on a second subscription.

Out: the bus calls `_on_local` after each commit; the event is encoded and queued, and one task
publishes in commit order (a bounded queue: if the backend stalls, events are dropped with a
warning rather than held without limit). The request that caused the event waits until the
backend has taken it (bus/event_barrier.py), so a write answered before another one was sent is
delivered before it everywhere, wherever each was written. In: messages are handed to the hub,
which checks rules and fans out. A process's own events come back from the backend too and are
delivered then, in their place among the others' (the original event object, kept meanwhile;
one that does not come back within OWN_RETURN_WAIT, or that could not be published, is
delivered at once: late rather than lost). Only the hub gets events from here, never the local
bus, so side effects of a write (voiding OTPs, webhooks) run once, on the process that wrote.

The wire form carries the record's stored values (what the rules and the export need), without
`password`; the channel is named after a random id kept in the database, so every node on the
same database, and only those, share it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from dataclasses import replace
from typing import Any, cast

import msgspec

from bastion.bus import event_barrier
from bastion.bus.events import Action, RecordEvent
from bastion.bus.pubsub import PubSub, backend_kind
from bastion.bus.pubsub_open import node_pubsub_url, open_pubsub
from bastion.config import Config
from bastion.core.app_protocol import App
from bastion.obs import tracing
from bastion.realtime.client_router import ClientRouter
from bastion.realtime.hub import RealtimeHub
from bastion.realtime.record_wire import record_from_values, record_values
from bastion.store.params_table import read_or_add_param

log = logging.getLogger("bastion.realtime")

OUTGOING_LIMIT = 10_000
OWN_RETURN_WAIT = 2.0  # seconds an own event may take to come back before it is delivered anyway

_Outgoing = tuple[bytes, int, "asyncio.Future[None]"]  # payload, seq, resolved once published
CHANNEL_PARAM = "realtime_channel"


class _Wire(msgspec.Struct, omit_defaults=True):  # an empty traceparent is not sent
    origin: str
    action: str
    collection: str  # id
    record: dict[str, Any]
    at: float = 0.0  # the commit's Unix time (RecordEvent.committed_at)
    seq: int = 0  # the origin's count of its events: how its own come back to it
    tp: str = ""  # the write's W3C traceparent when traces are on: other nodes' fan-outs join it


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(_Wire)


async def cluster_channel(app: App) -> str:
    """The channel every node on this database uses (created by the first node to start)."""
    channel = await read_or_add_param(app.db, CHANNEL_PARAM, "bastion_" + secrets.token_hex(8))
    return "bastion" if channel is None else str(channel)


class NodeBridge:
    def __init__(self, app: App, hub: RealtimeHub, pubsub: PubSub) -> None:
        self.app = app
        self.hub = hub  # other nodes' events go here, never to the local bus
        self.pubsub = pubsub
        self.node_id = hub.process_id
        self.router: ClientRouter | None = None
        self._outgoing: asyncio.Queue[_Outgoing | None] = asyncio.Queue(OUTGOING_LIMIT)
        self._incoming: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._sequence = 0
        # this process's events on their way through the backend: seq -> (event, monotonic time)
        # own events sent, until they come back: (event, when sent, the write's trace context)
        self._own: dict[int, tuple[RecordEvent, float, Any]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: Any = None

    @staticmethod
    def needed(config: Config) -> bool:
        """Whether this process shares realtime with others: a pub/sub service is configured, or
        `serve` started an embedded broker for its workers."""
        return backend_kind(node_pubsub_url(config.realtime_pubsub)) != "memory"

    @classmethod
    async def start(cls, app: App, hub: RealtimeHub) -> NodeBridge:
        url = node_pubsub_url(app.config.realtime_pubsub)
        channel = await cluster_channel(app)
        bridge = cls(app, hub, open_pubsub(url, app.config.database_url))
        await bridge.pubsub.start(channel, bridge._incoming.put_nowait)
        # requests about clients held elsewhere travel on a second subscription: this process's inbox
        bridge.router = await ClientRouter.start(app, hub, open_pubsub(url, app.config.database_url), channel)
        loop = asyncio.get_running_loop()
        bridge._tasks = [loop.create_task(bridge._send()), loop.create_task(bridge._receive())]
        bridge._unsubscribe = app.bus.subscribe(bridge._on_local)
        hub.listen_to_bus(False)  # its own events now come back through the backend, in order
        return bridge

    async def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
            self.hub.listen_to_bus(True)
        for queue in (self._outgoing, self._incoming):
            with contextlib.suppress(asyncio.QueueFull):
                queue.put_nowait(None)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), 2)
        for task in self._tasks:
            task.cancel()
        if self.router is not None:
            await self.router.close()
        await self.pubsub.close()

    # ---- out ----------------------------------------------------------------------------------

    def _on_local(self, event: RecordEvent) -> None:
        record = event.record
        event = replace(event, committed_at=event.committed_at or time.time())
        self._sequence += 1
        seq = self._sequence
        wire = _Wire(
            self.node_id,
            event.action,
            record.collection.id,
            record_values(record),
            event.committed_at,
            seq,
            tracing.traceparent() or "",
        )
        published: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        try:
            self._outgoing.put_nowait((_encoder.encode(wire), seq, published))
        except asyncio.QueueFull:
            log.warning("realtime pub/sub backlog full: event not sent to other nodes")
            self.hub.enqueue(event)
            return
        self._own[seq] = (event, time.monotonic(), tracing.current())
        event_barrier.hold(published)

    async def _send(self) -> None:
        while (item := await self._outgoing.get()) is not None:
            payload, seq, published = item
            try:
                await self.pubsub.publish(payload)
            except Exception:  # the backend is down: other nodes miss this event, this one goes on
                log.warning("realtime pub/sub publish failed", exc_info=True)
                self._deliver_own(seq)
            finally:
                published.set_result(None)

    def _deliver_own(self, seq: int) -> None:
        own = self._own.pop(seq, None)
        if own is not None:
            self.hub.enqueue(own[0], own[2])

    def _deliver_overdue_own(self) -> None:
        """Own events that have not come back (a message the backend dropped): delivered now."""
        limit = time.monotonic() - OWN_RETURN_WAIT
        while self._own:
            seq, (_, sent, _) = next(iter(self._own.items()))  # the oldest first
            if sent > limit:
                break
            self._deliver_own(seq)

    # ---- in -----------------------------------------------------------------------------------

    async def _receive(self) -> None:
        while True:
            try:
                async with asyncio.timeout(OWN_RETURN_WAIT / 2):  # not wait_for: see client_router
                    payload = await self._incoming.get()
            except TimeoutError:
                self._deliver_overdue_own()
                continue
            if payload is None:
                return
            try:
                wire = _decoder.decode(payload)
                if wire.origin == self.node_id:
                    self._deliver_own(wire.seq)  # already delivered (overdue): nothing
                    continue
                event = await self._decode(wire)
            except Exception:
                log.warning("realtime pub/sub message dropped", exc_info=True)
                continue
            finally:
                self._deliver_overdue_own()
            if event is not None:
                self.hub.enqueue(event, tracing.context_from(wire.tp))

    async def _decode(self, wire: _Wire) -> RecordEvent | None:
        if wire.action not in ("create", "update", "delete"):
            return None
        record = await record_from_values(self.app, wire.collection, wire.record)
        if record is None:
            return None
        action = cast(Action, wire.action)  # one of the three, checked above
        return RecordEvent(action, record, committed_at=wire.at)
