"""Differential check against the real PocketBase binary (the behaviour reference).

The same posts/users data is loaded into a throwaway PocketBase; every posts filter of the
contract table that PocketBase's schema here can express must return the ids we expect (and so
the ids SQLite, PostgreSQL and the evaluator return).
"""

from __future__ import annotations

import httpx
import pytest
from test_rules_filters_contract import CASES, LIST_RULE_CASES

from tests.compat.servers import POCKETBASE_BIN, start_server, stop_server
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.compat

# fields/collections our fixture has but this PocketBase setup does not
_SKIP = ("loc", "secret", "members", "team", "age", "role", "@now", "@year", "created", "@request.auth")


@pytest.fixture(scope="module")
def pocketbase(tmp_path_factory):
    if not POCKETBASE_BIN.exists():
        skip_or_fail(f"{POCKETBASE_BIN} is missing (the pocketbase-bin dev dependency)")
    server = start_server("pocketbase", POCKETBASE_BIN, tmp_path_factory.mktemp("pb"))
    client = httpx.Client(base_url=server.base_url, timeout=10)
    client.headers["Authorization"] = server.superuser_token()
    try:
        yield _load(client)
    finally:
        client.close()
        stop_server(server)


def _load(c: httpx.Client) -> dict:
    users = c.get("/api/collections/users").json()
    r = c.post(
        "/api/collections",
        json={
            "name": "posts",
            "type": "base",
            "listRule": "",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "views", "type": "number"},
                {"name": "published", "type": "bool"},
                {"name": "tags", "type": "select", "maxSelect": 3, "values": ["a", "b", "c"]},
                {"name": "author", "type": "relation", "collectionId": users["id"], "maxSelect": 1},
                {"name": "reviewers", "type": "relation", "collectionId": users["id"], "maxSelect": 5},
                {"name": "meta", "type": "json"},
                {"name": "created2", "type": "date"},
            ],
        },
    )
    assert r.status_code == 200, r.text
    uids = []
    for i, (name, email) in enumerate([("Ann", "ann@x.io"), ("Bob", "bob@x.io"), ("cy", "cy@x.io")]):
        r = c.post(
            "/api/collections/users/records",
            json={
                "email": email,
                "password": "pass12345678",
                "passwordConfirm": "pass12345678",
                "name": name,
                "emailVisibility": i != 1,
            },
        )
        uids.append(r.json()["id"])
    u = dict(zip(["u1", "u2", "u3"], uids, strict=True))
    from rules_world import ROWS

    pids = {}
    for row in ROWS["posts"]:
        body = {k: v for k, v in row.items() if k not in ("id", "loc", "secret", "created")}
        body["created2"] = row["created"]
        body["author"] = u.get(row["author"], "")
        body["reviewers"] = [u[x] for x in row["reviewers"]]
        r = c.post("/api/collections/posts/records", json=body)
        assert r.status_code == 200, r.text
        pids[row["id"]] = r.json()["id"]
    return {"client": c, "users": u, "posts": pids}


def _ids(pb: dict, expr: str, token: str | None = None) -> list[str]:
    for key, real in pb["users"].items():
        expr = expr.replace(f'"{key}"', f'"{real}"')
    for key, real in pb["posts"].items():
        expr = expr.replace(f'"{key}"', f'"{real}"')
    headers = {"Authorization": token} if token else {}
    r = pb["client"].get(
        "/api/collections/posts/records", params={"filter": expr, "perPage": 100}, headers=headers
    )
    assert r.status_code == 200, (expr, r.text)
    back = {v: k for k, v in pb["posts"].items()}
    return sorted(back[i["id"]] for i in r.json()["items"])


PB_CASES = [c for c in CASES if c[0] == "posts" and not any(s in c[1] for s in _SKIP)]


@pytest.mark.parametrize(("collection", "expr", "expected"), PB_CASES, ids=[c[1] for c in PB_CASES])
def test_pocketbase_agrees(pocketbase, collection, expr, expected) -> None:
    assert _ids(pocketbase, expr) == expected


def _rule_ids(pb: dict, rule: str, token: str) -> list[str]:
    c = pb["client"]
    r = c.patch("/api/collections/posts", json={"listRule": rule})
    assert r.status_code == 200, r.text
    r = c.get("/api/collections/posts/records", params={"perPage": 100}, headers={"Authorization": token})
    assert r.status_code == 200, r.text
    back = {v: k for k, v in pb["posts"].items()}
    return sorted(back[i["id"]] for i in r.json()["items"])


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("author = @request.auth.id", ["p2"]),
        ("reviewers.id ?= @request.auth.id", ["p1", "p2"]),
        ("@request.auth.id ?= reviewers.id", ["p1", "p2"]),
        ("reviewers ~ @request.auth.id", ["p1", "p2"]),
        ("reviewers.id = @request.auth.id", ["p2"]),
        ("@request.auth.name = 'Bob' && views > 5", ["p1", "p2", "p4"]),
        ("@collection.users.name ?= 'cy' && author.name != 'cy'", ["p1", "p2", "p3"]),
        ("@collection.users.name = 'cy'", []),
    ],
)
def test_pocketbase_auth_rules(pocketbase, rule, expected) -> None:
    c = pocketbase["client"]
    bob = c.post(
        "/api/collections/users/auth-with-password",
        json={"identity": "bob@x.io", "password": "pass12345678"},
        headers={"Authorization": ""},
    )
    assert _rule_ids(pocketbase, rule, bob.json()["token"]) == expected


def _token(pb: dict, email: str) -> str:
    r = pb["client"].post(
        "/api/collections/users/auth-with-password",
        json={"identity": email, "password": "pass12345678"},
        headers={"Authorization": ""},
    )
    return r.json()["token"]


@pytest.mark.parametrize(("expr", "auth", "expected"), LIST_RULE_CASES)
def test_pocketbase_client_filters_respect_related_list_rules(pocketbase, expr, auth, expected) -> None:
    # PocketBase's default users listRule is `id = @request.auth.id`, as in the contract test
    pocketbase["client"].patch("/api/collections/posts", json={"listRule": ""})
    assert _ids(pocketbase, expr, _token(pocketbase, auth["email"])) == expected
