"""The same data in every server: a `users` auth collection and 10,000 `posts`.

Rules use @request.auth the way an application would: signed-in users see every post, guests only
published ones; only signed-in users write. The workloads send a user's token.
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


@dataclass
class Seeded:
    record_id: str  # the record the view workload reads
    record_ids: list[str]  # records the update workload patches
    user_id: str
    user_token: str
    user_emails: list[str]


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
        "/api/collections",
        headers=h,
        json={
            "name": "posts",
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
                {"name": "author", "type": "relation", "collectionId": users.json()["id"], "maxSelect": 1},
            ],
            "indexes": ["CREATE INDEX idx_posts_views ON posts (views)"],
        },
    ).raise_for_status()
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
    ids: list[str] = []
    for start_at in range(0, n, 500):
        reqs = [
            {
                "method": "POST",
                "url": "/api/collections/posts/records",
                "body": post_body(rng, i, rng.choice(author_ids)),
            }
            for i in range(start_at, min(n, start_at + 500))
        ]
        b = c.post("/api/batch", headers=h, json={"requests": reqs})
        b.raise_for_status()
        ids += [item["body"]["id"] for item in b.json()]
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
    )
