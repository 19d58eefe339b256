"""Fixtures the records API scenarios share: `blog`, a posts/comments schema with two users and
four posts (alpha, beta, gamma, delta), and `titles`, the post titles a list query answers."""

from __future__ import annotations

import pytest


@pytest.fixture
async def blog(api):
    users = (await api.su("GET", "/api/collections/users")).json()
    posts = await api.create_collection(
        {
            "name": "posts",
            "listRule": "",
            "viewRule": "",
            "createRule": "@request.auth.id != ''",
            "updateRule": "author = @request.auth.id",
            "deleteRule": "author = @request.auth.id",
            "fields": [
                {"name": "title", "type": "text", "required": True, "max": 20},
                {"name": "views", "type": "number"},
                {"name": "published", "type": "bool"},
                {"name": "tags", "type": "select", "values": ["go", "py", "js"], "maxSelect": 3},
                {"name": "author", "type": "relation", "collectionId": users["id"], "maxSelect": 1},
                {"name": "meta", "type": "json"},
            ],
        }
    )
    await api.create_collection(
        {
            "name": "comments",
            "listRule": "",
            "viewRule": "",
            "fields": [
                {"name": "body", "type": "text"},
                {
                    "name": "post",
                    "type": "relation",
                    "collectionId": posts["id"],
                    "maxSelect": 1,
                    "cascadeDelete": True,
                },
            ],
        }
    )
    alice, alice_token = await api.create_user("alice@example.com", name="Alice")
    bob, bob_token = await api.create_user("bob@example.com", name="Bob")
    ids = {}
    for title, views, pub, tags, author in [
        ("alpha", 10, True, ["go"], alice),
        ("beta", 20, False, ["py", "js"], alice),
        ("gamma", 30, True, ["py"], bob),
        ("delta", 5, True, [], bob),
    ]:
        rec = await api.create_record(
            "posts",
            {
                "title": title,
                "views": views,
                "published": pub,
                "tags": tags,
                "author": author["id"],
                "meta": {"k": title},
            },
        )
        ids[title] = rec["id"]
    await api.create_record("comments", {"body": "nice", "post": ids["alpha"]})
    return {"alice": alice, "bob": bob, "alice_token": alice_token, "bob_token": bob_token, "ids": ids}


async def titles(api, query: str, token: str | None = None) -> list[str]:
    r = await api.request("GET", f"/api/collections/posts/records?{query}", token=token)
    assert r.status_code == 200, r.text
    return [i["title"] for i in r.json()["items"]]
