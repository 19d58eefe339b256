"""Every route Bastion serves, once: method, path, handler, and what the layers around it need.

One entry per method and path, in the order Starlette tries them (the hottest first: health, then
record CRUD). The fields are explained on `ApiRoute` (api/route_spec.py): PocketBase's rate-limit
tags, ETags, file uploads, batch use, cookie sessions, and whether `guard` wraps the handler.
Everything else that needs to know a route asks this table: the dispatcher (api/dispatch.py), the
rate limiter (through `guard`), the body limit and the cookie sessions (api/asgi.py), batch
sub-requests (api/batch.py).
"""

from __future__ import annotations

from typing import Any

from bastion.api import (
    admin_ui,
    backups,
    batch,
    collections,
    crons,
    files,
    health,
    installer,
    jobs,
    logs,
    metrics,
    openapi,
    protobuf_answer,
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
    webhooks,
)
from bastion.api.route_spec import ApiRoute, Handler


def _get(path: str, handler: Handler, *tags: str, **kw: Any) -> ApiRoute:
    return ApiRoute("GET", path, handler, tags, **kw)


def _post(path: str, handler: Handler, *tags: str, **kw: Any) -> ApiRoute:
    return ApiRoute("POST", path, handler, tags, **kw)


def _patch(path: str, handler: Handler, *tags: str, **kw: Any) -> ApiRoute:
    return ApiRoute("PATCH", path, handler, tags, **kw)


def _put(path: str, handler: Handler, *tags: str, **kw: Any) -> ApiRoute:
    return ApiRoute("PUT", path, handler, tags, **kw)


def _delete(path: str, handler: Handler, *tags: str, **kw: Any) -> ApiRoute:
    return ApiRoute("DELETE", path, handler, tags, **kw)


C = "/api/collections/{collection}"  # the prefix of every collection route

# fmt: off
_RECORD_ROUTES = (
    _get(f"{C}/records", records.list_records, "list", negotiated=True, protobuf=True),
    _post(f"{C}/records", records.create_record, "create", file_uploads=True, batch=True, negotiated=True, protobuf=True),
    _get(f"{C}/records/{{id}}", records.view_record, "view", etag=True, negotiated=True, protobuf=True),
    _patch(f"{C}/records/{{id}}", records.update_record, "update", file_uploads=True, batch=True, negotiated=True, protobuf=True),
    _delete(f"{C}/records/{{id}}", records.delete_record, "delete", batch=True, negotiated=True, protobuf=True),
)
# fmt: on

BATCH_ROUTES: dict[str, ApiRoute] = {route.action: route for route in _RECORD_ROUTES if route.batch}
"""The routes a batch sub-request may name, by action (`create`, `update`, `delete`)."""

# fmt: off
ROUTES: tuple[ApiRoute, ...] = (
    # WebSockets first: their errors are close frames, never guard's JSON
    ApiRoute("GET", "/api/realtime/ws", realtime_ws.realtime_ws, guarded=False, websocket=True, name="realtime_ws"),
    # Liveness stays shallow (as PocketBase's): without a token it never touches the database, not
    # even for the periodic schema check, so a database outage never fails it; /api/ready is deep.
    _get("/api/health", health.health, refresh_schema=False),
    *_RECORD_ROUTES,
    # JSON or MessagePack by Accept (`negotiated`): the record and collection routes, and the
    # password sign-in and refresh that answer a record
    _get("/api/collections", collections.list_collections, negotiated=True),
    _post("/api/collections", collections.create_collection, negotiated=True),
    _put("/api/collections/import", collections.import_collections, negotiated=True),
    _get("/api/collections/meta/scaffolds", collections.scaffolds, negotiated=True),
    _delete(f"{C}/truncate", collections.truncate_collection, negotiated=True),
    _get(C, collections.view_collection, negotiated=True),
    # the collection's Protocol Buffers schema as a .proto file (api/protobuf_answer.py)
    _get(f"{C}/proto", protobuf_answer.proto_file),
    _patch(C, collections.update_collection, negotiated=True),
    _delete(C, collections.delete_collection, negotiated=True),
    _get(f"{C}/auth-methods", record_auth.auth_methods, "listAuthMethods"),
    _post(f"{C}/auth-with-password", record_auth.auth_with_password, "authWithPassword", "auth", session="issue", negotiated=True),
    _post(f"{C}/auth-refresh", record_auth.auth_refresh, "authRefresh", session="renew", negotiated=True),
    _post(f"{C}/request-otp", record_auth_otp.request_otp, "requestOTP"),
    _post(f"{C}/auth-with-otp", record_auth_otp.auth_with_otp, "authWithOTP", "auth", session="issue"),
    # Bastion's TOTP factor: a sign-in route like the others, so `*:auth` (and the baseline) cover it
    _post(f"{C}/auth-with-totp", record_auth_otp.auth_with_totp, "authWithTOTP", "auth", session="issue"),
    _post(f"{C}/totp-setup", record_auth_otp.totp_setup),
    _post(f"{C}/totp-confirm", record_auth_otp.totp_confirm),
    _get(f"{C}/totp", record_auth_otp.totp_status),
    _delete(f"{C}/totp", record_auth_otp.totp_remove),
    # never `renew`: a superuser's own browser session must not turn into the user's
    _post(f"{C}/impersonate/{{id}}", record_impersonate.impersonate, session="issue"),
    _post(f"{C}/request-verification", record_auth_flows.request_verification, "requestVerification"),
    _post(f"{C}/confirm-verification", record_auth_flows.confirm_verification, "confirmVerification"),
    _post(f"{C}/request-password-reset", record_auth_flows.request_password_reset, "requestPasswordReset"),
    _post(f"{C}/confirm-password-reset", record_auth_flows.confirm_password_reset, "confirmPasswordReset"),
    _post(f"{C}/request-email-change", record_auth_flows.request_email_change, "requestEmailChange"),
    _post(f"{C}/confirm-email-change", record_auth_flows.confirm_email_change, "confirmEmailChange"),
    _post(f"{C}/auth-with-oauth2", record_auth_oauth2.auth_with_oauth2, "authWithOAuth2", "auth", session="issue"),
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
    _get("/api/crons", crons.list_crons),
    _post("/api/crons/{id}", crons.run_cron),
    _get("/api/backups", backups.list_backups),
    _post("/api/backups", backups.create_backup),
    _post("/api/backups/upload", backups.upload_backup, unlimited_body=True),
    _get("/api/backups/{key}", backups.download_backup),
    _delete("/api/backups/{key}", backups.delete_backup),
    _post("/api/backups/{key}/restore", backups.restore_backup),
    _get("/api/jobs", jobs.list_jobs),
    _get("/api/jobs/stats", jobs.job_stats),
    _post("/api/jobs/{id}/retry", jobs.retry_job),
    _get("/api/realtime", realtime.connect, name="realtime_connect"),
    _post("/api/realtime", realtime.set_subscriptions, name="realtime_subscribe"),
    _post("/api/realtime/poll", realtime_poll.poll, name="realtime_poll"),
    _post("/api/webhooks/{id}/test", webhooks.test_webhook),
    _post("/api/webhooks/deliveries/{id}/redeliver", webhooks.redeliver),
    _post("/api/bastion/rules/check", rules_check.check_rule),
    _get("/api/bastion/installer", installer.check_link),
    _post("/api/bastion/installer", installer.create_first_superuser),
    # the table is read when the document is asked for: it lists this route too
    _get("/api/openapi.json", openapi.handler(lambda: ROUTES)),
    _get("/api/openapi.yaml", openapi.handler(lambda: ROUTES, "yaml")),
    _get("/api/docs", admin_ui.api_docs),
    _get("/_", admin_ui.redirect_root),
    _get("/_/", admin_ui.serve),
    _get("/_/{path:path}", admin_ui.serve),
    # a probe neither waits on the schema check nor is rate limited
    _get("/api/ready", ready.ready, guarded=False),
    # Prometheus' conventional path; a scrape never waits on the schema check
    _get("/metrics", metrics.scrape, refresh_schema=False),
)
# fmt: on
