"""Realtime: PocketBase's SSE protocol, subscriptions, and rule-checked fan-out of record events.

    client_state.py        one connection: id, auth, subscriptions, bounded outbox
    subscription_topics.py `collection/*` / `collection/ID` with `?options=` parsing
    record_visibility.py   list/view rule + subscription filter for one subscriber
    record_message.py      the per-subscriber payload (expand, fields, hidden fields, email)
    hub.py                 the node's clients and the fan-out worker
The HTTP side (GET/POST /api/realtime) is bastion/api/realtime.py.
"""

from __future__ import annotations

from typing import Any

from bastion.realtime.client_state import Message, RealtimeClient
from bastion.realtime.hub import RealtimeHub

__all__ = ["Message", "RealtimeClient", "RealtimeHub", "attach"]


def attach(app: Any) -> RealtimeHub:
    """Create the node's hub, subscribed to `app.bus`; called from App.start()."""
    return RealtimeHub(app)
