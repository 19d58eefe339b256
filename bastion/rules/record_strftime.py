"""SQLite's strftime() for the evaluator (the subset of time values and specifiers filters use)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bastion.rules.errors import RuleResolveError

# SQLite's time value syntax: a UTC offset only after a time
_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:(?: +|T)(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)? *(Z|[+-]\d{2}:\d{2})?)? *$"
)


@dataclass(frozen=True)
class _Time:
    """A time value as SQLite holds it: the fields as written (what %Y … %S print) and the instant
    they name (what %j, %s and %w are computed from). SQLite takes any day 01-31 and hour 00-24 and
    prints them as written (2024-02-30), while its Julian day rolls them over (to 1 March); a
    non-zero UTC offset makes it recompute the fields from the instant."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: float  # with its fraction, as written
    instant: datetime

    @property
    def date(self) -> datetime:
        """The written day, rolled over (%j counts from it: 2024-02-30 is day 61, 24:00 stays)."""
        return datetime(self.year, self.month, 1, tzinfo=UTC) + timedelta(days=self.day - 1)


def parse_time(value: Any) -> _Time | None:
    if not isinstance(value, str):
        return None
    m = _TIME.match(value)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    year, month, day, hour, minute = (int(v or 0) for v in (y, mo, d, h, mi))
    second = int(s or 0) + float("0." + (frac or "0"))
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 24 and minute <= 59 and second < 60) or year == 0:
        return None  # (year 0000 is SQLite's, not Python's: left out, as PostgreSQL's compiler does)
    instant = datetime(year, month, 1, tzinfo=UTC) + timedelta(
        days=day - 1,
        hours=hour,
        minutes=minute,
        milliseconds=int(second * 1000 + 0.5),  # SQLite's rounding
    )
    if tz and tz not in ("Z", "+00:00", "-00:00"):
        sign = 1 if tz[0] == "+" else -1
        instant -= sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
        return _at(instant)
    return _Time(year, month, day, hour, minute, second, instant)


def _at(instant: datetime) -> _Time:
    return _Time(
        instant.year,
        instant.month,
        instant.day,
        instant.hour,
        instant.minute,
        instant.second + instant.microsecond // 1000 / 1000,
        instant,
    )


def _fmt(fmt: str, t: _Time) -> str | None:
    out: list[str] = []
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%" or i + 1 >= len(fmt):
            out.append(ch)
            i += 1
            continue
        spec = fmt[i + 1]
        i += 2
        if spec == "d":
            out.append(f"{t.day:02d}")
        elif spec == "f":
            ms = min(int(t.second * 1000 + 0.5), 59999)  # SQLite's printf rounding, and its clamp
            out.append(f"{ms // 1000:02d}.{ms % 1000:03d}")
        elif spec == "H":
            out.append(f"{t.hour:02d}")
        elif spec == "j":
            out.append(f"{t.date.timetuple().tm_yday:03d}")
        elif spec == "m":
            out.append(f"{t.month:02d}")
        elif spec == "M":
            out.append(f"{t.minute:02d}")
        elif spec == "s":
            out.append(str(math.floor(t.instant.timestamp())))
        elif spec == "S":
            out.append(f"{int(t.second):02d}")
        elif spec == "w":
            out.append(str((t.instant.weekday() + 1) % 7))
        elif spec == "Y":
            out.append(f"{t.year:04d}")
        elif spec == "%":
            out.append("%")
        else:
            return None
    return "".join(out)


def sqlite_strftime(args: list[Any], now: datetime | None) -> str | None:
    fmt = args[0]
    if fmt is None:
        return None
    if len(args) > 2:
        raise RuleResolveError("strftime() modifiers are not supported by the in-memory evaluator")
    if len(args) == 1:
        t: _Time | None = _at((now or datetime.now(UTC)).astimezone(UTC))
    else:
        t = parse_time(args[1])
    if t is None:
        return None
    return _fmt(str(fmt), t)
