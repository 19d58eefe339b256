"""The ASGI application: routes, error rendering, start-up/shutdown, and the HTTP middleware stack."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route, WebSocketRoute

from bastion import ratelimit, rules
from bastion.api import route_table, webhooks
from bastion.api.answer_cache import AnswerCache
from bastion.api.database_faults import database_fault_response
from bastion.api.dispatch import RouteDispatcher
from bastion.api.hook_routes import HookRoutes
from bastion.api.http_policy import timing_for_superusers, trusted_proxy_source
from bastion.api.metrics import RequestMetrics
from bastion.api.protobuf_answer import encode_answer
from bastion.api.route_spec import ApiRoute, route_for
from bastion.app import App
from bastion.bus import event_barrier
from bastion.core.fields import FileField
from bastion.errors import ApiError, BadRequestError, NotFoundError
from bastion.http.errors import error_response, render_unexpected
from bastion.http.request_log import note_error
from bastion.http.stack import HttpSettings, build_middleware_stack
from bastion.logs import AppLogSink
from bastion.obs import metrics, segment_timing, tracing
from bastion.store.auth_version import request_auth_version
from bastion.store.errors import DatabaseUnavailable, InvalidValueError

log = logging.getLogger("bastion.api")
GRPC_STOP_GRACE = 5.0  # seconds running gRPC calls get to finish when the worker stops
Handler = Callable[[Request], Awaitable[Response]]


def guard(handler: Handler, route: ApiRoute | None = None) -> Handler:
    """Render every failure as PocketBase's error JSON; never let a traceback or SQL reach a client.

    Before the handler: the periodic schema check (unless the route says not to wait on the
    database) and the rate limits, with the route's collection tags for the method they belong to.
    """

    refresh = route.refresh_schema if route is not None else True
    limit = route.limit if route is not None else None
    limit_method = route.method if route is not None else ""
    # a route naming a collection may name a webhook collection not installed yet (api/webhooks.py)
    names_collection = route is not None and "{collection}" in route.path

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        bound = segment_timing.bind(request.scope.get("state", {}).get("timings"))
        try:
            app = request.app.state.bastion
            # a version an earlier request of this task read is not this one's (in-process clients)
            request_auth_version.set(None)
            if refresh:
                await app.refresh_if_stale()
            await ratelimit.check_request(app, request, limit if request.method == limit_method else None)
            if names_collection and webhooks.names_webhooks(request.path_params.get("collection", "")):
                await webhooks.install_on_first_use(request)
            return await event_barrier.answered_after_events(app.events_cross_processes, handler(request))
        except ApiError as err:
            note_error(request.scope, err.message, err.data)
            return error_response(err, request.headers.get("accept"))
        except DatabaseUnavailable as exc:  # 503 + Retry-After, one throttled log line
            return database_fault_response(exc, request.scope, request.headers.get("accept"))
        except (rules.RuleSyntaxError, rules.RuleResolveError, InvalidValueError) as exc:
            bad = BadRequestError()
            note_error(request.scope, bad.message, str(exc))
            return error_response(bad, request.headers.get("accept"))
        except Exception as exc:
            log.exception("unhandled error", extra={"path": request.url.path, "method": request.method})
            # The request log (superusers only) gets what the client must not see, as PocketBase's.
            note_error(request.scope, "Something went wrong while processing your request.", repr(exc))
            return render_unexpected(None)
        finally:
            segment_timing.unbind(bound)
            await request.close()  # removes spooled multipart uploads from the temp dir

    return wrapped


def _starlette_route(route: ApiRoute) -> BaseRoute:
    if route.websocket:
        return WebSocketRoute(route.path, route.handler, name=route.name)
    endpoint = guard(route.handler, route) if route.guarded else route.handler
    return Route(route.path, endpoint, methods=[route.method], name=route.name)


async def _not_found(request: Request, exc: Exception) -> Response:
    """Every request no route takes, a known path with another method included, gets PocketBase's 404.

    PocketBase's router ends in a catch-all route, so it never answers 405; a GET (or HEAD) falls to
    its public-files handler, hence "File not found." for those.
    """
    err = NotFoundError("File not found.") if request.method in ("GET", "HEAD") else NotFoundError()
    return error_response(err, request.headers.get("accept"))


_UPLOAD_ROUTES = tuple(route for route in route_table.ROUTES if route.file_uploads)
_UNLIMITED_ROUTES = tuple(route for route in route_table.ROUTES if route.unlimited_body)
_SESSION_ROUTES = tuple(route for route in route_table.ROUTES if route.session)


def _session_route(method: str, path: str) -> str | None:
    """The sign-in routes whose answers a browser may keep as a cookie session (http/cookie_session.py)."""
    found = route_for(_SESSION_ROUTES, method, path)
    return found[0].session if found is not None else None


def _record_body_limit(app: App, scope: dict[str, Any]) -> int | None:
    """Record writes may carry files: the base limit plus each file field's most (as PocketBase);
    routes marked `unlimited_body` (a backup upload) have none."""
    method, path = scope.get("method", ""), scope.get("path", "")
    if route_for(_UNLIMITED_ROUTES, method, path) is not None:
        return 0
    found = route_for(_UPLOAD_ROUTES, method, path)
    if found is None or app.config.max_body_bytes <= 0:
        return None
    collection = app.registry.find_collection(unquote(found[1]["collection"]))
    if collection is None or collection.is_view:
        return None
    extra = sum(f.max_body_size() for f in collection.fields if isinstance(f, FileField))
    return app.config.max_body_bytes + extra if extra else None


def create_asgi_app(
    app: App, *, manage_lifecycle: bool = True, on_started: Callable[[], None] | None = None
) -> Any:
    """The ASGI app for `app`; `on_started` runs once the App has started (process tuning)."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if manage_lifecycle:
            await app.start()
        if on_started is not None:
            on_started()
        metrics.watch_pool(app.db)
        flushing = asyncio.create_task(metrics.flush_forever(), name="metrics flush")
        grpc_server = None
        if app.config.grpc and manage_lifecycle:
            from bastion.api.grpc_server import start_grpc  # grpcio: loaded only with --grpc

            grpc_server = (await start_grpc(app))[0]
        try:
            yield
        finally:
            if grpc_server is not None:
                await grpc_server.stop(min(app.config.shutdown_timeout, GRPC_STOP_GRACE))
            flushing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flushing
            if manage_lifecycle:
                await app.stop()
            metrics.process_exiting()
            metrics.watch_pool(None)
            tracing.flush()  # the spans still in the batch (the provider flushes again at exit)

    routes = [(_starlette_route(route), route) for route in route_table.ROUTES]
    starlette = Starlette(
        routes=[starlette_route for starlette_route, _ in routes],
        lifespan=lifespan,
        exception_handlers={HTTPException: _not_found, 404: _not_found, 405: _not_found},
    )
    starlette.state.bastion = app
    starlette.state.answers = AnswerCache()  # record reads kept while nothing commits (SQLite)
    starlette.router.redirect_slashes = False  # PocketBase answers `/api/health/` 404, not a redirect
    cfg = app.config
    http_settings = HttpSettings(
        allowed_origins=[o.strip() for o in cfg.allowed_origins.split(",") if o.strip()] or ["*"],
        trusted_proxies=[p.strip() for p in cfg.trusted_proxies.split(",") if p.strip()],
        trusted_proxy_settings=trusted_proxy_source(app),
        server_timing_to=timing_for_superusers,
        max_body_bytes=cfg.max_body_bytes,
        hsts=cfg.hsts,
        alt_svc=cfg.alt_svc.encode("ascii"),
        request_log=AppLogSink(app),
        body_limit_for=functools.partial(_record_body_limit, app),
        session_route=_session_route,
        observer=RequestMetrics(),
        # OpenTelemetry when the OTEL_* variables ask for it; each worker process sets up its own
        tracer=tracing.request_tracer() if tracing.setup() else None,
    )
    dispatcher = RouteDispatcher(
        starlette,
        etag_routes=[r for r, route in routes if route.etag],
        fallback=HookRoutes(app, guard).find,  # the hook files' routes (api/hook_routes.py)
        negotiated_routes=[r for r, route in routes if route.negotiated],
        protobuf_routes=[r for r, route in routes if route.protobuf],
        protobuf=encode_answer,
    )
    return build_middleware_stack(dispatcher, http_settings)
