"""A relation set to the caller's own auth record (an owner field, the commonest relation a client
writes) is taken to exist without a query: the record was read for this request. A batch that
deletes its caller first must still be refused, as PocketBase refuses a relation to a missing
record. On PostgreSQL other new related ids are required by the INSERT itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from bastion.store import postgres
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


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_postgres_requires_new_related_records_in_the_insert(
    api: Any, blog: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL each statement is a round trip: a related id that is not the caller's is
    not looked up before the INSERT but required by it; a missing one is still named."""
    bob = blog["bob"]
    sent: list[str] = []
    for method in ("fetch_all", "execute"):
        original = getattr(postgres._Conn, method)

        def watching(original: Any = original) -> Any:
            async def run(self: Any, sql: str, params: Sequence[Any] = ()) -> Any:
                sent.append(sql)
                return await original(self, sql, params)

            return run

        monkeypatch.setattr(postgres._Conn, method, watching())
    r = await api.su("POST", "/api/collections/posts/records", json={"title": "bob's", "author": bob["id"]})
    assert r.status_code == 200, r.text
    reads = [sql for sql in sent if '"users"' in sql]
    assert len(reads) == 1 and reads[0].startswith('INSERT INTO "posts"'), reads
    r = await api.su(
        "POST", "/api/collections/posts/records", json={"title": "x", "author": "missing1234567"}
    )
    assert r.status_code == 400, r.text
    assert r.json()["data"]["author"]["code"] == "validation_missing_rel_records", r.text
    titles = [p["title"] for p in (await api.su("GET", "/api/collections/posts/records")).json()["items"]]
    assert "bob's" in titles and "x" not in titles


async def test_a_missing_relation_is_named_with_the_other_errors(api: Any, blog: Any) -> None:
    """PocketBase names every invalid field at once: a missing related record beside a title
    too long (on PostgreSQL, where the relation is not looked up before the INSERT, too)."""
    body = {"title": "x" * 30, "author": "missing1234567"}
    r = await api.su("POST", "/api/collections/posts/records", json=body)
    assert r.status_code == 400, r.text
    data = r.json()["data"]
    assert data["title"]["code"] == "validation_max_text_constraint", data
    assert data["author"]["code"] == "validation_missing_rel_records", data
