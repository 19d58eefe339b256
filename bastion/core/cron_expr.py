"""Cron expressions as PocketBase's scheduler parses them (backups.cron).

Five space-separated segments (minute, hour, day of month, month, day of week) or one of its
macros; each segment a comma list of `*`, `n`, `a-b`, optionally `/step`. `cron_error` returns the
message PocketBase gives for an expression it refuses (sentenized, as its validation errors are).
"""

from __future__ import annotations

import re

__all__ = ["cron_error"]

_MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
_GO_INT = re.compile(r"[+-]?[0-9]+\Z")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _atoi(raw: str) -> int:
    """Go's strconv.Atoi, with its error messages."""
    if not _GO_INT.match(raw):
        raise ValueError(f'Strconv.Atoi: parsing "{raw}": invalid syntax.')
    value = int(raw)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise ValueError(f'Strconv.Atoi: parsing "{raw}": value out of range.')
    return value


def _check_segment(segment: str, lo: int, hi: int) -> None:
    for part in segment.split(","):
        step_parts = part.split("/")
        if len(step_parts) > 2:
            raise ValueError("Invalid segment step format - must be in the format */n or 1-30/n.")
        step = 1
        if len(step_parts) == 2:
            step = _atoi(step_parts[1])
            if step < 1 or step > hi:
                raise ValueError(f"Invalid segment step boundary - the step must be between 1 and the {hi}.")
        if step_parts[0] == "*":
            continue
        range_parts = step_parts[0].split("-")
        if len(range_parts) == 1:
            if step != 1:
                raise ValueError(
                    "Invalid segment step - step > 1 could be used only with the wildcard or range format."
                )
            if not lo <= _atoi(range_parts[0]) <= hi:
                raise ValueError("Invalid segment value - must be between the min and max of the segment.")
        elif len(range_parts) == 2:
            start = _atoi(range_parts[0])
            if not lo <= start <= hi:
                raise ValueError(f"Invalid segment range minimum - must be between {lo} and {hi}.")
            end = _atoi(range_parts[1])
            if end < start or end > hi:
                raise ValueError(f"Invalid segment range maximum - must be between {start} and {hi}.")
        else:
            raise ValueError("Invalid segment range format - the range must have 1 or 2 parts.")


def cron_error(expr: str) -> str | None:
    """The message PocketBase's cron parser gives for `expr`, None when it is valid."""
    segments = _MACROS.get(expr, expr).split(" ")
    if len(segments) != len(_BOUNDS):
        return (
            "Invalid cron expression - must be a valid macro or to have exactly 5 space separated segments."
        )
    try:
        for segment, (lo, hi) in zip(segments, _BOUNDS, strict=True):
            _check_segment(segment, lo, hi)
    except ValueError as exc:
        return str(exc)
    return None
