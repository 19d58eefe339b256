"""One error hierarchy with one JSON shape.

    ApiError                       status, message, data  -> {"data", "message", "status"}
     ├── BadRequestError           400  (validation: data holds {field: {code, message}})
     ├── UnauthorizedError         401
     ├── ForbiddenError            403
     ├── NotFoundError             404
     ├── NotAcceptableError        406  (Accept admits none of the answer's media types)
     ├── PreconditionFailedError   412
     ├── TooLargeError             413
     ├── UnsupportedMediaError     415
     ├── TooManyRequestsError      429
     └── UnavailableError          503  (the database cannot answer now; with Retry-After)

    StartupError                   the server cannot start: one line saying why and what to do

Only ApiError subclasses reach a client with their message and data. Any other exception is
rendered as a generic 500 (PocketBase: "Something went wrong while processing your request.") and
logged with its traceback; SQL text and stack traces never leave the server. The store's
`DatabaseUnavailable` is not a bug of ours or the client's: api/database_faults.py turns it into a
503 whose message names no internals. This module imports nothing of Bastion, so every layer can
raise these.
"""

from __future__ import annotations

from typing import Any


class StartupError(Exception):
    """The App cannot start on this database; the message is one line for the operator (which
    object, which values, what to do), and the command line prints it without a traceback."""


class ApiError(Exception):
    status: int = 400
    default_message: str = "Something went wrong while processing your request."
    retry_after: int | None = None  # seconds, sent as Retry-After when set

    def __init__(self, message: str | None = None, data: dict[str, Any] | None = None) -> None:
        self.message = message or self.default_message
        self.data: dict[str, Any] = data or {}
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        # PocketBase marshals the error with its keys in alphabetical order.
        return {"data": self.data, "message": self.message, "status": self.status}


class BadRequestError(ApiError):
    status = 400
    default_message = "Something went wrong while processing your request."


class UnauthorizedError(ApiError):
    status = 401
    default_message = "The request requires valid record authorization token."


class ForbiddenError(ApiError):
    status = 403
    default_message = "The authorized record is not allowed to perform this action."


class NotFoundError(ApiError):
    status = 404
    default_message = "The requested resource wasn't found."


class MethodNotAllowedError(ApiError):
    status = 405
    default_message = "Method Not Allowed."


class PreconditionFailedError(ApiError):
    status = 412
    default_message = "The resource was modified since the given ETag."


class NotAcceptableError(ApiError):
    status = 406
    default_message = "Not Acceptable."


class TooLargeError(ApiError):
    status = 413
    default_message = "Request entity too large."


class UnsupportedMediaError(ApiError):
    status = 415
    default_message = "Unsupported Content-Type."


class TooManyRequestsError(ApiError):
    status = 429
    default_message = "Too Many Requests."

    def __init__(self, message: str | None = None, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UnavailableError(ApiError):
    status = 503
    default_message = "Service Unavailable."

    def __init__(self, message: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InternalError(ApiError):
    status = 500
    default_message = "Something went wrong while processing your request."


def field_error(code: str, message: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """One entry of a validation error's `data`, in PocketBase's shape."""
    err: dict[str, Any] = {"code": code, "message": message}
    if params:
        err["params"] = params
    return err


class ValidationError(BadRequestError):
    """A 400 whose `data` maps field names to `{code, message}` entries (codes `validation_*`)."""

    default_message = "Failed to create record."

    def __init__(self, errors: dict[str, Any], message: str | None = None) -> None:
        super().__init__(message, errors)
        self.errors = errors
