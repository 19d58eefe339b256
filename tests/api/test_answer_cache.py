"""Record views and lists answered from memory while nothing has committed (SQLite,
api/answer_cache.py): the same answer as computing it, never one behind a commit, never another
caller's, never one that a rule makes depend on the request or the clock."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.conftest import client_from, second_app

POSTS = "/api/collections/posts/records"


async def _posts(api: Any, **rules: str) -> dict[str, Any]:
    await api.create_collection(
        {"name": "posts", "type": "base", "fields": [{"name": "title", "type": "text"}],
         "listRule": "", "viewRule": "", **rules}
    )  # fmt: skip
    return await api.create_record("posts", {"title": "first"})  # type: ignore[no-any-return]


def _reads_of(api: Any, table: str) -> list[str]:
    """The statements the App's reader connection sends that name `table` (SQLite)."""
    reads: list[str] = []
    api.app.db._reader.set_trace_callback(lambda sql: reads.append(sql) if f'"{table}"' in sql else None)
    return reads


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_sqlite_answers_a_repeated_read_without_reading_again(api: Any) -> None:
    post = await _posts(api)
    reads = _reads_of(api, "posts")
    try:
        views = [await api.request("GET", f"{POSTS}/{post['id']}") for _ in range(3)]
        lists = [await api.request("GET", f"{POSTS}?sort=-title&perPage=5") for _ in range(3)]
    finally:
        api.app.db._reader.set_trace_callback(None)
    assert [r.status_code for r in views + lists] == [200] * 6
    assert len({r.content for r in views}) == 1 and len({r.content for r in lists}) == 1
    assert views[0].json()["title"] == "first" and lists[0].json()["totalItems"] == 1
    # one read for the view, two (page and total) for the list; then from memory
    assert len(reads) == 3, reads


async def test_a_write_anywhere_is_in_the_next_answer(api: Any) -> None:
    post = await _posts(api)
    view, listing = f"{POSTS}/{post['id']}", f"{POSTS}?perPage=5"
    for _ in range(2):
        assert (await api.request("GET", view)).json()["title"] == "first"
        assert (await api.request("GET", listing)).json()["totalItems"] == 1
    async with second_app(api) as other, client_from(other, "127.0.0.2") as client:  # another worker
        r = await client.patch(view, headers={"Authorization": api.superuser_token}, json={"title": "second"})
        assert r.status_code == 200, r.text
    assert (await api.request("GET", view)).json()["title"] == "second"
    if not api.app.config.database_url:  # a tool outside Bastion writing the file
        with sqlite3.connect(api.app.config.data_dir / "data.db") as conn:
            conn.execute("UPDATE posts SET title = 'third' WHERE id = ?", (post["id"],))
        assert (await api.request("GET", view)).json()["title"] == "third"
    r = await api.su("POST", "/api/collections/posts/records", json={"title": "another"})
    assert r.status_code == 200, r.text
    assert (await api.request("GET", listing)).json()["totalItems"] == 2


async def test_each_caller_gets_their_own_answer(api: Any) -> None:
    """A user sees their own email in a list of users, not the one the previous caller saw."""
    r = await api.su("PATCH", "/api/collections/users", json={"listRule": "", "viewRule": ""})
    assert r.status_code == 200, r.text
    first, first_token = await api.create_user("first@example.com")
    second, second_token = await api.create_user("second@example.com")
    listing = "/api/collections/users/records?sort=email"

    def emails(r: Any) -> list[str]:
        assert r.status_code == 200, r.text
        return [item.get("email", "") for item in r.json()["items"]]

    for _ in range(2):
        assert emails(await api.request("GET", listing, token=first_token)) == ["first@example.com", ""]
        assert emails(await api.request("GET", listing, token=second_token)) == ["", "second@example.com"]
        assert emails(await api.request("GET", listing)) == ["", ""]
        r = await api.request("GET", f"/api/collections/users/records/{first['id']}", token=first_token)
        assert r.json()["email"] == "first@example.com"
        r = await api.request("GET", f"/api/collections/users/records/{first['id']}", token=second_token)
        assert "email" not in r.json() or r.json()["email"] == ""


async def test_a_rule_that_reads_the_request_is_judged_for_every_request(api: Any) -> None:
    post = await _posts(api, viewRule="@request.headers.x_pass = 'yes'", listRule="@request.query.k = '1'")
    view = f"{POSTS}/{post['id']}"
    for _ in range(2):
        assert (await api.request("GET", view, headers={"X-Pass": "yes"})).status_code == 200
        assert (await api.request("GET", view, headers={"X-Pass": "no"})).status_code == 404
        assert (await api.request("GET", f"{POSTS}?k=1")).json()["totalItems"] == 1
        assert (await api.request("GET", f"{POSTS}?k=2")).json()["totalItems"] == 0


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_reads_over_the_clock_or_chance_are_computed_every_time(api: Any) -> None:
    post = await _posts(api, viewRule="@now != ''")
    reads = _reads_of(api, "posts")
    try:
        for _ in range(2):
            assert (await api.request("GET", f"{POSTS}/{post['id']}")).status_code == 200
            assert (await api.request("GET", f"{POSTS}?sort=@random")).status_code == 200
            assert (await api.request("GET", f"{POSTS}?filter=title!=@todayEnd")).status_code == 200
    finally:
        api.app.db._reader.set_trace_callback(None)
    # the view and both lists' pages, both times (a total may come from store/read_cache.py)
    assert len([sql for sql in reads if "COUNT(" not in sql]) == 2 * 3, reads


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_a_write_rule_that_reads_the_body_leaves_reads_kept(api: Any) -> None:
    """Views and lists never judge write rules: `@request.body.x:isset = false` in an updateRule
    (a common guard) does not switch the cache off."""
    post = await _posts(api, updateRule="@request.body.title:isset = false")
    reads = _reads_of(api, "posts")
    try:
        for _ in range(3):
            assert (await api.request("GET", f"{POSTS}/{post['id']}")).status_code == 200
    finally:
        api.app.db._reader.set_trace_callback(None)
    assert len(reads) == 1, reads
