"""SQLite's strftime() for the evaluator (the subset of time values and specifiers filters use)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from bastion.rules.errors import RuleResolveError

_TIME = re.compile(
    r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:\d{2})?\s*$"
)


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    m = _TIME.match(value)
    if not m:
        return None
    y, mo, d, h, mi, s, frac, tz = m.groups()
    ms = int((frac or "0")[:3].ljust(3, "0"))
    try:
        dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), ms * 1000, tzinfo=UTC)
    except ValueError:
        return None
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        dt -= sign * timedelta(hours=int(tz[1:3]), minutes=int(tz[4:6]))
    return dt


def _fmt(fmt: str, dt: datetime) -> str | None:
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
            out.append(f"{dt.day:02d}")
        elif spec == "f":
            out.append(f"{dt.second:02d}.{dt.microsecond // 1000:03d}")
        elif spec == "H":
            out.append(f"{dt.hour:02d}")
        elif spec == "j":
            out.append(f"{dt.timetuple().tm_yday:03d}")
        elif spec == "m":
            out.append(f"{dt.month:02d}")
        elif spec == "M":
            out.append(f"{dt.minute:02d}")
        elif spec == "s":
            out.append(str(int(dt.timestamp())))
        elif spec == "S":
            out.append(f"{dt.second:02d}")
        elif spec == "w":
            out.append(str((dt.weekday() + 1) % 7))
        elif spec == "Y":
            out.append(f"{dt.year:04d}")
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
        dt: datetime | None = (now or datetime.now(UTC)).astimezone(UTC)
    else:
        dt = parse_time(args[1])
    if dt is None:
        return None
    return _fmt(str(fmt), dt)
