"""The in-memory LIKE (realtime's filters) against SQLite's own, and against a filter built to make
a backtracking matcher run for minutes."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.rules.sqlite_values import like

_db = sqlite3.connect(":memory:")


def sqlite_like(text: str, pattern: str) -> bool:
    row = _db.execute("SELECT ? LIKE ? ESCAPE '\\'", (text, pattern)).fetchone()
    return bool(row[0])


ALPHABET = st.sampled_from(["a", "b", "A", "%", "_", "\\", "é", " "])


@settings(max_examples=600, deadline=None)
@given(
    text=st.text(st.sampled_from(["a", "b", "A", "B", "é", " ", "%", "_"]), max_size=12),
    pattern=st.text(ALPHABET, max_size=8),
)
def test_like_agrees_with_sqlite(text: str, pattern: str) -> None:
    if pattern.endswith("\\") and (len(pattern) - len(pattern.rstrip("\\"))) % 2 == 1:
        assert like(text, pattern) is False  # a dangling escape matches nothing
        return
    assert like(text, pattern) is sqlite_like(text, pattern)


@pytest.mark.parametrize(
    ("text", "pattern", "expected"),
    [
        ("abc", "abc", True),
        ("ABC", "a_c", True),
        ("abc", "%", True),
        ("", "%", True),
        ("", "_", False),
        ("abcabc", "a%c%c", True),
        ("abcab", "a%c%c", False),
        ("aXbXc", "a%b%c", True),
        ("ab", "a%%b", True),
        ("a%b", "a\\%b", True),
        ("axb", "a\\%b", False),
        ("aba", "%ab%ba%", False),  # segments may not overlap
        ("abba", "%ab%ba%", True),
    ],
)
def test_like_edges(text: str, pattern: str, expected: bool) -> None:
    assert like(text, pattern) is expected
    assert sqlite_like(text, pattern) is expected


@pytest.mark.timeout(20)  # a hang guard: a backtracking matcher took minutes on this
def test_many_wildcards_against_a_long_text_answer_at_once() -> None:
    pattern = "x%" * 40 + "z"
    text = "x" * 5000
    for _ in range(200):
        assert like(text, pattern) is False
