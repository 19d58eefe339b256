"""The gRPC methods of `bastion.v1.Records`: each reads its request into what the REST route would
have (the collection, an `Access` with the query, headers and body) and calls the same functions
the record routes call (api/records.py: list_page, view_one, create_one, update_one, delete_one),
so the rules, hooks, validation and events are the REST API's own. Subscribe is a realtime client
of the node's hub (bastion/realtime), as an SSE stream is: the same per-subscriber rule checks,
events from every process and node, and the same budgets per address.

Who is calling: the `authorization` metadata holds the token as the REST header does; the other
text metadata are the request headers `@request.headers.*` sees. The peer's address stands for
the client's (there is no proxy in front of gRPC to trust).

Rate limits: each call is checked as its REST twin would be (`Get` as `GET
/api/collections/{c}/records/{id}` with the `view` tag, `Subscribe` as `GET /api/realtime`),
against the same rules and the same counters, so switching protocol buys no extra budget.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import quote

import grpc
import msgspec
from google.protobuf import json_format

from bastion import ratelimit
from bastion.api import route_table
from bastion.api.grpc_messages import CLASSES
from bastion.api.records import collection_or_404, create_one, delete_one, list_page, update_one, view_one
from bastion.app import App
from bastion.auth.auth_record import auth_record_for_token, bearer_value
from bastion.bus import event_barrier
from bastion.core.record_access import SUPERUSER_ONLY, Access, access_rule, normalize_headers
from bastion.core.superuser_ips import NOT_ALLOWED, superuser_ip_allowed
from bastion.errors import ApiError, ForbiddenError, TooManyRequestsError, UnavailableError

# a Subscribe stream ends after this long (seconds), as an SSE stream does; clients subscribe again
MAX_STREAM_LIFETIME = 30 * 60.0
_SKIPPED_METADATA = frozenset({"authorization", "user-agent", "grpc-accept-encoding", "grpc-timeout"})


def peer_ip(context: grpc.aio.ServicerContext[Any, Any]) -> str:
    """`ipv4:127.0.0.1:5000` / `ipv6:[::1]:5000` -> the address alone."""
    peer = context.peer() or ""
    kind, _, rest = peer.partition(":")
    if kind not in ("ipv4", "ipv6"):
        return ""
    host = rest.rsplit(":", 1)[0]
    return host.strip("[]")


def _rest_limit(method: str, one: bool) -> ratelimit.RouteLimit | None:
    """The rate-limit tags of the record route a call stands for (api/route_table.py)."""
    path = "/api/collections/{collection}/records" + ("/{id}" if one else "")
    for route in route_table.ROUTES:
        if route.method == method and route.path == path:
            return route.limit
    raise LookupError(f"no record route {method} {path}")


_LIMITS = {
    (m, one): _rest_limit(m, one)
    for m, one in [("GET", False), ("POST", False), ("GET", True), ("PATCH", True), ("DELETE", True)]
}
REALTIME_PATH = "/api/realtime"


async def access_for(
    app: App,
    context: grpc.aio.ServicerContext[Any, Any],
    method: str,
    query: dict[str, Any],
    body: dict[str, Any] | None = None,
    *,
    collection: str,
    record_id: str = "",
    subscribe: bool = False,
) -> Access:
    """The caller as the REST API's `load_access` sees one: the token's record, the headers, the
    superuser address check; after the rate limits of the REST route the call stands for
    (`collection` as the call named it, `record_id` for a call on one record; `subscribe`: the
    realtime connection's)."""
    metadata = {k: v for k, v in (context.invocation_metadata() or ()) if isinstance(v, str)}
    auth = await auth_record_for_token(app, bearer_value(metadata.get("authorization", "")))
    client_ip = peer_ip(context)

    async def caller() -> Any:
        return auth

    if subscribe:
        await ratelimit.check_call(app, "GET", REALTIME_PATH, client_ip, caller)
    else:
        path = f"/api/collections/{collection}/records" + (f"/{record_id}" if record_id else "")
        limit = _LIMITS[(method, bool(record_id))]
        await ratelimit.check_call(app, method, path, client_ip, caller, limit, collection)
    headers = {k: v for k, v in metadata.items() if k not in _SKIPPED_METADATA and not k.endswith("-bin")}
    access = Access(
        auth=auth,
        method=method,
        query={k: v for k, v in query.items() if v not in ("", None)},
        headers=normalize_headers(headers),
        body=body or {},
        client_ip=client_ip,
    )
    if access.is_superuser and not superuser_ip_allowed(app.settings, access.client_ip):
        raise ForbiddenError(NOT_ALLOWED)
    return access


def struct_of(value: dict[str, Any]) -> Any:
    struct = CLASSES["RecordReply"]().record.__class__()
    struct.update(value)
    return struct


def dict_of(struct: Any) -> dict[str, Any]:
    """A Struct as the JSON body a REST client would send (numbers come as floats: JSON's own)."""
    out: dict[str, Any] = json_format.MessageToDict(struct)
    return out


async def _settled(app: App, work: Awaitable[Any]) -> Any:
    """As the REST routes' guard: the schema checked first, and with several processes, this
    call's events handed to the others before it is answered (bus/event_barrier.py)."""
    await app.refresh_if_stale()
    return await event_barrier.answered_after_events(app.events_cross_processes, work)


class RecordsService:
    """One App's implementation of the service's methods (api/grpc_server.py registers them)."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def get(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        app = self.app

        async def work() -> dict[str, Any]:
            collection = collection_or_404(app, request.collection)
            query = {"expand": request.expand, "fields": request.fields}
            access = await access_for(
                app, context, "GET", query, collection=request.collection, record_id=request.id
            )
            return await view_one(app, collection, request.id, access)

        return CLASSES["RecordReply"](record=struct_of(await _settled(app, work())))

    async def list(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        app = self.app

        async def work() -> dict[str, Any]:
            collection = collection_or_404(app, request.collection)
            query = {
                "filter": request.filter,
                "sort": request.sort,
                "page": str(request.page) if request.page else "",
                "perPage": str(request.per_page) if request.per_page else "",
                "skipTotal": "true" if request.skip_total else "",
                "expand": request.expand,
                "fields": request.fields,
            }
            access = await access_for(app, context, "GET", query, collection=request.collection)
            return await list_page(app, collection, access)

        page = await _settled(app, work())
        reply = CLASSES["ListReply"](
            page=page.get("page", 0),
            per_page=page.get("perPage", 0),
            total_items=page.get("totalItems", 0),
            total_pages=page.get("totalPages", 0),
        )
        for item in page.get("items", []):
            reply.items.add().update(item)
        return reply

    async def create(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        app = self.app

        async def work() -> dict[str, Any]:
            collection = collection_or_404(app, request.collection, "Missing or invalid collection context.")
            body = dict_of(request.record)
            query = {"expand": request.expand, "fields": request.fields}
            access = await access_for(app, context, "POST", query, body, collection=request.collection)
            return await create_one(app, collection, body, access)

        return CLASSES["RecordReply"](record=struct_of(await _settled(app, work())))

    async def update(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        app = self.app

        async def work() -> dict[str, Any]:
            collection = collection_or_404(app, request.collection, "Missing or invalid collection context.")
            body = dict_of(request.record)
            query = {"expand": request.expand, "fields": request.fields}
            access = await access_for(
                app, context, "PATCH", query, body, collection=request.collection, record_id=request.id
            )
            return await update_one(app, collection, request.id, body, access)

        return CLASSES["RecordReply"](record=struct_of(await _settled(app, work())))

    async def delete(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        app = self.app

        async def work() -> None:
            collection = collection_or_404(app, request.collection)
            access = await access_for(
                app, context, "DELETE", {}, collection=request.collection, record_id=request.id
            )
            await delete_one(app, collection, request.id, access)

        await _settled(app, work())
        return CLASSES["DeleteReply"]()

    async def subscribe(
        self, request: Any, context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Any]:
        """Record events of one collection (or one record, with `id`) as the realtime API sends
        them to this caller: the listRule (viewRule for one record) and `filter` checked per event.
        The initial metadata (`bastion-subscription`: the realtime client's id) is sent once the
        subscription holds."""
        app = self.app
        hub = app.realtime
        if hub is None or hub.closed:
            raise UnavailableError()
        await app.refresh_if_stale()
        collection = collection_or_404(app, request.collection)
        query = {"filter": request.filter, "expand": request.expand, "fields": request.fields}
        access = await access_for(app, context, "GET", query, collection=request.collection, subscribe=True)
        rule = "viewRule" if request.id else "listRule"
        if access_rule(collection.rule(rule), access).refused:
            raise ForbiddenError(SUPERUSER_ONLY)  # no event could ever pass: say so now
        # the metadata, as `@request.headers.*` sees them (an SSE subscription sends its own)
        options = json.dumps({"query": access.query, "headers": access.headers})
        topic = f"{collection.name}/{request.id or '*'}?options={quote(options)}"
        client = hub.register(ip=access.client_ip)
        try:
            client.auth = access.auth
            hub.set_subscriptions(client, [topic])
            # the client can wait for this (`initial_metadata()`) before writing: from here on
            # every event reaches the stream, as PB_CONNECT tells an SSE client
            await context.send_initial_metadata((("bastion-subscription", client.id),))
            # the call's own deadline, when the client set one (None without: typeshed says float)
            lifetime = min(MAX_STREAM_LIFETIME, context.time_remaining() or MAX_STREAM_LIFETIME)
            async for message in _messages(client.next_message, lifetime):
                event = msgspec.json.decode(message)
                yield CLASSES["RecordEvent"](
                    action=event.get("action", ""), record=struct_of(event["record"])
                )
            if client.overflowed:
                raise TooManyRequestsError("The stream fell too far behind its events and was dropped.")
            if client.shutting_down:
                raise UnavailableError()
        finally:
            hub.unregister(client)


async def _messages(next_message: Callable[[float], Awaitable[Any]], lifetime: float) -> AsyncIterator[bytes]:
    deadline = time.monotonic() + lifetime
    while (remaining := deadline - time.monotonic()) > 0:
        message = await next_message(remaining)
        if message is None:
            return  # discarded (slow, or the node stops) or past its lifetime
        yield message.data


def status_of(err: ApiError) -> grpc.StatusCode:
    """The gRPC status for the REST API's error (its HTTP status)."""
    return _STATUS.get(err.status, grpc.StatusCode.UNKNOWN)


_STATUS = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    401: grpc.StatusCode.UNAUTHENTICATED,
    403: grpc.StatusCode.PERMISSION_DENIED,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ABORTED,
    412: grpc.StatusCode.FAILED_PRECONDITION,
    413: grpc.StatusCode.RESOURCE_EXHAUSTED,
    429: grpc.StatusCode.RESOURCE_EXHAUSTED,
    503: grpc.StatusCode.UNAVAILABLE,
}
