"""When a PocketBase cron expression next fires (UTC, whole minutes, all five segments must
match), and the interval schedules the tests use."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bastion.core.cron_expr import next_fire, parse_cron
from bastion.jobs.backoff import exponential_backoff
from bastion.jobs.cron import CronEntry


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expr", "after", "expected"),
    [
        ("@daily", "2026-12-02 16:59:30", "2026-12-03 00:00"),
        ("@midnight", "2026-12-31 23:59:59", "2027-01-01 00:00"),
        ("@hourly", "2026-12-02 16:00:00", "2026-12-02 17:00"),  # strictly after
        ("@weekly", "2026-12-02 10:00", "2026-12-06 00:00"),  # 2026-12-06 is a Sunday
        ("@monthly", "2026-12-15 00:00", "2027-01-01 00:00"),
        ("@yearly", "2026-06-01 00:00", "2027-01-01 00:00"),
        ("* * * * *", "2026-12-02 16:59:59.999", "2026-12-02 17:00"),
        ("*/15 * * * *", "2026-12-02 16:31", "2026-12-02 16:45"),
        ("0 */6 * * *", "2026-12-02 13:00", "2026-12-02 18:00"),
        ("5-10/2 * * * *", "2026-12-02 16:07", "2026-12-02 16:09"),
        ("5,30,50 * * * *", "2026-12-02 16:31", "2026-12-02 16:50"),
        ("0 9-17 * * 1-5", "2026-12-04 17:30", "2026-12-07 09:00"),  # Friday evening → Monday
        ("0 0 * * 0", "2026-12-02 00:00", "2026-12-06 00:00"),  # 0 is Sunday
        ("0 0 * * 6", "2026-12-02 00:00", "2026-12-05 00:00"),  # 6 is Saturday
        ("0 0 29 2 *", "2026-03-01 00:00", "2028-02-29 00:00"),  # the next leap day
        ("0 0 13 * 5", "2026-01-01 00:00", "2026-02-13 00:00"),  # day AND weekday: Friday the 13th
        ("30 2 1 1,7 *", "2026-01-01 02:30", "2026-07-01 02:30"),
    ],
)
def test_next_fire(expr: str, after: str, expected: str) -> None:
    assert next_fire(expr, at(after)) == at(expected)


def test_an_expression_that_never_matches_has_no_next_fire() -> None:
    assert next_fire("0 0 31 2 *", at("2026-01-01 00:00")) is None


def test_a_moment_in_another_zone_is_read_as_the_same_instant() -> None:
    from datetime import timedelta, timezone

    paris = datetime(2026, 12, 2, 23, 30, tzinfo=timezone(timedelta(hours=1)))  # 22:30 UTC
    assert next_fire("0 23 * * *", paris) == at("2026-12-02 23:00")


def test_an_invalid_expression_raises_pocketbases_message() -> None:
    with pytest.raises(ValueError, match="exactly 5 space separated segments"):
        parse_cron("* * *")
    with pytest.raises(ValueError, match="step > 1 could be used only"):
        parse_cron("5/2 * * * *")


def test_interval_ticks_are_multiples_of_the_interval() -> None:
    entry = CronEntry("t", "@every 1s", _never, None, 1.0, 10.0)
    assert entry.next_tick(100.2) == 101.0
    assert entry.next_tick(101.0) == 102.0
    five = CronEntry("t", "@every 5s", _never, None, 5.0, 10.0)
    assert five.next_tick(101.0) == 105.0


def test_cron_entry_ticks_follow_the_expression() -> None:
    entry = CronEntry("t", "0 * * * *", _never, parse_cron("0 * * * *"), 0.0, 10.0)
    assert entry.next_tick(at("2026-12-02 16:20").timestamp()) == at("2026-12-02 17:00").timestamp()


async def _never() -> None:
    raise AssertionError("not run")


def test_backoff_grows_exponentially_within_jitter_and_is_capped() -> None:
    delay = exponential_backoff(base=2.0, cap=60.0)
    for attempt, nominal in [(1, 2.0), (2, 4.0), (3, 8.0), (5, 32.0), (6, 60.0), (40, 60.0), (10_000, 60.0)]:
        for _ in range(50):
            assert nominal / 2 <= delay(attempt) <= nominal
