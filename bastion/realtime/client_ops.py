"""What the process holding a realtime client does with a request about it, wherever the request
arrived: run here when the client is here, else sent over by client_router.py.

Each operation takes the hub, the client id, JSON arguments and the requester's auth record (the
request's own, loaded where it arrived), and returns a JSON value or raises ApiError, which
travels back to the requester as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bastion.core.record_model import Record
from bastion.errors import BadRequestError, ForbiddenError, NotFoundError, UnavailableError
from bastion.realtime import poll_buffer
from bastion.realtime.client_state import RealtimeClient
from bastion.realtime.hub import RealtimeHub

UNKNOWN_CLIENT = "Missing or invalid client id."
Operation = Callable[[RealtimeHub, str, dict[str, Any], Record | None], Awaitable[Any]]


def same_auth(a: Record | None, b: Record | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.id == b.id and a.collection.id == b.collection.id


def bind_client(hub: RealtimeHub, client_id: str, ip: str, auth: Record | None) -> RealtimeClient:
    """The client `client_id` names, bound to the requester's auth (as PocketBase binds it on the
    first subscription request)."""
    client = hub.find(client_id)
    if client is None:
        raise NotFoundError(UNKNOWN_CLIENT)
    # an extra guard against guessed client ids: the subscriber must come from the stream's address
    if client.ip and client.ip != ip:
        raise BadRequestError("Invalid realtime client.")
    if client.auth is not None and not same_auth(client.auth, auth):
        raise ForbiddenError("The current and the previous request authorization don't match.")
    client.auth = auth
    return client


async def set_subscriptions(
    hub: RealtimeHub, client_id: str, args: dict[str, Any], auth: Record | None
) -> None:
    """SSE's `POST /api/realtime`: bind the auth, replace the subscriptions (an empty list
    unsubscribes from everything)."""
    client = bind_client(hub, client_id, str(args.get("ip", "")), auth)
    hub.set_subscriptions(client, list(args.get("subscriptions") or []))


async def poll(hub: RealtimeHub, client_id: str, args: dict[str, Any], auth: Record | None) -> str:
    """A long poll (`POST /api/realtime/poll` with a `clientId`): the events after `cursor`,
    waiting up to `timeout` seconds for one; the JSON answer as text. While it waits the client
    counts as polling, so the idle sweep leaves it be whichever process the poll reached."""
    found = hub.find(client_id)
    if found is None or found.streaming:  # SSE and WebSocket clients are not polled
        raise NotFoundError(UNKNOWN_CLIENT)
    client = bind_client(hub, client_id, str(args.get("ip", "")), auth)
    # polls can go on for longer than a token lives: when this one expires (sent by the requester)
    client.auth_expires = float(args.get("authExpires") or 0) if auth is not None else 0.0
    if args.get("subscriptions") is not None:
        hub.set_subscriptions(client, list(args["subscriptions"]))
    cursor = int(args.get("cursor") or 0)
    wait = min(max(float(args.get("timeout") or 0), 0.0), poll_buffer.MAX_WAIT)
    events = await poll_buffer.take(client, cursor, wait, hub.limits.poll_idle_timeout)
    if client.discarded.is_set():
        hub.unregister(client)
        if client.shutting_down:
            raise UnavailableError()
        raise NotFoundError(UNKNOWN_CLIENT)  # fell too far behind: start over
    return poll_buffer.answer(client.id, cursor, events)


OPERATIONS: dict[str, Operation] = {"subscribe": set_subscriptions, "poll": poll}
# operations that may wait on the owner: it acknowledges them at once (client_router.py)
WAITING_OPERATIONS = frozenset({"poll"})
