"""Auth endpoints of auth collections: auth-methods, auth-with-password, auth-refresh.

`auth_response` is where every sign-in method ends: it applies MFA (a first factor answers 401
{"mfaId"}; see bastion/auth/mfa.py) before issuing a token, and the `fields` query parameter to
the answer (as PocketBase applies it to every successful JSON answer); it lives in
record_auth_response.py with the other helpers every sign-in shares. OTP/TOTP and impersonation live
in record_auth_otp.py and record_impersonate.py; every route is listed in route_table.py.
Wrong identity and wrong password give the same answer after the same work: an unknown identity
still pays for one password verification, so timing does not reveal which accounts exist.
"""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import (
    JSONResponse,
    bearer_token,
    get_app,
    load_access,
    picked,
    read_body,
    require_auth,
)
from bastion.api.record_auth_response import auth_collection, auth_response
from bastion.app import App
from bastion.auth.oauth2 import oauth2_providers_for
from bastion.auth.tokens import unverified_claims
from bastion.core.passwords import hash_password, hash_password_async, needs_rehash, verify_password_async
from bastion.core.record_model import Record
from bastion.core.record_query import find_where
from bastion.errors import BadRequestError, ForbiddenError, ValidationError, field_error
from bastion.ratelimit import lockout
from bastion.store.row_write import update_by_id


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the identity is unknown, so that case costs the same time."""
    return hash_password("not-a-real-password-just-for-timing")


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
    # anything but a string counts as blank, as PocketBase's form binding leaves it empty
    identity = raw if isinstance(raw := body.get("identity"), str) else ""
    password = raw if isinstance(raw := body.get("password"), str) else ""
    errors = {}
    if not identity:
        errors["identity"] = field_error("validation_required", "Cannot be blank.")
    if not password:
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
    ok = await verify_password_async(password, stored)
    if record is None or not ok:
        await lockout.record_failure(app, c, identity, record, client=client)
        raise BadRequestError("Failed to authenticate.")
    await lockout.record_success(app, c, identity, record, client=client)
    if needs_rehash(stored):
        await _upgrade_hash(app, record, password)
    access.context = "password"
    return await auth_response(app, record, access, method="password")


async def _upgrade_hash(app: App, record: Record, password: str) -> None:
    """Imported bcrypt hashes (and outdated argon2 parameters) become argon2id at login."""
    new_hash = await hash_password_async(password)
    await update_by_id(app.db, record.collection.name, record.id, {"password": new_hash})
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
