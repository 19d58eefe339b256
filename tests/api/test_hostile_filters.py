"""Hostile filters and sorts get PocketBase's answer, never a 5xx (both databases).

Each expectation was checked against the PocketBase 0.40.6 binary (see also
tests/compat/diff_cases_access.py, which compares the same requests with it).
"""

from __future__ import annotations

import pytest

from bastion.rules.filter_parser import MAX_NESTING

BAD = {"data": {}, "message": "Something went wrong while processing your request.", "status": 400}


@pytest.fixture
async def posts(api):
    await api.create_collection(
        {
            "name": "posts",
            "listRule": "",
            "fields": [{"name": "title", "type": "text"}, {"name": "body", "type": "editor"}],
        }
    )
    for title in ("plain", "back\\slash", "two\\\\slashes"):
        await api.create_record("posts", {"title": title, "body": "<p>short</p>"})
    return api


async def _titles(api, **params) -> tuple[int, object]:
    r = await api.request("GET", "/api/collections/posts/records", params={"sort": "title", **params})
    body = r.json()
    return r.status_code, [i["title"] for i in body["items"]] if r.status_code == 200 else body


def _alternating(depth: int) -> str:
    text = f"title = 'x{depth}'"
    for i in range(depth - 1, -1, -1):
        text = f"title = 'x{i}' {'&&' if i % 2 else '||'} ({text})"
    return text


async def test_deep_brackets_are_read_like_pocketbase(posts):
    # PocketBase accepts brackets up to its 3,500-byte filter cap; 957 used to overflow the stack
    for depth in (957, 1740):
        flt = "(" * depth + "title = 'plain'" + ")" * depth
        assert await _titles(posts, filter=flt) == (200, ["plain"])
    assert await _titles(posts, filter="(" * 1800 + "title = 'plain'" + ")" * 1800) == (400, BAD)
    # nesting of && and || that means something is bounded, with PocketBase's 400
    assert await _titles(posts, filter=_alternating(12) + " || title = 'plain'") == (200, ["plain"])
    assert await _titles(posts, filter=_alternating(MAX_NESTING + 1)) == (400, BAD)


async def test_backslashes_in_filter_text(posts):
    # `\\` is one backslash (PocketBase 0.40.6): `~ '\\'` matches titles holding one
    assert await _titles(posts, filter="title ~ '\\\\'") == (200, ["back\\slash", "two\\\\slashes"])
    assert await _titles(posts, filter="title = 'back\\\\slash'") == (200, ["back\\slash"])
    assert await _titles(posts, filter="title !~ '\\\\'") == (200, ["plain"])
    assert await _titles(posts, filter="title = 'open\\'") == (400, BAD)


@pytest.mark.parametrize("sort", ["title,,", "title, ", ",title", "-", "+", " "])
async def test_empty_sort_entries_are_refused(posts, sort):
    assert await _titles(posts, sort=sort) == (400, BAD)


async def test_like_against_a_long_value(posts, backend):
    await posts.create_record("posts", {"title": "long", "body": "<p>" + "y" * 60_000 + "</p>"})
    status, body = await _titles(posts, filter='"x" ~ body')
    if backend == "sqlite":
        # SQLite refuses a LIKE pattern over 50,000 bytes; PocketBase answers that with a 400
        assert (status, body) == (400, BAD)
    else:  # PostgreSQL has no such limit: the filter simply runs (nothing contains "x")
        assert (status, body) == (200, [])


async def test_strftime_of_an_impossible_date_matches_nothing(posts):
    # SQLite (and PocketBase) read it as NULL; PostgreSQL used to raise "date/time field value
    # out of range" at run time (a field's value, so the filter runs in SQL)
    for value in ("2024-99-99", "2024-01-01 25:00", "2024-01-01x", "2024-01-01T10:20+02:00"):
        await posts.create_record("posts", {"title": value})
    assert await _titles(posts, filter="strftime('%Y', title) = '2024'") == (
        200,
        ["2024-01-01T10:20+02:00"],
    )
    assert await _titles(posts, filter="strftime('%H:%M', title) = '08:20'") == (
        200,
        ["2024-01-01T10:20+02:00"],
    )
