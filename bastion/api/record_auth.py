"""Auth endpoints of auth collections: auth-methods, auth-with-password, auth-refresh.

`auth_response` is where every sign-in method ends: it applies MFA (a first factor answers 401
{"mfaId"}; see bastion/auth/mfa.py) before issuing a token, and the `fields` query parameter to
the answer (as PocketBase applies it to every successful JSON answer). OTP/TOTP and impersonation live in
record_auth_otp.py and record_impersonate.py; their routes are appended to `routes` below.
Wrong identity and wrong password give the same answer after the same work: an unknown identity
still pays for one password verification, so timing does not reveal which accounts exist.
"""

from __future__ import annotations

import functools
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bastion.api.context import (
    JSONResponse,
    bearer_token,
    get_app,
    load_access,
    picked,
    read_body,
    require_auth,
)
from bastion.api.records import render_records
from bastion.app import App
from bastion.auth.auth_alert import note_sign_in
from bastion.auth.mfa import check_mfa
from bastion.auth.oauth2 import oauth2_providers_for
from bastion.auth.passwords import hash_password, needs_rehash, verify_password_async
from bastion.auth.tokens import issue_token, unverified_claims
from bastion.core.collection_model import Collection
from bastion.core.record_access import Access, can_access_record
from bastion.core.record_model import Record
from bastion.core.record_query import find_where
from bastion.errors import BadRequestError, ForbiddenError, NotFoundError, ValidationError, field_error
from bastion.ratelimit import lockout
from bastion.store.ddl import quote


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the identity is unknown, so that case costs the same time."""
    return hash_password("not-a-real-password-just-for-timing")


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
    await check_auth_rule(app, record, access)
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


async def auth_methods(request: Request) -> Response:
    app = get_app(request)
    c = auth_collection(app, request.path_params["collection"])
    opts = c.options
    pw = opts.get("passwordAuth", {})
    mfa, otp = opts.get("mfa", {}), opts.get("otp", {})
    identity_fields = list(pw.get("identityFields", [])) if pw.get("enabled") else []
    providers = await oauth2_providers_for(app, c)
    # `authProviders`, `emailPassword` and `usernamePassword` are the pre-0.23 keys older SDKs read.
    body = picked(
        {
            "authProviders": providers,
            "emailPassword": "email" in identity_fields,
            "mfa": {
                "duration": mfa.get("duration", 0) if mfa.get("enabled") else 0,
                "enabled": bool(mfa.get("enabled")),
            },
            "oauth2": {"enabled": bool(opts.get("oauth2", {}).get("enabled")), "providers": providers},
            "otp": {
                "duration": otp.get("duration", 0) if otp.get("enabled") else 0,
                "enabled": bool(otp.get("enabled")),
            },
            "password": {"enabled": bool(pw.get("enabled")), "identityFields": identity_fields},
            "usernamePassword": "username" in identity_fields,
        },
        request.query_params,
    )
    return JSONResponse(body)


async def auth_with_password(request: Request) -> Response:
    app = get_app(request)
    c = auth_collection(app, request.path_params["collection"])
    body = await read_body(request)
    access = await load_access(request, body)
    pw_opts = c.options.get("passwordAuth", {})
    if not pw_opts.get("enabled"):
        raise ForbiddenError("The collection is not configured to allow password authentication.")
    identity, password = body.get("identity"), body.get("password")
    errors = {}
    if not isinstance(identity, str) or not identity:
        errors["identity"] = field_error("validation_required", "Cannot be blank.")
    if not isinstance(password, str) or not password:
        errors["password"] = field_error("validation_required", "Cannot be blank.")
    if errors:
        raise ValidationError(errors, "An error occurred while validating the submitted data.")
    fields = (
        [body["identityField"]]
        if body.get("identityField") in pw_opts.get("identityFields", [])
        else list(pw_opts.get("identityFields", ["email"]))
    )
    record = None
    for name in fields:
        if c.get_field(name) is None:
            continue
        found = await find_where(app.db, c, name, identity, limit=1)
        if found:
            record = found[0]
            break
    client = access.client_ip
    await lockout.check(app, c, identity, record, client=client)
    stored = str(record.data.get("password", "")) if record else _dummy_hash()
    ok = await verify_password_async(str(password), stored)
    if record is None or not ok:
        await lockout.record_failure(app, c, identity, record, client=client)
        raise BadRequestError("Failed to authenticate.")
    await lockout.record_success(app, c, identity, record, client=client)
    if needs_rehash(stored):
        await _upgrade_hash(app, record, str(password))
    access.context = "password"
    return await auth_response(app, record, access, method="password")


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


async def _upgrade_hash(app: App, record: Record, password: str) -> None:
    """Imported bcrypt hashes (and outdated argon2 parameters) become argon2id at login."""
    from bastion.auth.passwords import hash_password_async

    new_hash = await hash_password_async(password)
    await app.db.execute(
        f'UPDATE {quote(record.collection.name)} SET "password" = ? WHERE "id" = ?', (new_hash, record.id)
    )
    record.data["password"] = new_hash


async def auth_refresh(request: Request) -> Response:
    app = get_app(request)
    c = auth_collection(app, request.path_params["collection"])
    access = await load_access(request)
    require_auth(access)
    assert access.auth is not None
    if access.auth.collection.id != c.id:
        raise ForbiddenError("The request requires valid auth record of this collection.")
    # A non-refreshable (impersonation) token comes back as it is, as in PocketBase.
    sent = bearer_token(request)
    claims = unverified_claims(sent) or {}
    return await auth_response(app, access.auth, access, token=None if claims.get("refreshable") else sent)


routes = [
    Route("/api/collections/{collection}/auth-methods", auth_methods, methods=["GET"]),
    Route("/api/collections/{collection}/auth-with-password", auth_with_password, methods=["POST"]),
    Route("/api/collections/{collection}/auth-refresh", auth_refresh, methods=["POST"]),
]

# Imported last: these modules build on `auth_response` above (asgi.py registers only `routes`).
from bastion.api import record_auth_otp, record_impersonate  # noqa: E402

routes += record_auth_otp.routes + record_impersonate.routes
