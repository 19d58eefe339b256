"""The node's realtime clients: registering them and their subscriptions.

Every transport goes through here, so the same checks hold on SSE, WebSocket and long polling:
PocketBase's limits and a parsed filter for each subscription (400). A change that does not fit
changes nothing.
"""

from __future__ import annotations

from bastion.errors import BadRequestError, ValidationError
from bastion.realtime.client_state import RealtimeClient
from bastion.realtime.subscription_topics import SubscriptionOptions
from bastion.realtime.subscription_validation import (
    check_filters,
    parse_subscriptions,
    subscription_errors,
)


class ClientRegistry:
    def __init__(self) -> None:
        self.clients: dict[str, RealtimeClient] = {}

    # ---- clients ----------------------------------------------------------------------------

    def register(self, ip: str = "", *, streaming: bool = True) -> RealtimeClient:
        client = RealtimeClient(ip=ip, streaming=streaming)
        self.clients[client.id] = client
        return client

    def unregister(self, client: RealtimeClient) -> None:
        client.discard()
        if self.clients.get(client.id) is client:
            del self.clients[client.id]

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
        check_filters(subs, wanted)
        client.subscriptions = wanted
