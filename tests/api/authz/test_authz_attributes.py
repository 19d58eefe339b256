"""Attribute rules (ABAC): access decided by attributes of the record, the user and the request.

Posts are readable when published or by their owner; only the owner may change them, only while
verified, and never hand them to someone else (`@request.body.owner:isset = false`).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.authz.authz_outcome import Outcome

READ = "published = true || owner = @request.auth.id"
WRITE = "owner = @request.auth.id && @request.auth.verified = true && @request.body.owner:isset = false"
ACTORS = ("owner", "unverified_owner", "stranger", "anonymous", "superuser")


@pytest.fixture
async def posts_world(api: Any) -> dict[str, Any]:
    users = (await api.su("GET", "/api/collections/users")).json()
    owner, owner_token = await api.create_user("own@example.com", verified=True)
    lax, lax_token = await api.create_user("lax@example.com", verified=False)
    _, stranger_token = await api.create_user("str@example.com", verified=True)
    await api.create_collection(
        {
            "name": "posts",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "published", "type": "bool"},
                {"name": "owner", "type": "relation", "collectionId": users["id"], "maxSelect": 1},
            ],
            "listRule": READ,
            "viewRule": READ,
            "updateRule": WRITE,
            "deleteRule": "owner = @request.auth.id && @request.auth.verified = true",
        }
    )
    records: dict[str, dict[str, Any]] = {}
    for who, user in (("owner", owner), ("unverified_owner", lax)):
        for published in (True, False):
            kind = "public" if published else "draft"
            for title in (f"{who}-{kind}", *(f"{who}-{kind}-spare-{a}" for a in ACTORS)):
                records[title] = await api.create_record(
                    "posts", {"title": title, "published": published, "owner": user["id"]}
                )
    tokens = {
        "owner": owner_token,
        "unverified_owner": lax_token,
        "stranger": stranger_token,
        "anonymous": "",
        "superuser": api.superuser_token,
    }
    return {"tokens": tokens, "records": records, "owner_id": owner["id"]}


def everything_of(who: str, kinds: tuple[str, ...]) -> set[str]:
    return {t for k in kinds for t in (f"{who}-{k}", *(f"{who}-{k}-spare-{a}" for a in ACTORS))}


@pytest.mark.parametrize("kind", ["public", "draft"])
@pytest.mark.parametrize("actor", ACTORS)
async def test_attribute_rules_on_the_owners_posts(api, posts_world, probe, actor, kind):
    records = posts_world["records"]
    got = await probe(
        "posts",
        posts_world["tokens"][actor],
        records[f"owner-{kind}"],
        records[f"owner-{kind}-spare-{actor}"],
    )
    visible = everything_of("owner", ("public",)) | everything_of("unverified_owner", ("public",))
    if actor in ("owner", "superuser"):
        visible |= everything_of("owner", ("draft",))
    if actor in ("unverified_owner", "superuser"):
        visible |= everything_of("unverified_owner", ("draft",))
    readable = kind == "public" or actor in ("owner", "superuser")
    writable = actor in ("owner", "superuser")
    assert got == Outcome(
        listed=frozenset(visible),
        view=200 if readable else 404,
        update=200 if writable else 404,
        delete=204 if writable else 404,
    )


async def test_unverified_owner_reads_but_cannot_write_own_posts(api, posts_world, probe):
    records = posts_world["records"]
    got = await probe(
        "posts",
        posts_world["tokens"]["unverified_owner"],
        records["unverified_owner-draft"],
        records["unverified_owner-draft-spare-unverified_owner"],
    )
    assert (got.view, got.update, got.delete) == (200, 404, 404)


async def test_owner_cannot_give_a_post_away(api, posts_world):
    _, other_token = await api.create_user("other@example.com", verified=True)
    other_id = (await api.request("POST", "/api/collections/users/auth-refresh", token=other_token)).json()[
        "record"
    ]["id"]
    post = posts_world["records"]["owner-public"]
    url = f"/api/collections/posts/records/{post['id']}"
    r = await api.request("PATCH", url, token=posts_world["tokens"]["owner"], json={"owner": other_id})
    assert r.status_code == 404
    assert (await api.su("GET", url)).json()["owner"] == posts_world["owner_id"]
