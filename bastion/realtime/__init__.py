"""Realtime: PocketBase's SSE protocol, subscriptions, and rule-checked fan-out of record events.

    client_state.py        one connection: id, auth, subscriptions, bounded outbox
    client_registry.py     the node's clients: register, subscribe (checked), sweep idle ones
    client_limits.py       per-client and per-address limits (from the config)
    address_quota.py       the per-address budgets (clients, subscriptions, filter characters)
    subscription_topics.py `collection/*` / `collection/ID` with `?options=` parsing
    subscription_validation.py  PocketBase's limits and parsed filters, before a client holds them
    record_visibility.py   list/view rule + subscription filter for one subscriber
    record_message.py      the per-subscriber payload (expand, fields, hidden fields, email)
    failure_log.py         one rate-limited line for subscribers the fan-out skipped
    hub.py                 the fan-out worker (a ClientRegistry)
    node_bridge.py         events to and from the other processes over the pub/sub
    client_router.py       requests about a client run by the process holding it
    client_ops.py          those requests' operations (set subscriptions, bind auth)
    record_wire.py         records as they travel between processes
The HTTP side (GET/POST /api/realtime) is bastion/api/realtime.py.
"""

from __future__ import annotations

from bastion.core.app_protocol import App
from bastion.realtime.client_limits import RealtimeLimits
from bastion.realtime.client_state import Message, RealtimeClient
from bastion.realtime.hub import RealtimeHub

__all__ = ["Message", "RealtimeClient", "RealtimeHub", "RealtimeLimits", "attach"]


def attach(app: App) -> RealtimeHub:
    """Create the node's hub, subscribed to `app.bus`, with the config's limits; called from
    App.start()."""
    return RealtimeHub(app, RealtimeLimits.from_config(app.config))
