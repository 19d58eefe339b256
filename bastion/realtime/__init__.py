"""Realtime: subscriptions and rule-checked fan-out of record events (SSE, later WS/long-poll)."""

from __future__ import annotations

from typing import Any


class RealtimeHub:
    """Placeholder hub until the realtime transport lands: accepts no clients."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def close(self) -> None:
        return None


def attach(app: Any) -> RealtimeHub:
    """Create the node's hub, subscribed to `app.bus`; called from App.start()."""
    return RealtimeHub(app)
