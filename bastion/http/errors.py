"""Rendering errors as HTTP responses.

The default is PocketBase's shape, `{"status", "message", "data"}` as `application/json`. A client
whose Accept header prefers `application/problem+json` gets RFC 9457 instead: `type`
("about:blank"), `title` (the status phrase), `status`, `detail` (the message) and `errors` (the
same `data`). PocketBase clients never ask for it, so they always see PocketBase's shape.

Only `ApiError`s carry their message and data to the client; anything else becomes the generic
500 with no details, and its traceback goes to the log.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from starlette.responses import Response

from bastion.errors import ApiError, InternalError
from bastion.http.asgi_headers import parse_qvalues

PROBLEM_JSON = "application/problem+json"
_JSON_RANGES = ("application/json", "application/*", "*/*")

logger = logging.getLogger("bastion.http")


def wants_problem_json(accept: str | None) -> bool:
    """True when Accept names problem+json with a q at least as high as any range matching JSON.

    Wildcards alone never select it: `*/*` means "anything", and PocketBase's shape is ours.
    """
    if not accept or "problem+json" not in accept:
        return False
    qvalues = parse_qvalues(accept)
    q_problem = qvalues.get(PROBLEM_JSON, 0.0)
    if q_problem <= 0.0:
        return False
    q_json = max((qvalues[r] for r in _JSON_RANGES if r in qvalues), default=0.0)
    return q_problem >= q_json


def error_body(err: ApiError, problem: bool) -> dict[str, Any]:
    if not problem:
        return err.to_dict()
    try:
        title = HTTPStatus(err.status).phrase
    except ValueError:
        title = "Error"
    return {
        "type": "about:blank",
        "title": title,
        "status": err.status,
        "detail": err.message,
        "errors": err.data,
    }


def error_response(err: ApiError, accept: str | None = None) -> Response:
    """The response for an ApiError, negotiated against the request's Accept header."""
    problem = wants_problem_json(accept)
    headers: dict[str, str] = {}
    if err.retry_after is not None:  # 429, and 503 when the database cannot answer
        headers["Retry-After"] = str(err.retry_after)
    return Response(
        msgspec.json.encode(error_body(err, problem)),
        status_code=err.status,
        media_type=PROBLEM_JSON if problem else "application/json",
        headers=headers,
    )


def render_unexpected(exc: BaseException | None = None, accept: str | None = None) -> Response:
    """The generic 500 for an exception that is not an ApiError: nothing about it is shown.

    Given the exception, its traceback is logged on `bastion.http`; pass None when the caller
    has logged it already.
    """
    if exc is not None:
        logger.error("unhandled error: %s", type(exc).__name__, exc_info=exc)
    return error_response(InternalError(), accept)
