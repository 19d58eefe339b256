"""PocketBase's date layout and the input layouts it accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bastion.core.datetime_format import format_dt, normalize_dt, now_str, parse_dt


def test_format_is_pocketbase_layout_in_utc_with_truncated_milliseconds() -> None:
    dt = datetime(2024, 1, 2, 12, 20, 30, 999999, tzinfo=timezone(timedelta(hours=2)))
    assert format_dt(dt) == "2024-01-02 10:20:30.999Z"
    assert format_dt(datetime(2024, 1, 2)) == "2024-01-02 00:00:00.000Z"
    assert format_dt(datetime(1, 1, 1, tzinfo=UTC)) == ""
    assert format_dt(None) == ""


def test_now_str_round_trips() -> None:
    now = now_str()
    assert len(now) == 24 and now.endswith("Z")
    assert format_dt(parse_dt(now)) == now


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-01-02 10:20:30.123Z", "2024-01-02 10:20:30.123Z"),
        ("2024-01-02", "2024-01-02 00:00:00.000Z"),
        ("2024-01-02T10:20:30Z", "2024-01-02 10:20:30.000Z"),
        ("2024-01-02T10:20:30", "2024-01-02 10:20:30.000Z"),
        ("2024-01-02T10:20:30+0100", "2024-01-02 09:20:30.000Z"),
        ("2024-01-02 10:20:30 -07:00", "2024-01-02 17:20:30.000Z"),
        ("Mon, 02 Jan 2006 15:04:05 MST", "2006-01-02 15:04:05.000Z"),
        ("Mon, 02 Jan 2006 15:04:05 +0100", "2006-01-02 14:04:05.000Z"),
        ("Monday, 02-Jan-06 15:04:05 UTC", "2006-01-02 15:04:05.000Z"),
        ("Mon Jan  2 15:04:05 2006", "2006-01-02 15:04:05.000Z"),
        ("02 Jan 2006", "2006-01-02 00:00:00.000Z"),
        ("2024-02-30", ""),
        ("2024-01-02T10:20:30 +01:00", ""),
        ("", ""),
        (None, ""),
        (12.5, ""),
    ],
)
def test_accepted_input_layouts(raw: object, expected: str) -> None:
    assert normalize_dt(raw) == expected
