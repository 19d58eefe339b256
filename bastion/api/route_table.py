"""Every route Bastion serves, once, with what the layers around the handler need to know of it.

One entry per method and path, in the order Starlette tries them (the hottest first: health,
then record CRUD). Besides the handler, an entry says:

- `tags`: PocketBase's collection action tags (apis/record_crud.go, record_auth.go, file.go). The
  first names the action (`create`, `authWithPassword`); rate limits try `<collection>:<tag>`
  then `*:<tag>` for each (bastion/ratelimit), on the counter of `"METHOD path"`, PocketBase's
  route pattern, so the paths of routes PocketBase has are written as PocketBase writes them.
- `etag`: GET answers get an ETag and `If-None-Match` is answered 304 (bastion/http/conditional.py,
  applied by api/dispatch.py to this route alone).
- `file_uploads`: the body may carry files, so its size limit grows with the collection's file
  fields (api/asgi.py).
- `batch`: an /api/batch sub-request may name this route (api/batch.py resolves its urls here).
- `guarded`: `guard` wraps the handler (schema refresh, rate limits, PocketBase's error JSON);
  `refresh_schema=False` keeps the periodic schema check (a database read) off a liveness probe.

A GET route also takes HEAD (Starlette adds it); its tags and label stay those of the GET, as the
method is part of PocketBase's pattern.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

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
    record_auth_otp,
    record_impersonate,
    records,
    rules_check,
    settings,
    settings_mail,
    settings_s3,
)
from bastion.api.route_spec import ApiRoute


def _get(path: str, handler: Callable[..., Awaitable[Any]], *tags: str, **kw: Any) -> ApiRoute:
    return ApiRoute("GET", path, handler, tags, **kw)


def _post(path: str, handler: Callable[..., Awaitable[Any]], *tags: str, **kw: Any) -> ApiRoute:
    return ApiRoute("POST", path, handler, tags, **kw)


def _patch(path: str, handler: Callable[..., Awaitable[Any]], *tags: str, **kw: Any) -> ApiRoute:
    return ApiRoute("PATCH", path, handler, tags, **kw)


def _put(path: str, handler: Callable[..., Awaitable[Any]], *tags: str, **kw: Any) -> ApiRoute:
    return ApiRoute("PUT", path, handler, tags, **kw)


def _delete(path: str, handler: Callable[..., Awaitable[Any]], *tags: str, **kw: Any) -> ApiRoute:
    return ApiRoute("DELETE", path, handler, tags, **kw)


_RECORD_ROUTES = (
    _get("/api/collections/{collection}/records", records.list_records, "list"),
    _post(
        "/api/collections/{collection}/records",
        records.create_record,
        "create",
        file_uploads=True,
        batch=True,
    ),
    _get("/api/collections/{collection}/records/{id}", records.view_record, "view", etag=True),
    _patch(
        "/api/collections/{collection}/records/{id}",
        records.update_record,
        "update",
        file_uploads=True,
        batch=True,
    ),
    _delete("/api/collections/{collection}/records/{id}", records.delete_record, "delete", batch=True),
)

BATCH_ROUTES: dict[str, ApiRoute] = {route.action: route for route in _RECORD_ROUTES if route.batch}
"""The routes a batch sub-request may name, by action (`create`, `update`, `delete`)."""

ROUTES: tuple[ApiRoute, ...] = (
    # WebSockets first: their errors are close frames, never guard's JSON
    ApiRoute(
        "GET", "/api/realtime/ws", realtime_ws.realtime_ws, guarded=False, websocket=True, name="realtime_ws"
    ),
    # Liveness stays shallow (as PocketBase's): without a token it never touches the database, not
    # even for the periodic schema check, so a database outage never fails it; /api/ready is deep.
    _get("/api/health", health.health, refresh_schema=False),
    *_RECORD_ROUTES,
    _get("/api/collections", collections.list_collections),
    _post("/api/collections", collections.create_collection),
    _put("/api/collections/import", collections.import_collections),
    _get("/api/collections/meta/scaffolds", collections.scaffolds),
    _delete("/api/collections/{collection}/truncate", collections.truncate_collection),
    _get("/api/collections/{collection}", collections.view_collection),
    _patch("/api/collections/{collection}", collections.update_collection),
    _delete("/api/collections/{collection}", collections.delete_collection),
    _get("/api/collections/{collection}/auth-methods", record_auth.auth_methods, "listAuthMethods"),
    _post(
        "/api/collections/{collection}/auth-with-password",
        record_auth.auth_with_password,
        "authWithPassword",
        "auth",
    ),
    _post("/api/collections/{collection}/auth-refresh", record_auth.auth_refresh, "authRefresh"),
    _post("/api/collections/{collection}/request-otp", record_auth_otp.request_otp, "requestOTP"),
    _post(
        "/api/collections/{collection}/auth-with-otp", record_auth_otp.auth_with_otp, "authWithOTP", "auth"
    ),
    # Bastion's TOTP factor: a sign-in route like the others, so `*:auth` (and the baseline) cover it
    _post(
        "/api/collections/{collection}/auth-with-totp", record_auth_otp.auth_with_totp, "authWithTOTP", "auth"
    ),
    _post("/api/collections/{collection}/totp-setup", record_auth_otp.totp_setup),
    _post("/api/collections/{collection}/totp-confirm", record_auth_otp.totp_confirm),
    _get("/api/collections/{collection}/totp", record_auth_otp.totp_status),
    _delete("/api/collections/{collection}/totp", record_auth_otp.totp_remove),
    _post("/api/collections/{collection}/impersonate/{id}", record_impersonate.impersonate),
    _post(
        "/api/collections/{collection}/request-verification",
        record_auth_flows.request_verification,
        "requestVerification",
    ),
    _post(
        "/api/collections/{collection}/confirm-verification",
        record_auth_flows.confirm_verification,
        "confirmVerification",
    ),
    _post(
        "/api/collections/{collection}/request-password-reset",
        record_auth_flows.request_password_reset,
        "requestPasswordReset",
    ),
    _post(
        "/api/collections/{collection}/confirm-password-reset",
        record_auth_flows.confirm_password_reset,
        "confirmPasswordReset",
    ),
    _post(
        "/api/collections/{collection}/request-email-change",
        record_auth_flows.request_email_change,
        "requestEmailChange",
    ),
    _post(
        "/api/collections/{collection}/confirm-email-change",
        record_auth_flows.confirm_email_change,
        "confirmEmailChange",
    ),
    _post(
        "/api/collections/{collection}/auth-with-oauth2",
        record_auth_oauth2.auth_with_oauth2,
        "authWithOAuth2",
        "auth",
    ),
    _get("/api/oauth2-redirect", record_auth_oauth2.oauth2_redirect),
    _post("/api/oauth2-redirect", record_auth_oauth2.oauth2_redirect),
    _post("/api/files/token", files.file_token),
    _get("/api/files/{collection}/{recordId}/{filename}", files.download, "file"),
    _post("/api/batch", batch.handler(BATCH_ROUTES)),
    _get("/api/settings", settings.get_settings),
    _patch("/api/settings", settings.update_settings),
    _post("/api/settings/test/email", settings_mail.send_test_email),
    _post("/api/settings/test/s3", settings_s3.test_s3),
    _get("/api/logs", logs.list_logs),
    _delete("/api/logs", logs.delete_logs),
    _get("/api/logs/stats", logs.logs_stats),
    _get("/api/logs/{id}", logs.view_log),
    _get("/api/realtime", realtime.connect, name="realtime_connect"),
    _post("/api/realtime", realtime.set_subscriptions, name="realtime_subscribe"),
    _post("/api/realtime/poll", realtime_poll.poll, name="realtime_poll"),
    _post("/api/bastion/rules/check", rules_check.check_rule),
    _get("/api/bastion/installer", installer.check_link),
    _post("/api/bastion/installer", installer.create_first_superuser),
    _get("/_", admin_ui.redirect_root),
    _get("/_/", admin_ui.serve),
    _get("/_/{path:path}", admin_ui.serve),
    # a probe neither waits on the schema check nor is rate limited
    _get("/api/ready", ready.ready, guarded=False),
)
