"""`@now`, `@todayStart`, `@year` …: identifiers that stand for a value computed from "now" (UTC).

Datetime macros render in PocketBase's stored format (`2006-01-02 15:04:05.000Z`), so they compare
as text with date fields; the numeric ones (`@day`, `@weekday` …) are integers.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any


def format_datetime(dt: datetime) -> str:
    """PocketBase's DateTime string: millisecond precision (truncated), UTC, `Z` suffix."""
    dt = dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)
    return dt.strftime("%Y-%m-%d %H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _day_start(n: datetime) -> datetime:
    return n.replace(hour=0, minute=0, second=0, microsecond=0)


def _day_end(n: datetime) -> datetime:
    return n.replace(hour=23, minute=59, second=59, microsecond=999999)


def _month_end(n: datetime) -> datetime:
    last = calendar.monthrange(n.year, n.month)[1]
    return _day_end(n.replace(day=last))


_MACROS: dict[str, Callable[[datetime], Any]] = {
    "@now": format_datetime,
    "@yesterday": lambda n: format_datetime(n - timedelta(days=1)),
    "@tomorrow": lambda n: format_datetime(n + timedelta(days=1)),
    "@second": lambda n: n.second,
    "@minute": lambda n: n.minute,
    "@hour": lambda n: n.hour,
    "@day": lambda n: n.day,
    "@month": lambda n: n.month,
    # Go's Weekday: Sunday == 0
    "@weekday": lambda n: (n.weekday() + 1) % 7,
    "@year": lambda n: n.year,
    "@todayStart": lambda n: format_datetime(_day_start(n)),
    "@todayEnd": lambda n: format_datetime(_day_end(n)),
    "@monthStart": lambda n: format_datetime(_day_start(n.replace(day=1))),
    "@monthEnd": lambda n: format_datetime(_month_end(n)),
    "@yearStart": lambda n: format_datetime(_day_start(n.replace(month=1, day=1))),
    "@yearEnd": lambda n: format_datetime(_day_end(n.replace(month=12, day=31))),
}


def is_macro(name: str) -> bool:
    return name in _MACROS


def macro_value(name: str, now: datetime | None = None) -> Any:
    """The macro's value at `now` (default: the current time); KeyError for unknown names."""
    n = now or datetime.now(UTC)
    n = n.astimezone(UTC) if n.tzinfo else n.replace(tzinfo=UTC)
    return _MACROS[name](n)
