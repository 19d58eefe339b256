"""The ASGI application: routes, error rendering, start-up/shutdown, and the HTTP middleware stack."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bastion import ratelimit, rules
from bastion.api import (
    admin_ui,
    batch,
    collections,
    files,
    health,
    installer,
    logs,
    ready,
    realtime,
    realtime_poll,
    realtime_ws,
    record_auth,
    record_auth_flows,
    record_auth_oauth2,
    records,
    rules_check,
    settings,
    settings_mail,
    settings_s3,
)
from bastion.api.database_faults import database_fault_response
from bastion.api.dispatch import RouteDispatcher
from bastion.api.http_policy import timing_for_superusers, trusted_proxy_source
from bastion.app import App
from bastion.errors import ApiError, BadRequestError, NotFoundError
from bastion.http.errors import error_response, render_unexpected
from bastion.http.request_log import note_error
from bastion.http.stack import HttpSettings, build_middleware_stack
from bastion.logs import AppLogSink
from bastion.obs import segment_timing
from bastion.store.errors import DatabaseUnavailable, InvalidValueError

log = logging.getLogger("bastion.api")
Handler = Callable[[Request], Awaitable[Response]]


def guard(handler: Handler) -> Handler:
    """Render every failure as PocketBase's error JSON; never let a traceback or SQL reach a client."""

    refresh = getattr(handler, "reads_schema", True)  # False: never waits on the database first

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        bound = segment_timing.bind(request.scope.get("state", {}).get("timings"))
        try:
            app = request.app.state.bastion
            if refresh:
                await app.refresh_if_stale()
            await ratelimit.check_request(app, request)
            return await handler(request)
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


def _routes() -> list[BaseRoute]:
    out: list[BaseRoute] = list(realtime_ws.routes)  # WebSockets: their errors are close frames
    # Starlette tries routes in order, so the hottest (health, record CRUD) come first.
    for module in (
        health,
        records,
        collections,
        record_auth,
        record_auth_flows,
        record_auth_oauth2,
        files,
        batch,
        settings,
        settings_mail,
        settings_s3,
        logs,
        realtime,
        realtime_poll,
        rules_check,
        installer,
        admin_ui,
    ):
        for route in module.routes:
            out.append(
                Route(route.path, guard(route.endpoint), methods=list(route.methods or []), name=route.name)
            )
    out += ready.routes  # unguarded: a probe neither waits on the schema check nor is rate limited
    return out


async def _not_found(request: Request, exc: Exception) -> Response:
    """Every request no route takes, a known path with another method included, gets PocketBase's 404.

    PocketBase's router ends in a catch-all route, so it never answers 405; a GET (or HEAD) falls to
    its public-files handler, hence "File not found." for those.
    """
    err = NotFoundError("File not found.") if request.method in ("GET", "HEAD") else NotFoundError()
    return error_response(err, request.headers.get("accept"))


_RECORD_WRITE = re.compile(r"^/api/collections/([^/]+)/records(?:/[^/]+)?/?$")


def _record_body_limit(app: App, scope: dict[str, Any]) -> int | None:
    """Record writes may carry files: the base limit plus each file field's most (as PocketBase)."""
    if scope.get("method") not in ("POST", "PATCH", "PUT"):
        return None
    match = _RECORD_WRITE.match(scope.get("path", ""))
    if match is None or app.config.max_body_bytes <= 0:
        return None
    collection = app.registry.find_collection(unquote(match.group(1)))
    if collection is None or collection.is_view:
        return None
    extra = sum(f.max_body_size() for f in collection.fields if f.type == "file")  # type: ignore[attr-defined]
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
        try:
            yield
        finally:
            if manage_lifecycle:
                await app.stop()

    starlette = Starlette(
        routes=_routes(),
        lifespan=lifespan,
        exception_handlers={HTTPException: _not_found, 404: _not_found, 405: _not_found},
    )
    starlette.state.bastion = app
    starlette.router.redirect_slashes = False  # PocketBase answers `/api/health/` 404, not a redirect
    cfg = app.config
    http_settings = HttpSettings(
        allowed_origins=[o.strip() for o in cfg.allowed_origins.split(",") if o.strip()] or ["*"],
        trusted_proxies=[p.strip() for p in cfg.trusted_proxies.split(",") if p.strip()],
        trusted_proxy_settings=trusted_proxy_source(app),
        server_timing_to=timing_for_superusers,
        max_body_bytes=cfg.max_body_bytes,
        request_log=AppLogSink(app),
        body_limit_for=functools.partial(_record_body_limit, app),
    )
    return build_middleware_stack(RouteDispatcher(starlette), http_settings)
