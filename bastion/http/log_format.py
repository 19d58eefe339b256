"""Log formatting for all of Bastion: one JSON object per line, or readable text for a terminal.

`log_format = auto` (the default) picks per destination: text when it is a terminal, JSON
otherwise (a file, a pipe, journald), so a person at a terminal reads one short line per request
and a log collector gets structured lines. The access log can also go to its own file, or nowhere.

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


ACCESS_LOGGER = "bastion.access"


class TextFormatter(logging.Formatter):
    """`time level logger msg key=value ...` for humans at a terminal; a request is one short line,
    `09:27:55 GET /api/health 200 1.1ms` (local time, as a person reading along expects)."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        if record.name == ACCESS_LOGGER and fields and "status" in fields:
            clock = time.strftime("%H:%M:%S", time.localtime(record.created))
            return (
                f"{clock} {fields.get('method', '')} {fields.get('path', '')} {fields['status']} "
                f"{fields.get('duration_ms', 0):.1f}ms"
            )
        parts = [
            rfc3339(record.created),
            level_name(record.levelno).upper(),
            record.name,
            record.getMessage(),
        ]
        if fields:
            parts.extend(f"{k}={v}" for k, v in fields.items() if k not in ("time", "level"))
        text = " ".join(str(p) for p in parts)
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _formatter(json: bool | None, stream: Any) -> logging.Formatter:
    """`json=None` is `log_format = auto`: text for a terminal, JSON for anything else."""
    if json is None:
        json = not _is_terminal(stream)
    return JsonFormatter() if json else TextFormatter()


def _replace_handler(logger: logging.Logger, handler: logging.Handler | None) -> None:
    for old in [h for h in logger.handlers if getattr(h, _HANDLER_MARK, False)]:
        logger.removeHandler(old)
        old.close()  # a file handler closes its file; a stream handler leaves stderr open
    if handler is not None:
        setattr(handler, _HANDLER_MARK, True)
        logger.addHandler(handler)


def configure_logging(
    level: int | str = "INFO", json: bool | None = True, stream: Any = None, access: str = "stderr"
) -> logging.Handler:
    """Send the `bastion` logger tree to one stream handler (stderr by default).

    `json=None` chooses by destination (see the module docstring). `access` is where request
    lines go: "stderr" (with the rest), "off", or a file path (appended; JSON unless `json` is
    False). Only the `bastion` loggers are touched, not the root logger, so libraries and test
    harnesses keep their own handlers. Calling it again replaces the handlers it installed before.
    """
    if isinstance(level, str):
        level = logging.getLevelName(level.upper())
        if not isinstance(level, int):
            raise ValueError(f"unknown log level: {level}")
    logger = logging.getLogger("bastion")
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_formatter(json, stream))
    _replace_handler(logger, handler)
    logger.setLevel(level)
    # Our handler prints the line; propagating would print it twice if the root has one too.
    logger.propagate = False

    access_logger = logging.getLogger(ACCESS_LOGGER)
    access_logger.setLevel(logging.NOTSET)
    access_logger.propagate = True
    if access == "off":
        _replace_handler(access_logger, None)
        access_logger.setLevel(logging.CRITICAL + 1)  # nothing is enabled: no line is even built
    elif access == "stderr":
        _replace_handler(access_logger, None)
    else:
        file_handler = logging.FileHandler(access, encoding="utf-8")
        file_handler.setFormatter(_formatter(True if json is None else json, None))
        _replace_handler(access_logger, file_handler)
        access_logger.propagate = False
    return handler
