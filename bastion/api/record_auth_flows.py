"""Auth collection flows that send mail: verification, password reset, email change.

Thin handlers over `bastion.auth.auth_flows`. The `request-verification` and
`request-password-reset` endpoints answer 204 whether or not the address has an account, after
queueing the mail as a job (docs/jobs.md, "Mail") or doing the same work rolled back, so neither
the status nor the time taken tells a caller which addresses exist. The job sends it; a failure
is retried, then dead-lettered and logged, never reported to the caller. `request-email-change`
is for the signed-in owner, so it sends before answering and reports a failure as PocketBase
does (400 "Failed to request email change.").
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import get_app, load_access, read_body, require_auth
from bastion.auth import auth_flows
from bastion.core.collection_model import Collection
from bastion.errors import BadRequestError, ForbiddenError, NotFoundError, UnsupportedMediaError
from bastion.mail import MailError


def auth_collection(request: Request, action: str) -> Collection:
    """The auth collection in the path, after the refusals PocketBase makes before reading the form."""
    collection = get_app(request).registry.find_collection(request.path_params["collection"])
    if collection is None or not collection.is_auth:
        raise NotFoundError("Missing or invalid auth collection context.")
    auth_flows.check_collection(action, collection)
    return collection


async def read_form(request: Request) -> dict[str, Any]:
    """The submitted form; an unreadable body is PocketBase's "loading" error."""
    try:
        return await read_body(request)
    except UnsupportedMediaError:
        raise
    except BadRequestError:
        raise BadRequestError(auth_flows.LOAD_ERROR) from None


async def request_verification(request: Request) -> Response:
    app = get_app(request)
    collection = auth_collection(request, "request-verification")
    await auth_flows.request_verification(app, collection, await read_form(request))
    return Response(status_code=204)


async def confirm_verification(request: Request) -> Response:
    app = get_app(request)
    collection = auth_collection(request, "confirm-verification")
    await auth_flows.confirm_verification(app, collection, await read_form(request))
    return Response(status_code=204)


async def request_password_reset(request: Request) -> Response:
    app = get_app(request)
    collection = auth_collection(request, "request-password-reset")
    await auth_flows.request_password_reset(app, collection, await read_form(request))
    return Response(status_code=204)


async def confirm_password_reset(request: Request) -> Response:
    app = get_app(request)
    collection = auth_collection(request, "confirm-password-reset")
    await auth_flows.confirm_password_reset(app, collection, await read_form(request))
    return Response(status_code=204)


async def request_email_change(request: Request) -> Response:
    app = get_app(request)
    access = await load_access(request)
    require_auth(access)
    assert access.auth is not None
    collection = app.registry.find_collection(request.path_params["collection"])
    if collection is None or collection.id != access.auth.collection.id:
        # PocketBase names the caller's own collection here.
        raise ForbiddenError(
            f"The request requires auth record from {access.auth.collection.name} collection."
        )
    auth_flows.check_collection("request-email-change", collection)
    message = await auth_flows.request_email_change(app, access.auth, await read_form(request))
    try:
        await auth_flows.send_mail(app, message)
    except MailError as exc:
        auth_flows.log.error("failed to send the email change mail: %s", exc)
        raise BadRequestError("Failed to request email change.") from None
    return Response(status_code=204)


async def confirm_email_change(request: Request) -> Response:
    app = get_app(request)
    collection = auth_collection(request, "confirm-email-change")
    await auth_flows.confirm_email_change(app, collection, await read_form(request))
    return Response(status_code=204)
