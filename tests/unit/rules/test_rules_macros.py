"""Datetime macros are computed in UTC from an injectable `now`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from bastion.rules.filter_macros import format_datetime, is_macro, macro_value

NOW = datetime(2024, 2, 29, 13, 45, 30, 123456, tzinfo=UTC)  # a leap-day Thursday

EXPECTED = {
    "@now": "2024-02-29 13:45:30.123Z",
    "@yesterday": "2024-02-28 13:45:30.123Z",
    "@tomorrow": "2024-03-01 13:45:30.123Z",
    "@second": 30,
    "@minute": 45,
    "@hour": 13,
    "@day": 29,
    "@month": 2,
    "@weekday": 4,
    "@year": 2024,
    "@todayStart": "2024-02-29 00:00:00.000Z",
    "@todayEnd": "2024-02-29 23:59:59.999Z",
    "@monthStart": "2024-02-01 00:00:00.000Z",
    "@monthEnd": "2024-02-29 23:59:59.999Z",
    "@yearStart": "2024-01-01 00:00:00.000Z",
    "@yearEnd": "2024-12-31 23:59:59.999Z",
}


@pytest.mark.parametrize(("name", "value"), EXPECTED.items())
def test_macro(name: str, value: object) -> None:
    assert is_macro(name)
    assert macro_value(name, NOW) == value


def test_non_utc_now_is_converted() -> None:
    local = NOW.astimezone(timezone(timedelta(hours=5)))
    assert macro_value("@hour", local) == 13
    assert macro_value("@now", local) == EXPECTED["@now"]


def test_sunday_is_zero() -> None:
    assert macro_value("@weekday", datetime(2024, 3, 3, tzinfo=UTC)) == 0


def test_format_naive_as_utc() -> None:
    assert format_datetime(datetime(2024, 1, 2, 3, 4, 5, 678999)) == "2024-01-02 03:04:05.678Z"


def test_unknown() -> None:
    assert not is_macro("@later")
