"""Access log: one structured line per request on the `bastion.access` logger.

Fields: time, level, request_id, method, path, query_keys, status, duration_ms, bytes, remote_ip,
user_agent, and the Server-Timing segments when the edge layer measured them. The query string's
values are never logged (filters and tokens can carry secrets); only its keys are.

`on_complete(record)` receives the same dict after every request, so the app can also store
request logs (PocketBase keeps them in a separate database).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from bastion.http.asgi_headers import Scope, get_header
from bastion.http.log_format import rfc3339

LOGGER_NAME = "bastion.access"

OnComplete = Callable[[dict[str, Any]], None]


def query_keys(raw_query: bytes) -> list[str]:
    """The distinct parameter names of a query string, in order, without their values."""
    if not raw_query:
        return []
    keys: dict[str, None] = {}
    for pair in raw_query.decode("latin-1").split("&"):
        key = pair.partition("=")[0]
        if not key:
            continue
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        keys[key] = None
    return list(keys)


def _level_for(status: int) -> tuple[int, str]:
    if status >= 500:
        return logging.ERROR, "error"
    if status >= 400:
        return logging.WARNING, "warn"
    return logging.INFO, "info"


class AccessLogger:
    """Turns a finished request into the access record and hands it to the logger and hook."""

    def __init__(self, on_complete: OnComplete | None = None, logger: logging.Logger | None = None) -> None:
        self.on_complete = on_complete
        self.logger = logger or logging.getLogger(LOGGER_NAME)

    def wanted(self) -> bool:
        """False when nobody would see a record: skip the bookkeeping then."""
        return self.on_complete is not None or self.logger.isEnabledFor(logging.ERROR)

    def emit(self, scope: Scope, started_wall: float, duration: float, status: int, sent: int) -> None:
        levelno, level = _level_for(status)
        if self.on_complete is None and not self.logger.isEnabledFor(levelno):
            return
        state = scope.get("state") or {}
        headers = scope["headers"]
        user_agent = get_header(headers, b"user-agent")
        client = scope.get("client")
        record: dict[str, Any] = {
            "time": rfc3339(started_wall),
            "level": level,
            "request_id": state.get("request_id"),
            "method": scope["method"],
            "path": scope.get("path", ""),
            "query_keys": query_keys(scope.get("query_string", b"")),
            "status": status,
            "duration_ms": round(duration * 1000, 3),
            "bytes": sent,
            "remote_ip": state.get("client_ip") or (client[0] if client else None),
            "user_agent": user_agent.decode("latin-1") if user_agent is not None else None,
        }
        timings = state.get("timings")
        if timings is not None and timings.segments:
            record["timings_ms"] = {k: round(v * 1000, 3) for k, v in timings.segments.items()}
        if self.logger.isEnabledFor(levelno):
            # makeRecord + handle skips logger.log's caller lookup (a stack walk per request);
            # the caller would always be this line anyway.
            log_record = self.logger.makeRecord(
                self.logger.name, levelno, __file__, 0, "request", (), None, extra={"fields": record}
            )
            self.logger.handle(log_record)
        if self.on_complete is not None:
            try:
                self.on_complete(record)
            except Exception:
                # A failing log sink must not turn a served request into an error; report it instead.
                logging.getLogger("bastion.http").exception("access log on_complete hook failed")
