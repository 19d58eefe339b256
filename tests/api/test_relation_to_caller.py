"""A relation set to the caller's own auth record (an owner field, the commonest relation a client
writes) is taken to exist without a query: the record was read for this request. A batch that
deletes its caller first must still be refused, as PocketBase refuses a relation to a missing
record."""

from __future__ import annotations

from typing import Any

from tests.api.test_auth_record_reuse import users_reads


async def test_an_owner_field_set_to_the_caller_is_not_looked_up(
    api: Any, blog: Any, monkeypatch: Any
) -> None:
    alice, token = blog["alice"], blog["alice_token"]
    r = await api.request("GET", "/api/collections/posts/records?perPage=1", token=token)  # keeps her record
    assert r.status_code == 200, r.text
    async with users_reads(api, monkeypatch) as reads:
        r = await api.request(
            "POST",
            "/api/collections/posts/records",
            token=token,
            json={"title": "mine", "author": alice["id"]},
        )
        assert r.status_code == 200, r.text
        assert reads == [], reads
        # another user's id is looked up, and a missing one refused
        r = await api.request(
            "POST",
            "/api/collections/posts/records",
            token=token,
            json={"title": "x", "author": "missing1234567"},
        )
        assert r.status_code == 400 and "author" in r.json()["data"], r.text
    assert r.json()["data"]["author"]["code"] == "validation_missing_rel_records", r.text


async def test_a_batch_that_deletes_its_caller_cannot_then_point_at_it(api: Any, blog: Any) -> None:
    r = await api.su("PATCH", "/api/settings", json={"batch": {"enabled": True}})
    assert r.status_code == 200, r.text
    alice, token = blog["alice"], blog["alice_token"]
    # her posts must not stop the delete: the relation is optional, so it is unset
    requests = [
        {"method": "DELETE", "url": f"/api/collections/users/records/{alice['id']}"},
        {
            "method": "POST",
            "url": "/api/collections/posts/records",
            "body": {"title": "ghost", "author": alice["id"]},
        },
    ]
    r = await api.request("POST", "/api/batch", token=token, json={"requests": requests})
    assert r.status_code == 400, r.text
    assert r.json()["data"]["requests"]["1"]["code"] == "batch_request_failed", r.text
    # nothing happened: she and her posts are there, no "ghost" post
    assert (await api.su("GET", f"/api/collections/users/records/{alice['id']}")).status_code == 200
    titles = [p["title"] for p in (await api.su("GET", "/api/collections/posts/records")).json()["items"]]
    assert "ghost" not in titles and "alpha" in titles
