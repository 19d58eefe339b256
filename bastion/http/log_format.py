"""Log formatting for all of Bastion: one JSON object per line, or readable text for a terminal.

A record's structured fields travel in `extra={"fields": {...}}`; the JSON formatter merges them
into the top level of the line, so `logger.info("request", extra={"fields": {"status": 200}})`
becomes `{"time": ..., "level": "info", "logger": ..., "msg": "request", "status": 200}`.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from typing import Any

import msgspec

_LEVELS = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warn",
    logging.ERROR: "error",
    logging.CRITICAL: "critical",
}

# Marks the handler configure_logging installed, so calling it again replaces rather than stacks.
_HANDLER_MARK = "_bastion_handler"


@functools.lru_cache(maxsize=8)
def _second_prefix(second: int) -> str:
    # Many lines share a second: format the date part once per second, not once per line.
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


def rfc3339(timestamp: float) -> str:
    """UTC RFC 3339 with milliseconds: `2026-11-23T11:08:44.123Z`."""
    second = int(timestamp)
    ms = int((timestamp - second) * 1000)
    return f"{_second_prefix(second)}.{ms:03d}Z"


def level_name(levelno: int) -> str:
    return _LEVELS.get(levelno) or logging.getLevelName(levelno).lower()


class JsonFormatter(logging.Formatter):
    """One JSON object per line, encoded by msgspec (unknown types fall back to `str`)."""

    def __init__(self) -> None:
        super().__init__()
        self._encoder = msgspec.json.Encoder(enc_hook=str)

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": rfc3339(record.created),
            "level": level_name(record.levelno),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return self._encoder.encode(line).decode("utf-8")


class TextFormatter(logging.Formatter):
    """`time level logger msg key=value ...` for humans at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [
            rfc3339(record.created),
            level_name(record.levelno).upper(),
            record.name,
            record.getMessage(),
        ]
        fields = getattr(record, "fields", None)
        if fields:
            parts.extend(f"{k}={v}" for k, v in fields.items() if k not in ("time", "level"))
        text = " ".join(str(p) for p in parts)
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def configure_logging(level: int | str = "INFO", json: bool = True, stream: Any = None) -> logging.Handler:
    """Send the `bastion` logger tree to one stream handler (stderr by default).

    Only the `bastion` logger is touched, not the root logger, so libraries and test harnesses
    keep their own handlers. Calling it again replaces the handler it installed before.
    """
    if isinstance(level, str):
        level = logging.getLevelName(level.upper())
        if not isinstance(level, int):
            raise ValueError(f"unknown log level: {level}")
    logger = logging.getLogger("bastion")
    for old in [h for h in logger.handlers if getattr(h, _HANDLER_MARK, False)]:
        logger.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json else TextFormatter())
    setattr(handler, _HANDLER_MARK, True)
    logger.addHandler(handler)
    logger.setLevel(level)
    # Our handler prints the line; propagating would print it twice if the root has one too.
    logger.propagate = False
    return handler
