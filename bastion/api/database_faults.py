"""Answering a request the database could not serve: 503 with Retry-After, one throttled line.

The store raises `DatabaseUnavailable` (or `DatabaseBusy`) with a one-line cause. The client gets
PocketBase's error shape with status 503 and a Retry-After; the server log gets one line per kind
of fault every few seconds (with how many requests it stood for), never a traceback per request;
the request log keeps the cause for superusers, as it does for a 500.
"""

from __future__ import annotations

import logging

from starlette.responses import Response

from bastion.errors import UnavailableError
from bastion.http.asgi_headers import Scope
from bastion.http.errors import error_response
from bastion.http.request_log import note_error
from bastion.obs.log_throttle import LogThrottle
from bastion.store.errors import DatabaseBusy, DatabaseUnavailable

LOG_INTERVAL = 10.0
_log = LogThrottle(logging.getLogger("bastion.db"), LOG_INTERVAL)


def report_database_fault(exc: DatabaseUnavailable, path: str = "") -> None:
    """One log line for this kind of fault per interval (busy: warning; unavailable: error)."""
    if isinstance(exc, DatabaseBusy):
        _log.log(logging.WARNING, exc.cause, "database busy: %s", exc.cause, extra={"path": path})
    else:
        _log.log(logging.ERROR, exc.cause, "database unavailable: %s", exc.cause, extra={"path": path})


def unavailable_error(exc: DatabaseUnavailable) -> UnavailableError:
    """The client's answer to a database fault: what kind, and when to retry; never the cause."""
    if isinstance(exc, DatabaseBusy):
        return UnavailableError("The database is busy, please try again later.", exc.retry_after)
    return UnavailableError(
        "The database is temporarily unavailable, please try again later.", exc.retry_after
    )


def database_fault_response(exc: DatabaseUnavailable, scope: Scope, accept: str | None) -> Response:
    report_database_fault(exc, str(scope.get("path", "")))
    err = unavailable_error(exc)
    note_error(scope, err.message, exc.cause)
    return error_response(err, accept)
