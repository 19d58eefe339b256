"""The same data in every server: a `users` auth collection and 10,000 `posts`, and the same again
in public collections (`pubauthors`, `pubposts`).

`posts` rules use @request.auth the way an application would: signed-in users see every post,
guests only published ones; only signed-in users write; its workloads send a user's token.
`pubposts` holds the same posts with every rule `""` and authors in `pubauthors` (also public):
its workloads are anonymous, so they cost no token check and no auth-record load.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import httpx
from servers import EMAIL, PASSWORD

USERS = 100
USER_PASSWORD = "userpass1234"
SIGNED_IN = '@request.auth.id != ""'
READ_RULE = '@request.auth.id != "" || published = true'
STATUSES = ["draft", "live", "archived"]


PUBLIC = {f"{action}Rule": "" for action in ("list", "view", "create", "update", "delete")}


@dataclass
class Seeded:
    record_id: str  # the record the view workload reads
    record_ids: list[str]  # records the update workload patches
    user_id: str
    user_token: str
    user_emails: list[str]
    pub_record_id: str  # the same, in the public collections
    pub_record_ids: list[str]
    pub_author_id: str


def post_body(rng: random.Random, i: int, author: str) -> dict[str, object]:
    return {
        "title": f"post {i}",
        "views": rng.randint(0, 10000),
        "published": rng.random() < 0.5,
        "status": rng.choice(STATUSES),
        "meta": {"i": i, "tags": ["a", "b"]},
        "author": author,
    }


def seed(base: str, n: int) -> Seeded:
    c = httpx.Client(base_url=base, timeout=120)
    su = c.post(
        "/api/collections/_superusers/auth-with-password", json={"identity": EMAIL, "password": PASSWORD}
    )
    su.raise_for_status()
    h = {"Authorization": su.json()["token"]}
    c.patch(
        "/api/settings",
        headers=h,
        json={"batch": {"enabled": True, "maxRequests": 1000, "timeout": 60, "maxBodySize": 0}},
    ).raise_for_status()
    # authors are readable by signed-in users so that `expand=author` returns them
    users = c.patch("/api/collections/users", headers=h, json={"listRule": SIGNED_IN, "viewRule": SIGNED_IN})
    users.raise_for_status()
    c.post(
        "/api/collections", headers=h, json=posts_collection("posts", users.json()["id"])
    ).raise_for_status()
    authors = c.post(
        "/api/collections",
        headers=h,
        json={"name": "pubauthors", **PUBLIC, "fields": [{"name": "name", "type": "text"}]},
    )
    authors.raise_for_status()
    pub = posts_collection("pubposts", authors.json()["id"])
    c.post("/api/collections", headers=h, json={**pub, **PUBLIC}).raise_for_status()
    emails = [f"user{i}@example.com" for i in range(USERS)]
    author_ids = []
    for email in emails:
        u = c.post(
            "/api/collections/users/records",
            headers=h,
            json={"email": email, "password": USER_PASSWORD, "passwordConfirm": USER_PASSWORD, "name": email},
        )
        u.raise_for_status()
        author_ids.append(u.json()["id"])
    rng = random.Random(42)
    ids = create_posts(c, h, "posts", n, author_ids, rng)
    pub_authors = batch_create(c, h, "pubauthors", [{"name": e} for e in emails])
    pub_ids = create_posts(c, h, "pubposts", n, pub_authors, random.Random(42))
    auth = c.post(
        "/api/collections/users/auth-with-password", json={"identity": emails[0], "password": USER_PASSWORD}
    )
    auth.raise_for_status()
    return Seeded(
        record_id=ids[0],
        record_ids=ids[:1000],
        user_id=auth.json()["record"]["id"],
        user_token=auth.json()["token"],
        user_emails=emails,
        pub_record_id=pub_ids[0],
        pub_record_ids=pub_ids[:1000],
        pub_author_id=pub_authors[0],
    )


def posts_collection(name: str, authors_id: str) -> dict[str, object]:
    """`posts` (rules on @request.auth) or, with PUBLIC rules added, `pubposts`."""
    return {
        "name": name,
        "listRule": READ_RULE,
        "viewRule": READ_RULE,
        "createRule": SIGNED_IN,
        "updateRule": SIGNED_IN,
        "fields": [
            {"name": "title", "type": "text"},
            {"name": "views", "type": "number"},
            {"name": "published", "type": "bool"},
            {"name": "status", "type": "select", "values": STATUSES, "maxSelect": 1},
            {"name": "meta", "type": "json"},
            {"name": "author", "type": "relation", "collectionId": authors_id, "maxSelect": 1},
        ],
        "indexes": [f"CREATE INDEX idx_{name}_views ON {name} (views)"],
    }


def create_posts(
    c: httpx.Client, h: dict[str, str], name: str, n: int, authors: list[str], rng: random.Random
) -> list[str]:
    bodies = [post_body(rng, i, rng.choice(authors)) for i in range(n)]
    return batch_create(c, h, name, bodies)


def batch_create(c: httpx.Client, h: dict[str, str], name: str, bodies: list[dict[str, object]]) -> list[str]:
    """Create the records 500 to a batch; their ids in order."""
    ids: list[str] = []
    for start_at in range(0, len(bodies), 500):
        reqs = [
            {"method": "POST", "url": f"/api/collections/{name}/records", "body": body}
            for body in bodies[start_at : start_at + 500]
        ]
        b = c.post("/api/batch", headers=h, json={"requests": reqs})
        b.raise_for_status()
        ids += [item["body"]["id"] for item in b.json()]
    return ids
