"""The routes hook files add (`@hooks.route`), answered as the table's routes are.

A request no built-in route takes (api/dispatch.py found nothing) is tried here before the 404:
so a built-in route always wins over a hook route on the same method and path (a hook route that
a built-in one hides is named in a warning when the routes are built), and a request to a
built-in route never pays for the hooks. Each hook route is wrapped by the same `guard` as a
built-in one (schema refresh, rate limits, PocketBase's error JSON) and sits behind the same
middleware (request log, body limit, CORS …); its handler gets the caller's auth resolved from
the token as `load_access` resolves it for the record routes.

The routes follow the App's current hook registry: a `--dev` reload replaces them at the next
request.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bastion.api import route_table
from bastion.api.context import JSONResponse, get_app, load_access, read_body
from bastion.api.route_spec import ApiRoute, route_for, whole_path_route
from bastion.app import App
from bastion.hooks import HookRegistry, HookRoute, Reply, RouteEvent, call_hook

log = logging.getLogger("bastion.api")

Endpoint = Callable[[Request], Awaitable[Response]]
Guard = Callable[[Endpoint, ApiRoute], Endpoint]


class HookRoutes:
    def __init__(self, app: App, guard: Guard) -> None:
        self.app = app
        self.guard = guard
        self._built_for: HookRegistry | None = None
        self._routes: tuple[ApiRoute, ...] = ()

    def find(self, method: str, path: str) -> tuple[Endpoint, dict[str, Any]] | None:
        """The guarded handler of the hook route that takes `method path`, and its parameters."""
        registry = self.app.hooks
        if registry is not self._built_for:
            self._build(registry)
        if not self._routes:
            return None
        found = whole_path_route(self._routes, "GET" if method == "HEAD" else method, path)
        if found is None:
            return None
        route, params = found
        return route.handler, params

    def _build(self, registry: HookRegistry) -> None:
        routes: list[ApiRoute] = []
        for hook_route in registry.routes:
            shadow = route_for(route_table.ROUTES, hook_route.method, hook_route.path)
            if shadow is not None:
                log.warning(
                    "the hook route %s %s (%s) is never answered: the built-in route %s %s takes it",
                    hook_route.method,
                    hook_route.path,
                    hook_route.hook.where,
                    shadow[0].method,
                    shadow[0].path,
                )
                continue
            spec = ApiRoute(hook_route.method, hook_route.path, _endpoint(hook_route))
            routes.append(ApiRoute(spec.method, spec.path, self.guard(spec.handler, spec)))
        self._routes = tuple(routes)
        self._built_for = registry


def _endpoint(hook_route: HookRoute) -> Endpoint:
    hook = hook_route.hook

    async def endpoint(request: Request) -> Response:
        access = await load_access(request)
        event = RouteEvent(
            app=get_app(request),
            method=request.method,
            path=request.url.path,
            path_params=dict(request.path_params),
            query=access.query,
            headers=dict(request.headers),  # names in lower case
            auth=access.auth,
            request=request,
            _body=lambda: read_body(request),
        )
        return _response(await call_hook(hook, event))

    endpoint.__name__ = endpoint.__qualname__ = f"hook_route_{hook.name}"
    return endpoint


def _response(result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if result is None:
        return Response(status_code=204)
    if isinstance(result, Reply):
        if result.body is None:
            return Response(status_code=result.status, headers=result.headers)
        return JSONResponse(result.body, status_code=result.status, headers=result.headers)
    return JSONResponse(result)
