"""One realtime connection: its id, auth, subscriptions and a bounded outbox.

The outbox is bounded so a client that stops reading costs a fixed amount of memory: once it is
full the client is discarded (its stream ends and the SDK reconnects), never buffered further.
"""

from __future__ import annotations

import asyncio
import string
from dataclasses import dataclass, field
from typing import Any

from bastion.core.ids import random_string
from bastion.core.record_model import Record
from bastion.realtime.address_quota import Charge
from bastion.realtime.subscription_topics import SubscriptionOptions, parse_subscription

OUTBOX_SIZE = 1000
# Seconds an unsubscribed topic still receives the events committed before the unsubscribe: an
# event written on another process may still be on its way when the unsubscribe arrives here.
UNSUBSCRIBE_GRACE = 2.0
MAX_REMOVED = 1000  # PocketBase's subscriptions per client: the grace costs at most as much again
_ID_ALPHABET = string.ascii_letters + string.digits


PROCESS_ID_LENGTH = 8


def new_process_id() -> str:
    """The id a process puts at the start of its clients' ids (letters and digits)."""
    return random_string(PROCESS_ID_LENGTH, _ID_ALPHABET)


def new_client_id(process_id: str = "") -> str:
    """40 letters and digits, as PocketBase's; the first PROCESS_ID_LENGTH name the process that
    holds the client, so a request for it reaching another process can be sent there
    (bastion/realtime/client_router.py). Clients only ever compare the id as a string."""
    prefix = process_id or new_process_id()
    return prefix + random_string(40 - len(prefix), _ID_ALPHABET)


def owner_of(client_id: str) -> str:
    """The process id a client id starts with ("" when it cannot be one of ours)."""
    return client_id[:PROCESS_ID_LENGTH] if len(client_id) == 40 else ""


@dataclass(frozen=True)
class Message:
    name: str
    data: bytes


@dataclass
class RealtimeClient:
    ip: str = ""
    # False for long-polling clients, which hold no open connection between requests
    streaming: bool = True
    # the address whose budget the client counts against (bastion/realtime/address_quota.py)
    address: str = ""
    # what the client's subscriptions hold of that budget (kept in step by the hub)
    charge: Charge = field(default_factory=Charge)
    id: str = field(default_factory=new_client_id)
    auth: Record | None = None
    subscriptions: dict[str, SubscriptionOptions] = field(default_factory=dict)
    # subscriptions dropped in the last UNSUBSCRIBE_GRACE seconds, with the Unix time they went
    removed: dict[str, tuple[SubscriptionOptions, float]] = field(default_factory=dict)
    outbox: asyncio.Queue[Message] = field(default_factory=lambda: asyncio.Queue(OUTBOX_SIZE))
    discarded: asyncio.Event = field(default_factory=asyncio.Event)
    # set when the node shuts down: the stream ends with a `retry:` hint instead of silently
    shutting_down: bool = False
    # set when the outbox overflowed: the transport tells the client why it was dropped
    overflowed: bool = False
    # Unix time the client's token expires (WebSocket and long polling, whose sessions can outlive
    # a token); past it the hub treats the client as a guest. 0: no expiry tracked (SSE, guests).
    auth_expires: float = 0.0
    # long polling's numbered, unacknowledged events (bastion/realtime/poll_buffer.py)
    poll: Any = None
    # the transport's pending next_message(), resolved by send() and discard()
    _waiter: asyncio.Future[None] | None = field(default=None, repr=False)

    def set_subscriptions(self, subs: list[str]) -> None:
        """Replace the subscriptions unchecked: for the server's own topics (`@oauth2`). What a
        client asks for goes through the hub, which validates it and keeps the budgets."""
        self.subscriptions = {s: parse_subscription(s) for s in subs if s}

    def replace_subscriptions(self, wanted: dict[str, SubscriptionOptions], now: float) -> None:
        """Hold `wanted` from now on, remembering what was dropped for UNSUBSCRIBE_GRACE seconds."""
        if self.removed or any(s not in wanted for s in self.subscriptions):
            kept = {
                s: v for s, v in self.removed.items() if s not in wanted and now - v[1] < UNSUBSCRIBE_GRACE
            }
            gone = {s: (o, now) for s, o in self.subscriptions.items() if s not in wanted}
            removed = {**kept, **gone}
            if len(removed) > MAX_REMOVED:  # a client swapping subscriptions fast keeps the newest
                removed = dict(list(removed.items())[-MAX_REMOVED:])
            self.removed = removed
        self.subscriptions = wanted

    def subscriptions_at(self, committed_at: float) -> list[tuple[str, SubscriptionOptions]]:
        """The subscriptions an event committed at `committed_at` goes to: those held now, and
        those dropped after the commit (so the event of a write acknowledged before an
        unsubscribe is still delivered, whichever process wrote it)."""
        held = list(self.subscriptions.items())
        if self.removed:
            held += [(s, o) for s, (o, gone_at) in self.removed.items() if gone_at > committed_at]
        return held

    def without(self, subs: list[str] | None) -> dict[str, SubscriptionOptions]:
        """The subscriptions left after dropping the listed ones (exactly, or every one on that
        topic); None drops all."""
        if subs is None:
            return {}
        gone = set(subs)
        return {s: o for s, o in self.subscriptions.items() if s not in gone and o.topic not in gone}

    def send(self, message: Message) -> None:
        if self.discarded.is_set():
            return
        try:
            self.outbox.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed = True
            self.discard()  # a slow consumer is dropped rather than buffered without bound
            return
        self._wake()

    def discard(self) -> None:
        self.discarded.set()
        self._wake()

    async def next_message(self, timeout: float | None = None) -> Message | None:
        """The next queued message; None once the client is discarded or `timeout` passes idle.

        The transport waits on one bare future that `send`/`discard` resolve: no tasks are made
        per event, which is what makes fanning out to 10,000 streams affordable."""
        if not self.outbox.empty():
            return self.outbox.get_nowait()
        if self.discarded.is_set():
            return None
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = loop.call_later(timeout, _resolve, waiter) if timeout is not None else None
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()
        if self.discarded.is_set() or self.outbox.empty():
            return None
        return self.outbox.get_nowait()

    def _wake(self) -> None:
        if self._waiter is not None:
            _resolve(self._waiter)


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
