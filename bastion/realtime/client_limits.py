"""What one realtime client, and one client address, may hold on a node.

Per client the limits are PocketBase's (`POST /api/realtime`: at most 1,000 subscriptions of at
most 2,500 characters) plus its 200-expression cap on a filter, checked when a subscription is
set (bastion/realtime/subscription_validation.py). Those alone bound nothing: an anonymous caller
can open as many clients as it likes (one long-poll request each), and each full one held about
7 MB and cost its filters' work on every event. So each address also has a budget, counted by the
hub across all its clients (bastion/realtime/address_quota.py). The budgets are per process: a
node with several workers allows each worker as much.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RealtimeLimits:
    max_clients_per_ip: int = 500
    """Open clients (SSE streams, WebSockets, long-poll ids) per address. A browser tab holds one
    stream per SDK instance, so 500 leaves room for an office or school behind one NAT address
    while one host cannot hold thousands of connections and outboxes."""
    max_subscriptions_per_ip: int = 2000
    """Subscriptions held by all clients of an address together: two full PocketBase clients'
    worth. Bounds their memory (at most 2,500 characters each) and the per-event rendering."""
    max_filter_chars_per_ip: int = 20_000
    """Characters of distinct `filter` options per client, summed over an address's clients.
    Every filter is parsed when subscribed and judged on every event it could match, so this
    bounds both the parsing a request can cause and the filter work an address adds to a fan-out."""
    poll_idle_timeout: float = 60.0
    """Seconds after its last poll when a long-polling client is forgotten (its next poll gets
    404). The hub sweeps on a timer, so an idle client goes whether or not events arrive."""
    idle_timeout: float = 5 * 60.0
    """Seconds an SSE stream without any event, or a WebSocket without any client message, stays
    open (PocketBase: 5 minutes for SSE); the SDKs reconnect on their own."""

    @property
    def sweep_interval(self) -> float:
        """How often the hub looks for idle poll clients: a quarter of the timeout, so one
        outlives its timeout by at most a quarter (and never more than 15 s)."""
        return min(max(self.poll_idle_timeout / 4, 0.01), 15.0)

    @classmethod
    def from_config(cls, config: Any) -> RealtimeLimits:
        return cls(
            max_clients_per_ip=config.realtime_max_clients_per_ip,
            max_subscriptions_per_ip=config.realtime_max_subscriptions_per_ip,
            max_filter_chars_per_ip=config.realtime_max_filter_chars_per_ip,
            poll_idle_timeout=config.realtime_poll_idle_timeout,
            idle_timeout=config.realtime_idle_timeout,
        )
