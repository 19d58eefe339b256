"""The auth flows that go through the mailbox: verification, password reset, email change.

No HTTP here: each flow takes the submitted form (a dict of strings) and either raises one of
`bastion.errors` (with PocketBase 0.40.6's messages and validation codes) or does its work.
`request_verification` and `request_password_reset` queue their mail as a job
(auth_mail_queue.py; the job issues the token when it sends) and queue nothing for an unknown
or already verified address, at the same cost; the caller answers 204 either way so that the
endpoint does not reveal which addresses have accounts. `request_email_change` returns the
`OutgoingMail` for its caller to send at once (PocketBase reports that send's failure).

Tokens are PocketBase's: HS256 JWTs with `id`, `collectionId`, `type` and `email` claims (plus
`newEmail` for an email change), signed with the record's `tokenKey` + the collection's secret
for that kind, for the kind's configured duration. Whatever changes the password or the email
rotates `tokenKey`, which is what makes a reset or email-change token single-use and signs out
every session; the write checks the token again against the row it locks, so concurrent confirms
of one token write once (`_save`). A verification token stays valid until it expires (confirming twice is a no-op
204, as in PocketBase).

Record changes go through the record service acting as a superuser: the flow, not the
collection's update rule, decides what may change, while field validation, hashing, tokenKey
rotation and realtime events stay where they always are.
"""

from __future__ import annotations

import logging
import time
from typing import Any, NoReturn

import jwt

from bastion.auth.auth_mail_queue import PASSWORD_RESET_MAIL, VERIFICATION_MAIL, queue_account_mail
from bastion.auth.tokens import ALGORITHM, unverified_claims, verify_token
from bastion.core.app_protocol import App
from bastion.core.collection_model import Collection
from bastion.core.datetime_format import now_str
from bastion.core.ids import random_from_pattern
from bastion.core.passwords import hash_password_async, verify_password_async
from bastion.core.record_access import Access
from bastion.core.record_model import Record
from bastion.core.record_passwords import prepare_crypto
from bastion.core.record_query import find_by_id, find_where
from bastion.core.system_collections import SUPERUSERS_ID
from bastion.core.text_formats import is_email
from bastion.errors import BadRequestError, ValidationError, field_error
from bastion.mail import OutgoingMail, mail_auth, mail_send
from bastion.store.row_write import update_by_id

log = logging.getLogger("bastion.auth.flows")

VERIFICATION = "verification"
PASSWORD_RESET = "passwordReset"
EMAIL_CHANGE = "emailChange"
_TOKEN_SETTINGS = {
    "auth": "authToken",
    "file": "fileToken",
    VERIFICATION: "verificationToken",
    PASSWORD_RESET: "passwordResetToken",
    EMAIL_CHANGE: "emailChangeToken",
}

LOAD_ERROR = "An error occurred while loading the submitted data."
VALIDATE_ERROR = "An error occurred while validating the submitted data."
SUPERUSERS_VERIFIED = "All superusers are verified by default."
SUPERUSERS_EMAIL = "All superusers can change their emails directly."
TEST_TEMPLATES = ("verification", "password-reset", "email-change", "otp", "login-alert")


# ---- tokens ---------------------------------------------------------------------------------


def flow_token(record: Record, token_type: str, extra: dict[str, Any] | None = None) -> str:
    """A token of `token_type` for `record`, with PocketBase's claims (no `refreshable`)."""
    c = record.collection
    kind = _TOKEN_SETTINGS[token_type]
    claims: dict[str, Any] = {
        "collectionId": c.id,
        "email": str(record.data.get("email", "")),
        "exp": int(time.time()) + int(c.options.get(kind, {}).get("duration", 0) or 0),
        "id": record.id,
        "type": token_type,
        **(extra or {}),
    }
    return jwt.encode(
        claims, str(record.data.get("tokenKey", "")) + c.token_secret(kind), algorithm=ALGORITHM
    )


async def record_from_token(app: App, token: str, token_type: str) -> Record | None:
    """The auth record a valid, unexpired token of `token_type` belongs to (else None)."""
    claims = unverified_claims(token) if token else None
    if not claims or claims.get("type") != token_type:
        return None
    record_id, collection_id = claims.get("id"), claims.get("collectionId")
    if not isinstance(record_id, str) or not isinstance(collection_id, str) or not record_id:
        return None
    collection = app.registry.find_collection(collection_id)
    if collection is None or not collection.is_auth:
        return None
    record = await find_by_id(app.db, collection, record_id)
    if record is None or not _signed_for(record, token, token_type):
        return None
    return record


def _signed_for(record: Record, token: str, token_type: str) -> bool:
    """Whether `token` is a valid, unexpired token of `token_type` under `record`'s tokenKey."""
    secret = record.collection.token_secret(_TOKEN_SETTINGS[token_type])
    return verify_token(token, str(record.data.get("tokenKey", "")), secret, token_type) is not None


async def find_by_email(app: App, collection: Collection, email: str) -> Record | None:
    found = await find_where(app.db, collection, "email", email, limit=1)
    return found[0] if found else None


# ---- delivery ---------------------------------------------------------------------------------


async def send_mail(app: App, mail: OutgoingMail) -> bool:
    """Send now, after the mail hooks, through the mailer the settings describe; raises
    MailError on failure (and a hook's refusal); False when a hook cancelled it."""
    return await mail_send.send_mail(app, mail)


# ---- form helpers ------------------------------------------------------------------------------


def form_strings(body: dict[str, Any], *names: str) -> dict[str, str]:
    """The named string fields of a submitted form; a non-string value cannot be loaded."""
    out: dict[str, str] = {}
    for name in names:
        value = body.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise BadRequestError(LOAD_ERROR)
        out[name] = value
    return out


def _required() -> dict[str, Any]:
    return field_error("validation_required", "Cannot be blank.")


def _length(min_: int, max_: int) -> dict[str, Any]:
    return field_error(
        "validation_length_out_of_range",
        f"The length must be between {min_} and {max_}.",
        {"max": max_, "min": min_},
    )


def email_error(value: str) -> dict[str, Any] | None:
    """Required, 1..255 characters, e-mail format (ozzo's rules in PocketBase's order)."""
    if value == "":
        return _required()
    if len(value) > 255:
        return _length(1, 255)
    if not is_email(value):
        return field_error("validation_is_email", "Must be a valid email address.")
    return None


def _fail(errors: dict[str, Any], message: str = VALIDATE_ERROR) -> None:
    if errors:
        raise ValidationError(errors, message)


def _token_invalid(code: str, message: str) -> NoReturn:
    raise ValidationError({"token": field_error(code, message)}, VALIDATE_ERROR)


def _root(app: App) -> Access:
    """The flow acts as a superuser: its own checks, not the update rule, decide."""
    superusers = app.registry.find_collection(SUPERUSERS_ID)
    assert superusers is not None
    return Access(auth=Record(superusers, {"id": ""}), method="POST")


class _TokenSpent(Exception):
    """The token no longer matches the record as the write transaction reads it."""


async def _save(
    app: App,
    record: Record,
    body: dict[str, Any],
    failure: str,
    token: str,
    token_type: str,
    *,
    random_password: bool = False,
) -> None:
    """Apply a confirmed flow's change to `record`, the record `token` was checked against.

    The token is checked again against the row as the write transaction reads it (locked on
    PostgreSQL, where a concurrent confirm waits for this one to commit; SQLite serializes write
    transactions): a confirm that rotated tokenKey (a new password, a new email, a random
    password) has spent the token, so of concurrent confirms of one token only the first writes
    and the others fail as a replay would (400 "Invalid or expired token."). A verification found
    already done by then is the no-op it is when confirmed twice."""
    root = _root(app)
    # password hashing and checking before the write transaction (core/record_passwords.py)
    crypto = await prepare_crypto(app.records, app.db, record.collection, body, root, record.id)
    # Stored as a hash directly: the password field's own rules are for people.
    hashed = await hash_password_async(random_from_pattern("[a-zA-Z0-9]{30}")) if random_password else ""
    try:
        async with app.transaction() as tx:
            current = await find_by_id(tx, record.collection, record.id, lock=True)
            if current is None or not _signed_for(current, token, token_type):
                raise _TokenSpent()
            if token_type == VERIFICATION and current.data.get("verified"):
                return
            await app.records.update(tx, record.collection, record.id, body, root, crypto=crypto)
            if random_password:
                stored = {"password": hashed, "tokenKey": _new_token_key(record.collection)}
                await update_by_id(tx, record.collection.name, record.id, stored)
    except ValidationError as exc:
        raise ValidationError(exc.errors, failure) from None
    except _TokenSpent:
        _token_invalid("validation_invalid_token", "Invalid or expired token.")


def _new_token_key(collection: Collection) -> str:
    field = collection.get_field("tokenKey")
    return random_from_pattern(getattr(field, "autogenerate_pattern", "") or "[a-zA-Z0-9]{50}")


# ---- collection-level refusals --------------------------------------------------------------

_REFUSALS = {
    "request-verification": "superusers",
    "confirm-verification": "superusers",
    "request-email-change": "superusers-email",
    "confirm-email-change": "superusers-email",
    "request-password-reset": "password-auth",
}


def check_collection(action: str, collection: Collection) -> None:
    """Refusals that depend on the collection alone. PocketBase makes them before it reads the
    form, so the handlers call this first; each flow calls it again for callers without HTTP."""
    kind = _REFUSALS.get(action)
    if kind == "superusers" and collection.is_superusers:
        raise BadRequestError(SUPERUSERS_VERIFIED)
    if kind == "superusers-email" and collection.is_superusers:
        raise BadRequestError(SUPERUSERS_EMAIL)
    if kind == "password-auth" and not collection.options.get("passwordAuth", {}).get("enabled"):
        raise BadRequestError("The collection is not configured to allow password authentication.")


# ---- verification --------------------------------------------------------------------------


async def request_verification(app: App, collection: Collection, body: dict[str, Any]) -> None:
    """Queue the verification mail (nothing for an unknown or verified address)."""
    check_collection("request-verification", collection)
    email = form_strings(body, "email")["email"]
    problem = email_error(email)
    _fail({"email": problem} if problem else {})
    record = await find_by_email(app, collection, email)
    if record is not None and record.data.get("verified"):
        record = None
    await queue_account_mail(app, VERIFICATION_MAIL, collection, record)


async def confirm_verification(app: App, collection: Collection, body: dict[str, Any]) -> None:
    check_collection("confirm-verification", collection)
    token = form_strings(body, "token")["token"]
    if not token:
        _fail({"token": _required()})
    email = (unverified_claims(token) or {}).get("email")
    if not isinstance(email, str) or not email:
        _token_invalid("validation_invalid_token_claims", "Missing email token claim.")
    record = await record_from_token(app, token, VERIFICATION)
    if record is None:
        _token_invalid("validation_invalid_token", "Invalid or expired token.")
    if record.collection.id != collection.id:
        _token_invalid(
            "validation_token_collection_mismatch", "The provided token is for different auth collection."
        )
    if record.data.get("email") != email:
        _token_invalid(
            "validation_token_email_mismatch",
            "The record email doesn't match with the requested token claims.",
        )
    if record.data.get("verified"):
        return
    # As PocketBase: without password auth, a random password guards against an account that
    # was pre-claimed before password auth gets enabled (and the new tokenKey ends old sessions).
    no_password_auth = not collection.options.get("passwordAuth", {}).get("enabled")
    await _save(
        app,
        record,
        {"verified": True},
        "An error occurred while saving the verified state.",
        token,
        VERIFICATION,
        random_password=no_password_auth,
    )


# ---- password reset ---------------------------------------------------------------------------


async def request_password_reset(app: App, collection: Collection, body: dict[str, Any]) -> None:
    """Queue the password-reset mail (nothing for an unknown address)."""
    check_collection("request-password-reset", collection)
    email = form_strings(body, "email")["email"]
    problem = email_error(email)
    _fail({"email": problem} if problem else {})
    record = await find_by_email(app, collection, email)
    await queue_account_mail(app, PASSWORD_RESET_MAIL, collection, record)


async def confirm_password_reset(app: App, collection: Collection, body: dict[str, Any]) -> None:
    form = form_strings(body, "token", "password", "passwordConfirm")
    token, password, confirm = form["token"], form["password"], form["passwordConfirm"]
    errors: dict[str, Any] = {}
    record = await record_from_token(app, token, PASSWORD_RESET) if token else None
    if not token:
        errors["token"] = _required()
    elif record is None:
        errors["token"] = field_error("validation_invalid_token", "Invalid or expired token.")
    elif record.collection.id != collection.id:
        errors["token"] = field_error(
            "validation_token_collection_mismatch", "The provided token is for different auth collection."
        )
    field = collection.get_field("password")
    min_len = max(1, int(getattr(field, "min", 0) or 0))
    if not password:
        errors["password"] = _required()
    elif not min_len <= len(password) <= 255:
        errors["password"] = _length(min_len, 255)
    if not confirm:
        errors["passwordConfirm"] = _required()
    elif confirm != password:
        errors["passwordConfirm"] = field_error("validation_values_mismatch", "Values don't match.")
    _fail(errors)
    assert record is not None
    change: dict[str, Any] = {"password": password, "passwordConfirm": password}
    if not record.data.get("verified") and (unverified_claims(token) or {}).get("email") == record.data.get(
        "email"
    ):
        change["verified"] = True  # the mail reached its owner, so the address is proven
    await _save(app, record, change, "Failed to set new password.", token, PASSWORD_RESET)


# ---- email change ---------------------------------------------------------------------------


async def request_email_change(app: App, record: Record, body: dict[str, Any]) -> OutgoingMail:
    check_collection("request-email-change", record.collection)
    new_email = form_strings(body, "newEmail")["newEmail"]
    problem = email_error(new_email)
    if problem is None and new_email == record.data.get("email"):
        problem = field_error("validation_not_in_invalid", "Must not be in list.")
    if problem is None:
        other = await find_by_email(app, record.collection, new_email)
        if other is not None and other.id != record.id:
            problem = field_error("validation_invalid_new_email", "Invalid new email address.")
    _fail({"newEmail": problem} if problem else {})
    token = flow_token(record, EMAIL_CHANGE, {"newEmail": new_email})
    message = mail_auth.email_change_mail(app.settings, record, new_email, token)
    return OutgoingMail(message, mail_send.EMAIL_CHANGE, record, {"token": token, "newEmail": new_email})


async def _email_change_target(
    app: App, collection: Collection, token: str
) -> tuple[Record | None, str, dict[str, Any] | None]:
    """(record, new email, token error) as PocketBase's `parseToken` decides them."""
    new_email = (unverified_claims(token) or {}).get("newEmail") if token else None
    if not isinstance(new_email, str) or not new_email:
        return (
            None,
            "",
            field_error("validation_invalid_token_payload", "Invalid token payload - newEmail must be set."),
        )
    record = await record_from_token(app, token, EMAIL_CHANGE)
    if record is None:
        return None, "", field_error("validation_invalid_token", "Invalid or expired token.")
    if record.collection.id != collection.id:
        return (
            None,
            "",
            field_error(
                "validation_token_collection_mismatch", "The provided token is for different auth collection."
            ),
        )
    holder = await find_by_email(app, collection, new_email)
    if holder is not None:
        if holder.id == record.id and record.data.get("email") != new_email:
            # it became this record's email after the token was checked: a concurrent confirm of
            # this token won. The token is spent, as the racers that lose at the write are told
            # (the record stays, for the password check: that part of the form was right)
            return record, "", field_error("validation_invalid_token", "Invalid or expired token.")
        return None, "", field_error("validation_invalid_token_email", "The new email address is invalid.")
    return record, new_email, None


async def confirm_email_change(app: App, collection: Collection, body: dict[str, Any]) -> None:
    check_collection("confirm-email-change", collection)
    form = form_strings(body, "token", "password")
    token, password = form["token"], form["password"]
    errors: dict[str, Any] = {}
    record, new_email, token_error = await _email_change_target(app, collection, token)
    if not token:
        errors["token"] = _required()
    elif token_error:
        errors["token"] = token_error
    if not password:
        errors["password"] = _required()
    elif len(password) > 100:
        errors["password"] = _length(1, 100)
    elif record is None or not await verify_password_async(password, str(record.data.get("password", ""))):
        errors["password"] = field_error(
            "validation_invalid_password", "Missing or invalid auth record password."
        )
    _fail(errors)
    assert record is not None
    change = {"email": new_email, "verified": True, "tokenKey": _new_token_key(collection)}
    await _save(app, record, change, "Failed to confirm email change.", token, EMAIL_CHANGE)


# ---- test mail (settings) ---------------------------------------------------------------------


def sample_test_mail(app: App, body: dict[str, Any]) -> OutgoingMail:
    """A sample of one of the auth mails, filled with placeholder values, for `email` (its kind
    is the template's: the mail hooks of that kind run for it, as PocketBase's do)."""
    form = form_strings(body, "email", "template", "collection")
    errors: dict[str, Any] = {}
    collection = None
    if form["collection"]:
        collection = app.registry.find_collection(form["collection"])
        if len(form["collection"]) > 255 or collection is None or not collection.is_auth:
            errors["collection"] = field_error(
                "validation_invalid_auth_collection", "Must be a valid auth collection id or name."
            )
    problem = email_error(form["email"])
    if problem:
        errors["email"] = problem
    if not form["template"]:
        errors["template"] = _required()
    elif form["template"] not in TEST_TEMPLATES:
        errors["template"] = field_error("validation_in_invalid", "Must be a valid value.")
    _fail(errors, "Failed to send the test email.")
    collection = collection or app.registry.find_collection(SUPERUSERS_ID)
    assert collection is not None
    data: dict[str, Any] = {f.name: f"__test_{f.name}__" for f in collection.fields if not f.hidden}
    data["tokenKey"] = _new_token_key(collection)
    data["email"] = form["email"]
    record = Record(collection, data)
    settings, template = app.settings, form["template"]
    if template == "verification":
        token = flow_token(record, VERIFICATION)
        message = mail_auth.verification_mail(settings, record, token)
        return OutgoingMail(message, mail_send.VERIFICATION, record, {"token": token})
    if template == "password-reset":
        token = flow_token(record, PASSWORD_RESET)
        message = mail_auth.password_reset_mail(settings, record, token)
        return OutgoingMail(message, mail_send.PASSWORD_RESET, record, {"token": token})
    if template == "email-change":
        token = flow_token(record, EMAIL_CHANGE, {"newEmail": form["email"]})
        message = mail_auth.email_change_mail(settings, record, form["email"], token)
        return OutgoingMail(
            message, mail_send.EMAIL_CHANGE, record, {"token": token, "newEmail": form["email"]}
        )
    if template == "otp":
        message = mail_auth.otp_mail(settings, record, "_TEST_OTP_ID_", "123456")
        return OutgoingMail(message, mail_send.OTP, record, {"otpId": "_TEST_OTP_ID_", "password": "123456"})
    info = f"{now_str()} - TEST_IP TEST_USER_AGENT"
    message = mail_auth.auth_alert_mail(settings, record, info)
    return OutgoingMail(message, mail_send.LOGIN_ALERT, record, {"info": info})
