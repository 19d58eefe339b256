"""A list's `totalItems` and `totalPages` on every page, past the last one included, under a
filter and under a rule that shows each caller only some records. PostgreSQL counts in the page's
own statement (core/record_query.py `find_page_and_count`), SQLite apart; both must say the same."""

from __future__ import annotations

from typing import Any


async def _page(api: Any, query: str, token: str | None = None) -> tuple[list[str], int, int]:
    r = await api.request("GET", f"/api/collections/posts/records?{query}", token=token)
    assert r.status_code == 200, r.text
    body = r.json()
    return [i["title"] for i in body["items"]], body["totalItems"], body["totalPages"]


async def test_every_page_and_the_pages_past_the_last_give_the_total(api: Any, blog: Any) -> None:
    assert await _page(api, "sort=title&perPage=3") == (["alpha", "beta", "delta"], 4, 2)
    assert await _page(api, "sort=title&perPage=3&page=2") == (["gamma"], 4, 2)
    assert await _page(api, "sort=title&perPage=3&page=3") == ([], 4, 2)
    assert await _page(api, "sort=title&perPage=3&page=40") == ([], 4, 2)
    views = "filter=(views%3E%3D10)&sort=-views&perPage=2"
    assert await _page(api, views) == (["gamma", "beta"], 3, 2)
    assert await _page(api, views + "&page=2") == (["alpha"], 3, 2)
    assert await _page(api, views + "&page=9") == ([], 3, 2)
    assert await _page(api, "filter=(views%3E1000)") == ([], 0, 0)
    assert await _page(api, "filter=(views%3E1000)&page=3") == ([], 0, 0)
    assert await _page(api, "sort=title&perPage=3&skipTotal=1") == (["alpha", "beta", "delta"], -1, -1)


async def test_the_total_counts_only_what_the_caller_may_list(api: Any, blog: Any) -> None:
    r = await api.su("PATCH", "/api/collections/posts", json={"listRule": "author = @request.auth.id"})
    assert r.status_code == 200, r.text
    alice, bob = blog["alice_token"], blog["bob_token"]
    assert await _page(api, "sort=title&perPage=1", alice) == (["alpha"], 2, 2)
    assert await _page(api, "sort=title&perPage=1&page=2", alice) == (["beta"], 2, 2)
    assert await _page(api, "sort=title&perPage=1&page=3", alice) == ([], 2, 2)
    assert await _page(api, "sort=title&filter=(views%3E10)", bob) == (["gamma"], 1, 1)
    assert await _page(api, "sort=title") == ([], 0, 0)  # a guest matches no author
    r = await api.su("GET", "/api/collections/posts/records?perPage=1&page=9")
    assert r.status_code == 200 and r.json()["totalItems"] == 4, r.text
