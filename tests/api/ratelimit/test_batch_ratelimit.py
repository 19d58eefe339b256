"""/api/batch sub-requests and the per-collection rate-limit rules, as PocketBase 0.40.6 counts
them (checked against the binary): each sub-request is checked against `<collection>:<action>`
rules; one over the limit fails with 429 and the whole batch with it; the batch's counter is not
the direct route's."""

from __future__ import annotations

from typing import Any

import pytest

from bastion import ratelimit
from tests.api.ratelimit.conftest import TOO_MANY, rule
from tests.conftest import FakeClock

POSTS = "/api/collections/posts/records"


@pytest.fixture
async def batch_api(api: Any, clock: FakeClock) -> Any:
    ratelimit.attach(api.app, clock=clock)
    public = {f"{action}Rule": "" for action in ("list", "view", "create", "update", "delete")}
    await api.create_collection({"name": "posts", **public, "fields": [{"name": "title", "type": "text"}]})
    r = await api.su("PATCH", "/api/settings", json={"batch": {"enabled": True, "maxRequests": 50}})
    assert r.status_code == 200, r.text
    return api


async def _limits(api: Any, *rules: dict[str, Any]) -> None:
    body = {"rateLimits": {"enabled": True, "rules": list(rules), "excludedIPs": []}}
    r = await api.su("PATCH", "/api/settings", json=body)
    assert r.status_code == 200, r.text


def _create(title: str) -> dict[str, Any]:
    return {"method": "POST", "url": POSTS, "body": {"title": title}}


async def _count(api: Any) -> int:
    r = await api.request("GET", POSTS)
    return int(r.json()["totalItems"])


async def test_sub_requests_count_against_the_collection_rule(batch_api: Any) -> None:
    await _limits(batch_api, rule("posts:create", 1))
    r = await batch_api.request("POST", "/api/batch", json={"requests": [_create("a"), _create("b")]})
    assert r.status_code == 400
    assert r.json() == {
        "data": {
            "requests": {
                "1": {
                    "code": "batch_request_failed",
                    "message": "Batch request failed.",
                    "response": TOO_MANY,
                }
            }
        },
        "message": "Batch transaction failed.",
        "status": 400,
    }
    assert await _count(batch_api) == 0  # the first create was rolled back with the batch
    # the batch's counter is its own: a direct create still has its budget (as in PocketBase)
    r = await batch_api.request("POST", POSTS, json={"title": "direct"})
    assert r.status_code == 200, r.text


async def test_actions_and_wildcards(batch_api: Any) -> None:
    first = await batch_api.request("POST", POSTS, json={"title": "x"})
    rid = first.json()["id"]
    await _limits(batch_api, rule("*:update", 1), rule("posts:delete", 5))
    update = {"method": "PATCH", "url": f"{POSTS}/{rid}", "body": {"title": "y"}}
    upsert = {"method": "PUT", "url": POSTS, "body": {"id": rid, "title": "z"}}
    r = await batch_api.request("POST", "/api/batch", json={"requests": [update, upsert]})
    # the upsert of an existing record is an update: the second update is over `*:update`
    assert r.status_code == 400
    assert r.json()["data"]["requests"]["1"]["response"] == TOO_MANY
    # creates match no rule here
    r = await batch_api.request("POST", "/api/batch", json={"requests": [_create(str(i)) for i in range(4)]})
    assert r.status_code == 200, r.text


async def test_superusers_are_not_limited(batch_api: Any) -> None:
    await _limits(batch_api, rule("posts:create", 1))
    r = await batch_api.su("POST", "/api/batch", json={"requests": [_create("a"), _create("b")]})
    assert r.status_code == 200, r.text
    assert await _count(batch_api) == 2
