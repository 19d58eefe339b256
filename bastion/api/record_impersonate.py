"""POST /api/collections/{c}/impersonate/{id}: a superuser signs in as any auth record.

As PocketBase: superusers only (403 otherwise), the token is not refreshable and lasts the body's
`duration` seconds (0 or absent: the collection's authToken duration); no MFA, no auth rule.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import get_app, load_access, read_body, require_auth
from bastion.api.record_auth_response import auth_collection, auth_response
from bastion.auth.tokens import issue_token
from bastion.core.record_query import find_by_id
from bastion.errors import BadRequestError, ForbiddenError, NotFoundError, field_error

VALIDATE_ERROR = "An error occurred while validating the submitted data."


async def impersonate(request: Request) -> Response:
    app = get_app(request)
    body = await read_body(request)
    access = await load_access(request, body)
    require_auth(access)  # 401 without a token, 403 for a non-superuser, as PocketBase
    if not access.is_superuser:
        raise ForbiddenError()
    c = auth_collection(app, request.path_params["collection"])
    record = await find_by_id(app.db, c, request.path_params["id"])
    if record is None:
        raise NotFoundError()
    duration = body.get("duration", 0)
    if isinstance(duration, str) and duration.strip().lstrip("-").isdigit():
        duration = int(duration)  # form posts send text
    if isinstance(duration, bool) or not isinstance(duration, int | float) or int(duration) != duration:
        raise BadRequestError("An error occurred while loading the submitted data.")
    if duration < 0:
        raise BadRequestError(
            VALIDATE_ERROR,
            {
                "duration": field_error(
                    "validation_min_greater_equal_than_required", "Must be no less than 0.", {"threshold": 0}
                )
            },
        )
    seconds = int(duration) or int(c.options.get("authToken", {}).get("duration", 604800))
    token = issue_token(
        record.id,
        c.id,
        str(record.data.get("tokenKey", "")),
        c.token_secret("authToken"),
        seconds,
        refreshable=False,
    )
    return await auth_response(app, record, access, token=token)
