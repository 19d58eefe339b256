"""Dates the way PocketBase writes and reads them.

PocketBase stores and returns every date as UTC text in one sortable layout,
`2006-01-02 15:04:05.000Z` (milliseconds, truncated, not rounded), and an unset date as "".
On input it accepts its own layout plus the layouts of Go's `cast.ToTime`: RFC 3339 with or
without `T`, zone or fraction, date-only `2006-01-02`, Go's `Time.String()`, and the RFC 822 /
1123 / 850, ANSIC, Unix and Ruby date layouts. Anything else parses to nothing (the field is
then stored as "", silently, as PocketBase does). Zone abbreviations count as UTC, as they do
for Go's parser on a UTC server.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:([T ])(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2}| [+-]\d{2}:?\d{2}(?: [A-Za-z]{3,5})?)?)?$"
)
_ZONE_ABBR = re.compile(r"(?<= )[A-Z]{3,5}(?= |$)")
_TEXT_LAYOUTS = (
    "%a, %d %b %Y %H:%M:%S %z",  # RFC 1123 / 1123Z
    "%d %b %y %H:%M %z",  # RFC 822 / 822Z
    "%A, %d-%b-%y %H:%M:%S %z",  # RFC 850
    "%a %b %d %H:%M:%S %Y",  # ANSIC
    "%a %b %d %H:%M:%S %z %Y",  # Unix date, Ruby date
    "%d %b %Y",
)
_ZERO = datetime(1, 1, 1, tzinfo=UTC)


def format_dt(dt: datetime | None) -> str:
    """`2006-01-02 15:04:05.000Z` in UTC; "" for None or Go's zero time. Naive means UTC."""
    if dt is None:
        return ""
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    if dt == _ZERO:
        return ""
    return (
        f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d} "
        f"{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}.{dt.microsecond // 1000:03d}Z"
    )


def now_str() -> str:
    return format_dt(datetime.now(UTC))


def parse_dt(value: object) -> datetime | None:
    """An aware UTC datetime, or None for empty, unparsable or non-text input.

    Numbers give None on purpose: PocketBase decodes JSON numbers as floats, which its date
    parser does not accept."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if not isinstance(value, str) or value == "":
        return None
    m = _ISO.match(value)
    if m:
        return _from_iso(m)
    text = _ZONE_ABBR.sub("+0000", value)
    for layout in _TEXT_LAYOUTS:
        try:
            dt = datetime.strptime(text, layout)
        except ValueError:
            continue
        return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return None


# Text already in the stored form, with a day that exists in every month: what every date read
# back from the database is. It normalizes to itself, so it needs no parsing (a day past the 28th
# takes the long way, which knows the month's length).
_STORED_FORM = re.compile(
    r"(?!0000)\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8]) (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z"
)


def normalize_dt(value: object) -> str:
    """Any accepted input to PocketBase's stored/returned text ("" when not a date)."""
    if type(value) is str and len(value) == 24 and _STORED_FORM.fullmatch(value):
        return value
    return format_dt(parse_dt(value))


def _from_iso(m: re.Match[str]) -> datetime | None:
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    sep = m.group(4)
    zone = m.group("zone") or ""
    if sep == "T" and zone.startswith(" "):
        return None  # the space-separated zone forms only exist without `T`
    hour = minute = second = micro = 0
    if sep:
        hour, minute, second = int(m.group(5)), int(m.group(6)), int(m.group(7))
        frac = m.group(8) or ""
        micro = int((frac + "000000")[:6])
    try:
        dt = datetime(year, month, day, hour, minute, second, micro, tzinfo=_zone(zone))
    except ValueError:
        return None
    return dt.astimezone(UTC)


def _zone(zone: str) -> timezone:
    zone = zone.strip().split(" ")[0]
    if zone in ("", "Z"):
        return UTC
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-offset if zone[0] == "-" else offset)
