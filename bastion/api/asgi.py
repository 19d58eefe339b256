"""The ASGI application: routes, error rendering, start-up/shutdown, and the HTTP middleware stack."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bastion import ratelimit, rules
from bastion.api import (
    admin_ui,
    batch,
    collections,
    health,
    realtime,
    record_auth,
    record_auth_flows,
    record_auth_oauth2,
    records,
    rules_check,
    settings,
    settings_mail,
)
from bastion.app import App
from bastion.errors import ApiError, BadRequestError, MethodNotAllowedError, NotFoundError
from bastion.http.errors import error_response, render_unexpected
from bastion.http.stack import HttpSettings, build_middleware_stack
from bastion.obs import segment_timing
from bastion.store.errors import InvalidValueError

log = logging.getLogger("bastion.api")
Handler = Callable[[Request], Awaitable[Response]]


def guard(handler: Handler) -> Handler:
    """Render every failure as PocketBase's error JSON; never let a traceback or SQL reach a client."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        bound = segment_timing.bind(request.scope.get("state", {}).get("timings"))
        try:
            app = request.app.state.bastion
            await app.refresh_if_stale()
            await ratelimit.check_request(app, request)
            return await handler(request)
        except ApiError as err:
            return error_response(err, request.headers.get("accept"))
        except (rules.RuleSyntaxError, rules.RuleResolveError, InvalidValueError):
            return error_response(BadRequestError(), request.headers.get("accept"))
        except Exception:
            log.exception("unhandled error", extra={"path": request.url.path, "method": request.method})
            return render_unexpected(None)
        finally:
            segment_timing.unbind(bound)

    return wrapped


def _routes() -> list[Route]:
    out = []
    for module in (
        health,
        collections,
        record_auth,
        record_auth_flows,
        record_auth_oauth2,
        records,
        batch,
        settings,
        settings_mail,
        realtime,
        rules_check,
        admin_ui,
    ):
        for route in module.routes:
            out.append(
                Route(route.path, guard(route.endpoint), methods=list(route.methods or []), name=route.name)
            )
    return out


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 404)
    err: ApiError = MethodNotAllowedError() if status == 405 else NotFoundError()
    return error_response(err, request.headers.get("accept"))


def create_asgi_app(app: App, *, manage_lifecycle: bool = True) -> Any:
    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if manage_lifecycle:
            await app.start()
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
    cfg = app.config
    http_settings = HttpSettings(
        allowed_origins=[o.strip() for o in cfg.allowed_origins.split(",") if o.strip()] or ["*"],
        trusted_proxies=[p.strip() for p in cfg.trusted_proxies.split(",") if p.strip()],
        max_body_bytes=cfg.max_body_bytes,
    )
    return build_middleware_stack(starlette, http_settings)
