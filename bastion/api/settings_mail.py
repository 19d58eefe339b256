"""POST /api/settings/test/email — superusers send themselves a sample of an auth mail.

The sample is sent before answering, so a misconfigured SMTP server shows up right here:
400 "Failed to send the test email. Raw error: ..." with the mailer's reason, as PocketBase
words it (with SMTP disabled the reason says so; Bastion has no sendmail fallback).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.collections import superuser_access
from bastion.api.context import get_app, read_body_or
from bastion.auth import auth_flows
from bastion.errors import BadRequestError
from bastion.mail import MailError


async def send_test_email(request: Request) -> Response:
    app = get_app(request)
    await superuser_access(request)
    body = await read_body_or(request, auth_flows.LOAD_ERROR)
    message = auth_flows.sample_test_mail(app, body)
    try:
        await auth_flows.send_mail(app, message)
    except MailError as exc:
        reason = str(exc)
        if not reason.endswith((".", "!", "?")):
            reason += "."
        raise BadRequestError("Failed to send the test email. Raw error: \n" + reason) from None
    return Response(status_code=204)
