"""POST /api/bastion/rules/check — superusers only: is this rule/filter text valid syntax?

Not a PocketBase endpoint (its dashboard parses rules in the browser); the admin dashboard calls it
as the superuser types an API rule, so the one parser in bastion/rules decides, not a JS copy of it.
Field names are not resolved here (the collection may not be saved yet); saving the collection does
that, with PocketBase's errors.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion import rules
from bastion.api.collections import superuser_access
from bastion.api.context import JSONResponse, read_body
from bastion.errors import ValidationError


async def check_rule(request: Request) -> Response:
    body = await read_body(request)
    await superuser_access(request, body)
    text = body.get("rule")
    if not isinstance(text, str):
        raise ValidationError({"rule": {"code": "validation_required", "message": "Missing rule text."}})
    problem = rules.check_syntax(text) if text.strip() else None
    if problem:
        raise ValidationError(
            {"rule": {"code": "validation_invalid_rule", "message": problem}}, "Invalid rule."
        )
    return JSONResponse({"valid": True})
