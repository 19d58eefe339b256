"""The way into the routes: matched requests go straight to their handler.

Starlette's application wraps its router in two exception layers and each endpoint in two more
(`request_response`, `wrap_app_handling_exceptions`); every one is a coroutine frame and, for the
sending side, a closure per request. Bastion's handlers are all wrapped by `guard`, which already
turns every exception into an error response, so for a request that fully matches a route those
layers have nothing to do. `RouteDispatcher` asks the routes themselves, in the route list's order,
as Starlette's router does (`Route.matches`): the first full match (path and method) is called
directly. Anything else — no match, a wrong method (both answered PocketBase's 404 by
api/asgi.py), WebSockets, lifespan — goes to the Starlette app unchanged. Routes are tried only
for the methods they take (a route of another method could only match partially, which the
dispatcher never uses), and a route is asked only once its own compiled pattern matches the path:
the same answer as asking every route, at a fifth of the cost for a path no route takes (1.7
instead of 8 µs; about 1 µs to find `/api/health`, 1.6 µs a record view).

The matched route's pattern goes to `scope["state"]["route"]` (shared by the scope copies inner
layers make), where the request metrics read their `route` label (api/metrics.py); a hook file's
route is labelled `hook`.

The routes the table marks `etag` run inside `ConditionalGetMiddleware` (ETags, 304s): only they
pay for buffering the answer, and no path is matched a second time to find them. The routes it
marks `negotiated` run inside `MediaNegotiation` (JSON or MessagePack by Accept,
http/media_negotiation.py), outside the conditional layer, so ETags are hashed on the JSON; those
it marks `protobuf` also get the `protobuf` encoder (the record routes, api/protobuf_answer.py).

Routes are matched segment by segment as PocketBase's router does: an escaped slash (`%2F`) stays
inside its segment (see `_segment_path`).

Handlers get an `ApiRequest`: its query parameters keep the first value of a repeated name
(`?fields=id&fields=name` means `fields=id`), as PocketBase reads them (Go's `Query().Get`);
starlette's own keep the last.

Measured on `/api/health` in-process (the whole middleware stack, scratch harness that calls the
ASGI app in a loop): 6 µs less per request than Starlette's own dispatch. bench/dispatch_overhead.py
measures routing as it is.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette._utils import get_route_path  # routing.py's own import: not re-exported there
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route, WebSocketRoute

from bastion.http.asgi_headers import ASGIApp, Receive, Scope, Send, state_of
from bastion.http.conditional import ConditionalGetMiddleware
from bastion.http.media_negotiation import VARY_ACCEPT, MediaNegotiation, ProtobufEncoder

Endpoint = Callable[[Request], Awaitable[Response]]
# Routes added at run time (api/hook_routes.py): asked only for a request no route of the table takes
Fallback = Callable[[str, str], "tuple[Endpoint, dict[str, Any]] | None"]

HOOK_ROUTE = "hook"  # the metrics' route label of a hook file's route (its pattern is the hook's own)

_ESCAPED_SLASH = re.compile(rb"%2[Ff]")


def first_value_params(query_string: bytes) -> QueryParams:
    """The query's parameters with only the first value of each name (decoded as starlette does)."""
    if not query_string:
        return QueryParams()
    first: dict[str, str] = {}
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        first.setdefault(key, value)
    return QueryParams(list(first.items()))


class ApiRequest(Request):
    """A starlette Request whose `query_params` follow PocketBase: a repeated name's first value."""

    @property
    def query_params(self) -> QueryParams:
        params: QueryParams | None = self.__dict__.get("_query_params")
        if params is None:
            params = self._query_params = first_value_params(self.scope["query_string"])
        return params


def _segment_path(scope: Scope) -> str | None:
    """The path to route by when the raw path escapes a slash, else None (route by `path`).

    PocketBase's router (Go's) splits the path at its real slashes and unescapes each segment, so
    `/api/files/c/r/a%2Fb` reaches the file route with the name `a/b`, and `/api%2Fhealth` is no
    route at all. The server hands over `path` already unescaped, which loses that; here the
    segments are unescaped one by one with an inner slash kept as `%2F` (and `%` as `%25`), which
    route patterns never match across; `_find` turns them back in the parameters.
    """
    raw: bytes | None = scope.get("raw_path")
    if not raw or not _ESCAPED_SLASH.search(raw) or scope.get("root_path"):
        return None
    return "/".join(
        unquote_to_bytes(segment).decode("utf-8", "replace").replace("%", "%25").replace("/", "%2F")
        for segment in raw.split(b"/")
    )


class _Target:
    __slots__ = ("route", "path", "regex", "endpoint", "layers")

    def __init__(
        self, route: Route, etag: bool, negotiated: bool, protobuf: ProtobufEncoder | None = None
    ) -> None:
        self.route = route
        self.path = route.path
        self.regex = route.path_regex
        self.endpoint: Endpoint = route.endpoint
        # the route's own layers around its handler, or None (the handler is called directly)
        handler = _HandlerApp(self.endpoint, negotiated)
        layers: ASGIApp | None = ConditionalGetMiddleware(handler) if etag else None
        if negotiated:
            layers = MediaNegotiation(layers or handler, protobuf)
        self.layers = layers


class _HandlerApp:
    """A handler as an ASGI app, for the route's layers to wrap (the scope is already routed).

    Under `MediaNegotiation` it adds `Vary: Accept` to the handler's answer itself: a header on the
    response object costs less than a `send` wrapper on every JSON answer.
    """

    __slots__ = ("endpoint", "negotiated")

    def __init__(self, endpoint: Endpoint, negotiated: bool = False) -> None:
        self.endpoint = endpoint
        self.negotiated = negotiated

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.endpoint(ApiRequest(scope, receive, send))
        if self.negotiated:
            response.raw_headers.append(VARY_ACCEPT)
        await response(scope, receive, send)


class RouteDispatcher:
    def __init__(
        self,
        app: Starlette,
        etag_routes: Collection[BaseRoute] = (),
        fallback: Fallback | None = None,
        negotiated_routes: Collection[BaseRoute] = (),
        protobuf_routes: Collection[BaseRoute] = (),
        protobuf: ProtobufEncoder | None = None,
    ) -> None:
        self.app = app
        self.router = app.router
        self.fallback = fallback
        self._by_method: dict[str, list[_Target]] = {}
        for route in app.routes:
            if isinstance(route, WebSocketRoute):
                continue  # never matches an HTTP request
            if not isinstance(route, Route):
                break  # a mount or host route: from here on Starlette's router decides
            encoder = protobuf if route in protobuf_routes else None
            target = _Target(route, route in etag_routes, route in negotiated_routes, encoder)
            for method in route.methods or ():
                self._by_method.setdefault(method, []).append(target)

    def _find(self, scope: Scope, escaped: bool) -> tuple[_Target, dict[str, Any]] | None:
        path = get_route_path(scope)
        for target in self._by_method.get(scope["method"], ()):
            if target.regex.match(path) is None:
                continue  # the route's own compiled pattern: `matches` would answer NONE, at more cost
            match, child = target.route.matches(scope)
            if match is not Match.FULL:
                continue
            params: dict[str, Any] = child["path_params"]
            if escaped:
                for key, value in params.items():
                    if isinstance(value, str):
                        params[key] = value.replace("%2F", "/").replace("%25", "%")
            return target, params
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        segmented = _segment_path(scope)
        route_scope = scope if segmented is None else {**scope, "path": segmented}
        found = self._find(route_scope, segmented is not None)
        if found is None:
            extra = None
            if self.fallback is not None and segmented is None:
                extra = self.fallback(scope["method"], get_route_path(scope))
            if extra is None:
                # the 404s, rendered by Starlette on the same path (so `/api%2Fhealth` finds nothing there either)
                await self.app(route_scope, receive, send)
                return
            endpoint, params = extra
            layers, route = None, HOOK_ROUTE
        else:
            target, params = found
            endpoint, layers, route = target.endpoint, target.layers, target.path
        scope["app"] = self.app
        scope["router"] = self.router
        scope["endpoint"] = endpoint
        scope["path_params"] = params
        state_of(scope)["route"] = route
        if layers is not None:
            await layers(scope, receive, send)
            return
        request = ApiRequest(scope, receive, send)
        response = await endpoint(request)
        await response(scope, receive, send)
