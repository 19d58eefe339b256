"""Where every sign-in ends: the auth collection of a route, the authRule, MFA, and the answer.

`auth_response` applies the collection's `authRule` and MFA (a first factor answers 401
{"mfaId"}; see bastion/auth/mfa.py) before issuing a token, and the `fields` query parameter to
the answer (as PocketBase applies it to every successful JSON answer). Password sign-in
(record_auth.py), OTP/TOTP (record_auth_otp.py), OAuth2 (record_auth_oauth2.py) and
impersonation (record_impersonate.py) all answer through it.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from bastion.api.context import JSONResponse, picked
from bastion.api.records import render_records
from bastion.app import App
from bastion.auth.auth_alert import note_sign_in
from bastion.auth.mfa import check_mfa
from bastion.auth.tokens import issue_token
from bastion.core.collection_model import Collection
from bastion.core.record_access import Access, can_access_record
from bastion.core.record_model import Record
from bastion.core.superuser_ips import NOT_ALLOWED, superuser_ip_allowed
from bastion.errors import ForbiddenError, NotFoundError


def auth_collection(app: App, name: str) -> Collection:
    collection = app.registry.find_collection(name)
    if collection is None or not collection.is_auth:
        raise NotFoundError("Missing or invalid auth collection context.")
    return collection


def auth_token(record: Record) -> str:
    c = record.collection
    return issue_token(
        record.id,
        c.id,
        str(record.data.get("tokenKey", "")),
        c.token_secret("authToken"),
        int(c.options.get("authToken", {}).get("duration", 604800)),
    )


async def auth_response(
    app: App,
    record: Record,
    access: Access,
    extra: dict[str, Any] | None = None,
    *,
    method: str = "",
    token: str | None = None,
) -> Response:
    """The sign-in answer: {token, record} — 403 when the authRule refuses, 401 {"mfaId"} when
    MFA wants another factor. A completed sign-in by a method also notes its origin (and sends
    the new-device alert: bastion/auth/auth_alert.py).

    `method` names the factor just passed ("password", "otp", "totp" ...); "" skips MFA (as
    PocketBase's impersonation does).
    """
    if record.collection.is_superusers and not superuser_ip_allowed(app.settings, access.client_ip):
        raise ForbiddenError(NOT_ALLOWED)
    await check_auth_rule(app, record, access)
    if app.auth_hooks is not None:  # on_record_auth_request (docs/hooks.md): may refuse, or change meta
        meta = extra.get("meta") if extra else None
        event = await app.auth_hooks.auth_request(
            record, method, meta, token or auth_token(record), access.client_ip, dict(access.headers)
        )
        if event is not None:
            token = event.token
            extra = {k: v for k, v in (extra or {}).items() if k != "meta"}
            if event.meta is not None:
                extra["meta"] = event.meta
    if method:
        mfa_id = str(access.query.get("mfaId") or access.body.get("mfaId") or "")
        pending = await check_mfa(app, record, method, access, mfa_id)
        if pending:
            return JSONResponse({"mfaId": pending}, status_code=401)
        await note_sign_in(app, record, access.client_ip, access.headers.get("user_agent", ""))
    self_access = Access(record, access.method, access.query, access.headers, {}, access.context)
    [data] = await render_records(app, app.db, [record], self_access, access.query)
    body: dict[str, Any] = {"record": data, "token": token or auth_token(record)}
    if extra:
        body.update(extra)
    return JSONResponse(picked(body, access.query))  # `?fields=token,record.id`, as PocketBase


RULE_REFUSED = "The request doesn't satisfy the collection requirements to authenticate."


async def check_auth_rule(app: App, record: Record, access: Access) -> None:
    """`authRule`, checked before every sign-in answer (PocketBase's recordAuthResponse).

    As PocketBase: `null` lets nobody in, `""` everyone, and a rule must match the record being
    signed in, with `@request.*` describing the request as sent, so `@request.auth` is the caller
    (nobody for a password, OTP or OAuth2 sign-in; the record itself for a refresh). A superuser
    caller passes (impersonation). A refusal is 403, after the credentials were checked.
    """
    rule = record.collection.options.get("authRule", "")
    if await can_access_record(app.db, app.registry, record, rule, access):
        return
    raise ForbiddenError(RULE_REFUSED)
