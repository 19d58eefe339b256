"""OTP sign-in (PocketBase's request-otp / auth-with-otp) and TOTP, Bastion's authenticator factor.

request-otp answers 200 {"otpId"} whether or not the address has an account (an unknown one gets
an id that names no OTP, and no mail), after the same work either way (the same queries, the
code's hash and the INSERT, rolled back for an unknown address), so neither the answer nor its
timing reveals who is registered. The row and its mail job (jobs/mail_jobs.py) commit together;
the job sends the code after the answer, retrying briefly, and deletes the OTP when the mail
dies or the OTP expires first. The TOTP endpoints are documented in docs/totp.md.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import JSONResponse, get_app, load_access, picked, read_body, require_auth
from bastion.api.record_auth_response import auth_collection, auth_response
from bastion.app import App
from bastion.auth import auth_attempts, auth_flows, mfa, otp, totp
from bastion.auth.auth_mail_queue import OTP_MAIL, queue_otp_mail, smtp_enabled
from bastion.core.collection_model import Collection
from bastion.core.ids import new_record_id
from bastion.core.record_access import Access
from bastion.core.record_model import Record
from bastion.core.record_query import find_by_id
from bastion.core.text_formats import is_email
from bastion.errors import BadRequestError, ForbiddenError, ValidationError, field_error
from bastion.store.database import Executor

INVALID_OTP = "Invalid or expired OTP."
MAX_RECENT_OTPS = 9  # past this many live codes, the newest is reused (no more mails)


def _otp_collection(app: App, name: str) -> Collection:
    c = auth_collection(app, name)
    if not (c.options.get("otp") or {}).get("enabled"):
        raise ForbiddenError("The collection is not configured to allow OTP authentication.")
    return c


def _required(body: dict[str, Any], limits: dict[str, int]) -> dict[str, str]:
    """Non-blank strings up to each field's length limit; all fields' errors at once."""
    errors, values = {}, {}
    for name, max_len in limits.items():
        value = body.get(name)
        if not isinstance(value, str) or value == "":
            errors[name] = field_error("validation_required", "Cannot be blank.")
        elif len(value) > max_len:
            errors[name] = field_error(
                "validation_length_out_of_range", f"The length must be between 1 and {max_len}."
            )
        else:
            values[name] = value
    if errors:
        raise ValidationError(errors, auth_flows.VALIDATE_ERROR)
    return values


async def request_otp(request: Request) -> Response:
    app = get_app(request)
    c = _otp_collection(app, request.path_params["collection"])
    body = await read_body(request)
    email = _required(body, {"email": 255})["email"]
    if not is_email(email):
        raise ValidationError(
            {"email": field_error("validation_is_email", "Must be a valid email address.")},
            auth_flows.VALIDATE_ERROR,
        )
    record = await auth_flows.find_by_email(app, c, email)
    # An unknown address goes through the same steps on a stand-in record (same queries, same
    # hash, same INSERT, rolled back), so the answer's timing does not tell who is registered.
    target = record or otp.stand_in(c)
    opts = c.options.get("otp") or {}
    live = await otp.live_otp_ids(app, target, int(opts.get("duration", 0)), MAX_RECENT_OTPS + 1)
    if len(live) > MAX_RECENT_OTPS:
        # PocketBase: too many requests reuse the newest
        return JSONResponse(picked({"otpId": live[0]}, request.query_params))
    code = otp.new_code(int(opts.get("length") or 8))

    async def queue_mail(tx: Executor, row: Record) -> None:
        await queue_otp_mail(app, tx, row.id, code)

    # Without SMTP no code could reach anyone: the row is not kept (it used to be deleted once
    # its send failed), so the id names no OTP, as for an unknown address.
    keep = record is not None and smtp_enabled(app, OTP_MAIL)
    row = await otp.create_otp(app, target, code, keep=keep, also=queue_mail)
    return JSONResponse(picked({"otpId": row.id}, request.query_params))


async def auth_with_otp(request: Request) -> Response:
    app = get_app(request)
    c = _otp_collection(app, request.path_params["collection"])
    body = await read_body(request)
    form = _required(body, {"otpId": 255, "password": 71})
    access = await load_access(request, body)
    access.context = "otp"
    row = await otp.find_otp(app, form["otpId"])
    if row is None or row.data.get("collectionRef") != c.id:
        raise BadRequestError(INVALID_OTP)
    if otp.has_expired(row, int((c.options.get("otp") or {}).get("duration", 0))):
        raise BadRequestError(INVALID_OTP)
    record = await find_by_id(app.db, c, str(row.data.get("recordRef", "")))
    if record is None:
        raise BadRequestError(INVALID_OTP)
    await auth_attempts.guard_code_tries(app, record, access.client_ip)
    if not await otp.check_code(row, form["password"]):
        raise BadRequestError(INVALID_OTP)
    if not await otp.consume_row(app, row):  # a concurrent request used this code first
        raise BadRequestError(INVALID_OTP)
    sent_to = str(row.data.get("sentTo") or "")
    if not record.data.get("verified") and sent_to and sent_to == record.data.get("email"):
        record = await _mark_verified(app, record)
    return await auth_response(app, record, access, method="otp")


async def _mark_verified(app: App, record: Record) -> Record:
    """The code reached the address: it is verified. Without MFA, PocketBase also replaces the
    password with a random one, so that a password set by whoever pre-registered the address
    cannot be used by them afterwards."""
    changes: dict[str, Any] = {"verified": True}
    if not (record.collection.options.get("mfa") or {}).get("enabled"):
        random_password = otp.new_code(30) + new_record_id()
        changes.update(password=random_password, passwordConfirm=random_password)
    async with app.transaction() as tx:
        _, updated = await app.records.update(tx, record.collection, record.id, changes, otp.root_access(app))
    return updated


# ---- TOTP ---------------------------------------------------------------------------------------


async def _self(request: Request, body: dict[str, Any] | None = None) -> tuple[App, Record]:
    app = get_app(request)
    c = auth_collection(app, request.path_params["collection"])
    access = await load_access(request, body)
    require_auth(access)
    assert access.auth is not None
    if access.auth.collection.id != c.id:
        raise ForbiddenError("The request requires valid auth record of this collection.")
    return app, access.auth


async def totp_setup(request: Request) -> Response:
    app, record = await _self(request)
    secret = await totp.start_setup(app, record)
    issuer = app.settings.meta.app_name or "Bastion"
    account = str(record.data.get("email") or record.data.get("username") or record.id)
    body = {"secret": secret, "otpauthUrl": totp.otpauth_url(secret, issuer, account)}
    return JSONResponse(picked(body, request.query_params))


async def totp_confirm(request: Request) -> Response:
    body = await read_body(request)
    app, record = await _self(request, body)
    code = _required(body, {"code": 16})["code"]
    if not await totp.confirm(app, record, code):
        raise ValidationError(
            {"code": field_error("validation_invalid_code", "Invalid code.")}, auth_flows.VALIDATE_ERROR
        )
    return Response(status_code=204)


async def totp_status(request: Request) -> Response:
    app, record = await _self(request)
    return JSONResponse(picked({"enabled": await totp.enabled(app, record)}, request.query_params))


async def totp_remove(request: Request) -> Response:
    app, record = await _self(request)
    await totp.remove(app, record)
    return Response(status_code=204)


async def auth_with_totp(request: Request) -> Response:
    """The second factor of an MFA session: {mfaId, code}. TOTP is never a first factor — a
    6-digit code alone is weaker than the password or mailbox it would replace.

    Guessing is bounded twice, with counts in the database: PocketBase's OTP guard per account
    and client address (429), and `mfa.MAX_FAILURES` wrong codes per session, after which the
    session is gone (docs/totp.md)."""
    app = get_app(request)
    c = auth_collection(app, request.path_params["collection"])
    body = await read_body(request)
    form = _required(body, {"mfaId": 255, "code": 16})
    access = await load_access(request, body)
    access.context = "totp"
    session = await mfa.find_mfa(app, form["mfaId"])
    if session is None or session.data.get("collectionRef") != c.id:
        raise BadRequestError(mfa.INVALID_SESSION)
    record = await find_by_id(app.db, c, str(session.data.get("recordRef", "")))
    if record is None:
        raise BadRequestError("Failed to authenticate.")
    await auth_attempts.guard_code_tries(app, record, access.client_ip)
    tries = await mfa.count_try(app, session)
    if not await totp.verify(app, record, form["code"]):
        await mfa.failed_try(app, session, tries)
        raise BadRequestError("Failed to authenticate.")
    return await auth_response(app, record, _with_mfa(access, form["mfaId"]), method="totp")


def _with_mfa(access: Access, mfa_id: str) -> Access:
    return Access(
        access.auth,
        access.method,
        access.query,
        access.headers,
        {**access.body, "mfaId": mfa_id},
        access.context,
        access.client_ip,
    )
