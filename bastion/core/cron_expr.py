"""Cron expressions as PocketBase's scheduler parses them (backups.cron).

Five space-separated segments (minute, hour, day of month, month, day of week) or one of its
macros; each segment a comma list of `*`, `n`, `a-b`, optionally `/step`. `cron_error` returns the
message PocketBase gives for an expression it refuses (sentenized, as its validation errors are);
`next_fire` the first minute after a moment when an expression is due.

PocketBase's scheduler (tools/cron) ticks at the start of every minute, in UTC, and runs a job when
all five segments match the moment (day of month AND day of week, not cron's usual OR); day of
week 0-6 with 0 = Sunday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["CronSpec", "cron_error", "next_fire", "parse_cron"]

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


@dataclass(frozen=True)
class CronSpec:
    """An expression's segments as the values each one matches."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday

    def matches(self, moment: datetime) -> bool:
        return (
            moment.minute in self.minutes
            and moment.hour in self.hours
            and moment.day in self.days
            and moment.month in self.months
            and (moment.weekday() + 1) % 7 in self.weekdays
        )


def _segment_values(segment: str, lo: int, hi: int) -> frozenset[int]:
    values: set[int] = set()
    for part in segment.split(","):
        range_part, _, step_part = part.partition("/")
        step = int(step_part) if step_part else 1
        if range_part == "*":
            start, end = lo, hi
        elif "-" in range_part:
            first, last = range_part.split("-")
            start, end = int(first), int(last)
        else:
            start = end = int(range_part)
        values.update(range(start, end + 1, step))
    return frozenset(values)


def parse_cron(expr: str) -> CronSpec:
    """The values `expr` (five segments or a macro) matches; ValueError with PocketBase's message
    when it is not valid."""
    problem = cron_error(expr)
    if problem is not None:
        raise ValueError(problem)
    segments = _MACROS.get(expr, expr).split(" ")
    sets = [_segment_values(seg, lo, hi) for seg, (lo, hi) in zip(segments, _BOUNDS, strict=True)]
    return CronSpec(*sets)


# No expression that passes cron_error waits longer than this for its next match (a 29 February
# restricted to one weekday recurs within 28 years); beyond it, there is none.
_HORIZON = timedelta(days=366 * 29)


def next_fire(spec: CronSpec | str, after: datetime) -> datetime | None:
    """The first whole minute strictly after `after` (UTC) when `spec` is due, or None if it never
    is (e.g. "0 0 31 2 *"). Skips whole months, days and hours that cannot match."""
    if isinstance(spec, str):
        spec = parse_cron(spec)
    start = after.astimezone(UTC) if after.tzinfo else after.replace(tzinfo=UTC)
    moment = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    limit = start + _HORIZON
    while moment <= limit:
        if moment.month not in spec.months:
            moment = (moment.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
        elif moment.day not in spec.days or (moment.weekday() + 1) % 7 not in spec.weekdays:
            moment = moment.replace(hour=0, minute=0) + timedelta(days=1)
        elif moment.hour not in spec.hours:
            moment = moment.replace(minute=0) + timedelta(hours=1)
        elif moment.minute not in spec.minutes:
            moment += timedelta(minutes=1)
        else:
            return moment
    return None
