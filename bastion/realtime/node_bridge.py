"""Record events between processes (workers, nodes): local events out to the pub/sub backend,
other processes' events in. It also starts the ClientRouter (client_router.py), which carries
requests about a client to the process holding it on a second subscription.

Out: the bus calls `_on_local` after each commit; the event is encoded and queued, and one task
publishes in commit order (a bounded queue: if the backend stalls, events are dropped with a
warning rather than held without limit). In: messages from other nodes are decoded and handed
to the hub, which checks rules and fans out exactly as for local events. A node's own messages
come back from the backend too and are skipped by their origin id: the origin delivered them
already, straight from its local bus. Only the hub gets remote events, never the local bus, so
side effects of a write (voiding OTPs, later webhooks) run once, on the node that wrote.

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
from typing import Any, cast

import msgspec

from bastion.bus.events import Action, RecordEvent
from bastion.bus.pubsub import PubSub, backend_kind
from bastion.bus.pubsub_open import node_pubsub_url, open_pubsub
from bastion.config import Config
from bastion.core.app_protocol import App
from bastion.realtime.client_router import ClientRouter
from bastion.realtime.hub import RealtimeHub
from bastion.realtime.record_wire import record_from_values, record_values
from bastion.store.params_table import read_or_add_param

log = logging.getLogger("bastion.realtime")

OUTGOING_LIMIT = 10_000
CHANNEL_PARAM = "realtime_channel"


class _Wire(msgspec.Struct):
    origin: str
    action: str
    collection: str  # id
    record: dict[str, Any]
    at: float = 0.0  # the commit's Unix time (RecordEvent.committed_at)


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
        self._outgoing: asyncio.Queue[bytes | None] = asyncio.Queue(OUTGOING_LIMIT)
        self._incoming: asyncio.Queue[bytes | None] = asyncio.Queue()
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
        return bridge

    async def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
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
        at = event.committed_at or time.time()
        wire = _Wire(self.node_id, event.action, record.collection.id, record_values(record), at)
        try:
            self._outgoing.put_nowait(_encoder.encode(wire))
        except asyncio.QueueFull:
            log.warning("realtime pub/sub backlog full: event not sent to other nodes")

    async def _send(self) -> None:
        while (payload := await self._outgoing.get()) is not None:
            try:
                await self.pubsub.publish(payload)
            except Exception:  # the backend is down: other nodes miss this event, this one goes on
                log.warning("realtime pub/sub publish failed", exc_info=True)

    # ---- in -----------------------------------------------------------------------------------

    async def _receive(self) -> None:
        while (payload := await self._incoming.get()) is not None:
            try:
                event = await self._decode(payload)
            except Exception:
                log.warning("realtime pub/sub message dropped", exc_info=True)
                continue
            if event is not None:
                self.hub.enqueue(event)

    async def _decode(self, payload: bytes) -> RecordEvent | None:
        wire = _decoder.decode(payload)
        if wire.origin == self.node_id or wire.action not in ("create", "update", "delete"):
            return None
        record = await record_from_values(self.app, wire.collection, wire.record)
        if record is None:
            return None
        action = cast(Action, wire.action)  # one of the three, checked above
        return RecordEvent(action, record, committed_at=wire.at)
