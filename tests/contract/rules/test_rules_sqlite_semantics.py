"""sqlite_values mirrors real SQLite: checked against the stdlib sqlite3 engine."""

from __future__ import annotations

import sqlite3

import pytest

from bastion.rules import sqlite_values as sv
from bastion.rules.record_strftime import sqlite_strftime


@pytest.fixture(scope="module")
def db():
    conn = sqlite3.connect(":memory:")
    yield conn
    conn.close()


@pytest.mark.parametrize("value", [5.0, 0.1, 1e20, -2.5, 123456789012345678.0, 1e-7, 100.0, 3.14159265358979])
def test_real_text(db, value) -> None:
    assert db.execute("SELECT CAST(? AS TEXT)", [value]).fetchone()[0] == sv.real_text(value)


VALUES = [None, 0, 1, 5, 5.5, -2, "", "5", "a", "A", "b", "5.0", " 5 ", "1e3", "abc"]


@pytest.mark.parametrize("op", ["=", "<", "<=", ">", ">=", "IS", "IS NOT"])
def test_compare_matches_sqlite(db, op) -> None:
    for a in VALUES:
        for b in VALUES:
            got = db.execute(f"SELECT ? {op} ?", [a, b]).fetchone()[0]
            want = sv.compare(a, op, b)
            assert (None if got is None else bool(got)) == want, (a, op, b)


@pytest.mark.parametrize("text", ["Hello World", "a_b", "a%b", "ÀB", "", "5.5", "x\\y"])
@pytest.mark.parametrize("pattern", ["%hello%", "a\\_b", "%\\%%", "%b", "à%", "%", "_", "5.5", "x\\\\y"])
def test_like_matches_sqlite(db, text, pattern) -> None:
    got = db.execute("SELECT ? LIKE ? ESCAPE '\\'", [text, pattern]).fetchone()[0]
    assert bool(got) == sv.like(text, pattern), (text, pattern)


@pytest.mark.parametrize(
    "text", ["5", " 5 ", "5.0", "1e3", "-2.5", "+3", "0x10", "abc", "", "5a", ".5", "5."]
)
def test_numeric_affinity_matches_sqlite(db, text) -> None:
    db.execute("CREATE TABLE IF NOT EXISTS n (v NUMERIC)")
    db.execute("DELETE FROM n")
    db.execute("INSERT INTO n VALUES (?)", [text])
    stored = db.execute("SELECT v FROM n").fetchone()[0]
    assert stored == sv.numeric_affinity(text) and type(stored) is type(sv.numeric_affinity(text))


def test_wrap_like() -> None:
    assert sv.wrap_like("abc") == "%abc%"
    assert sv.wrap_like("a_b\\c") == "%a\\_b\\\\c%"
    assert sv.wrap_like("a\\_b") == "%a\\_b%"
    assert sv.wrap_like("50%") == "50%"
    assert sv.wrap_like(5.0) == "%5%"
    assert sv.wrap_like(True) == "%true%"


TIME_VALUES = [
    "2024-02-30",  # a day past the month's end: printed as written, counted from 1 March
    "2023-02-29",
    "2024-04-31 10:00",
    "2024-01-31 24:00",  # hour 24
    "2024-12-31 24:00:00",
    "2024-02-30T10:00:00+01:00",  # an offset: every field recomputed from the instant
    "2024-02-30T10:00:00+00:00",
    "2024-01-01  10:00",  # two spaces
    " 2024-01-01",  # leading space: not a time value
    "2024-11-17-05:00",  # an offset without a time: not one either
    "2024-02-29 10:00:59.9999",  # fractions round to the millisecond, %f stops at 59.999
    "0001-04-01 04:16:19.123456",
    "2024-13-01",
    "2024-01-32",
]


@pytest.mark.parametrize("value", TIME_VALUES)
def test_strftime_matches_sqlite(db, value) -> None:
    """The evaluator's strftime() reads time values as SQLite does (found by the filter fuzzing:
    `strftime('%Y', '2024-02-30')` was NULL in the evaluator, '2024' on both databases)."""
    for fmt in ("%Y-%m-%d %H:%M:%S", "%f", "%j", "%w", "%s", "%Y"):
        expected = db.execute("SELECT strftime(?, ?)", [fmt, value]).fetchone()[0]
        assert sqlite_strftime([fmt, value], None) == expected, fmt
