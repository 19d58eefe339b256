"""The node's realtime clients: registering them, their subscriptions, and forgetting idle ones.

Every transport goes through here, so the same checks hold on SSE, WebSocket and long polling:
PocketBase's limits and a parsed filter for each subscription (400), and per-address budgets of
clients, subscriptions and filter characters (429; bastion/realtime/client_limits.py). A change
that does not fit changes nothing. Long-polling clients hold no connection, so a timer sweeps
those that stopped polling; streams end on their own (idle timeouts, disconnects).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from bastion.errors import BadRequestError, ValidationError
from bastion.obs.metrics import REALTIME_CLIENTS
from bastion.realtime.address_quota import AddressQuota, address_key
from bastion.realtime.client_limits import RealtimeLimits
from bastion.realtime.client_state import RealtimeClient, new_client_id, new_process_id
from bastion.realtime.poll_buffer import is_stale
from bastion.realtime.subscription_topics import SubscriptionOptions
from bastion.realtime.subscription_validation import (
    charge_of,
    check_filters,
    parse_subscriptions,
    subscription_errors,
)


class ClientRegistry:
    def __init__(self, limits: RealtimeLimits) -> None:
        self.limits = limits
        # begins every client id: which process holds the client (client_state.new_client_id)
        self.process_id = new_process_id()
        self.quota = AddressQuota(limits)
        self.clients: dict[str, RealtimeClient] = {}
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    # ---- clients ----------------------------------------------------------------------------

    def register(self, ip: str = "", *, streaming: bool = True) -> RealtimeClient:
        """A new client from `ip`; TooManyRequestsError when that address holds its maximum."""
        key = address_key(ip)
        self.quota.admit(key)
        client = RealtimeClient(ip=ip, streaming=streaming, address=key, id=new_client_id(self.process_id))
        self.clients[client.id] = client
        REALTIME_CLIENTS.labels(_transport(client)).inc()
        return client

    def unregister(self, client: RealtimeClient) -> None:
        client.discard()
        if self.clients.get(client.id) is client:
            del self.clients[client.id]
            self.quota.release(client.address, client.charge)
            REALTIME_CLIENTS.labels(_transport(client)).dec()

    def find(self, client_id: str) -> RealtimeClient | None:
        client = self.clients.get(client_id)
        return None if client is None or client.discarded.is_set() else client

    # ---- subscriptions ----------------------------------------------------------------------

    def set_subscriptions(self, client: RealtimeClient, subs: list[str]) -> None:
        """Replace the client's subscriptions (SSE's POST, long polling)."""
        self._apply(client, subs, parse_subscriptions(subs))

    def add_subscriptions(self, client: RealtimeClient, subs: list[str]) -> None:
        """Add to the client's subscriptions (WebSocket); the whole set keeps PocketBase's limits."""
        wanted = {**client.subscriptions, **parse_subscriptions(subs)}
        errors = subscription_errors(list(wanted))
        if errors:
            raise ValidationError(errors, BadRequestError.default_message)
        self._apply(client, subs, wanted)

    def remove_subscriptions(self, client: RealtimeClient, subs: list[str] | None) -> None:
        """Drop the listed subscriptions (or every one on a listed topic); None drops all."""
        self._apply(client, [], client.without(subs))

    def _apply(self, client: RealtimeClient, subs: list[str], wanted: dict[str, SubscriptionOptions]) -> None:
        charge = charge_of(wanted)
        # the budget first: it bounds how much filter text the parsing below may cost
        self.quota.recharge(client.address, client.charge, charge)
        try:
            check_filters(subs, wanted)
        except ValidationError:
            self.quota.recharge(client.address, charge, client.charge)
            raise
        client.replace_subscriptions(wanted, time.time())
        client.charge = charge

    # ---- idle long-polling clients ----------------------------------------------------------

    def sweep(self, now: float | None = None) -> int:
        """Forget poll clients that stopped polling (and discarded ones); how many went."""
        now = time.monotonic() if now is None else now
        stale = [c for c in self.clients.values() if is_stale(c, now)]
        for client in stale:
            self.unregister(client)
        return len(stale)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.limits.sweep_interval)
            self.sweep()

    async def stop_sweeping(self) -> None:
        self._sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._sweeper


def _transport(client: RealtimeClient) -> str:
    return "stream" if client.streaming else "poll"
