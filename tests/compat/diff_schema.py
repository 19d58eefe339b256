"""The data set of the differential tests: collections and records, identical on every server.

Collection and record ids are fixed (PocketBase accepts client-given ids), so responses can be
compared as they are, apart from timestamps and tokens. Values cover the awkward corners: empty
strings, zero, negative and fractional numbers, JSON null / scalars / arrays / nested objects,
mixed case, non-ASCII, LIKE wildcards and quotes in text.
"""

from __future__ import annotations

from typing import Any

import httpx

from .servers import RunningServer

PASSWORD = "password123"

# auth collection "people": (id, username-ish key, name, role, age, emailVisibility)
PEOPLE = [
    ("usr000000000001", "alice", "Alice", "admin", 30, True),
    ("usr000000000002", "bob", "Bob", "member", 25, False),
    ("usr000000000003", "carol", "carol", "member", 41, True),
    ("usr000000000004", "dave", "Dave", "", 0, False),
]
ALICE, BOB, CAROL, DAVE = (p[0] for p in PEOPLE)

TAGS = [
    ("tag000000000001", "go", 1),
    ("tag000000000002", "python", 2),
    ("tag000000000003", "rust", 3),
    ("tag000000000004", "JS", 4),
    ("tag000000000005", "sql", 0),
]
T1, T2, T3, T4, T5 = (t[0] for t in TAGS)


def pid(n: int) -> str:
    return f"post{n:011d}"


# posts: title, body, views, rating, published, status, categories, meta, author, tags, due
POSTS: list[dict[str, Any]] = [
    dict(
        title="Hello World",
        body="<p>first <b>post</b> body</p>",
        views=10,
        rating=4.5,
        published=True,
        status="published",
        categories=["news", "tech"],
        meta={"a": 1, "tags": ["x", "y"], "nested": {"k": "v"}},
        author=ALICE,
        tags=[T1, T2],
        due="2024-01-15 10:00:00.000Z",
    ),
    dict(
        title="hello again",
        body="",
        views=0,
        rating=0,
        published=True,
        status="draft",
        categories=[],
        meta=None,
        author=ALICE,
        tags=[],
        due="",
    ),
    dict(
        title="Rust tips",
        body="fast and safe",
        views=250,
        rating=3.2,
        published=True,
        status="published",
        categories=["tech"],
        meta={"a": 2, "tags": ["z"]},
        author=BOB,
        tags=[T3],
        due="2025-06-01 00:00:00.000Z",
    ),
    dict(
        title="Secret draft",
        body="hidden",
        views=5,
        rating=1,
        published=False,
        status="draft",
        categories=["life"],
        meta={"a": 3},
        author=BOB,
        tags=[T1],
        due="",
    ),
    dict(
        title="Ünïcödé title",
        body="ünïcödé",
        views=-3,
        rating=-1.5,
        published=True,
        status="archived",
        categories=["life", "sport"],
        meta={"a": None},
        author=CAROL,
        tags=[T2, T4, T5],
        due="2023-12-31 23:59:59.000Z",
    ),
    dict(
        title="Numbers 100",
        body="100",
        views=100,
        rating=100,
        published=True,
        status="published",
        categories=["news"],
        meta=[1, 2, 3],
        author=CAROL,
        tags=[T1, T3],
        due="2024-02-29 12:00:00.000Z",
    ),
    dict(
        title="x",
        body="short",
        views=1,
        rating=0.1,
        published=False,
        status="",
        categories=[],
        meta="string json",
        author="",
        tags=[],
        due="",
    ),
    dict(
        title="Percent % and _underscore",
        body="like % special",
        views=7,
        rating=2,
        published=True,
        status="published",
        categories=["news", "tech", "life"],
        meta={"a": 1, "b": {"c": [1, 2]}},
        author=DAVE,
        tags=[T5],
        due="2024-01-15 00:00:00.000Z",
    ),
    dict(
        title="quote \"double\" and 'single'",
        body="q",
        views=42,
        rating=4.2,
        published=True,
        status="draft",
        categories=["sport"],
        meta=True,
        author=ALICE,
        tags=[T4],
        due="",
    ),
    dict(
        title="TODO list",
        body="todo",
        views=3,
        rating=3,
        published=False,
        status="published",
        categories=["tech"],
        meta={"a": "1"},
        author=ALICE,
        tags=[T1, T2, T3],
        due="2026-01-01 00:00:00.000Z",
    ),
    dict(
        title="Later post",
        body="later",
        views=99,
        rating=5,
        published=True,
        status="archived",
        categories=[],
        meta={},
        author=BOB,
        tags=[],
        due="2030-05-05 05:05:05.000Z",
    ),
    dict(
        title="Empty meta",
        body="",
        views=0,
        rating=0,
        published=True,
        status="draft",
        categories=["news"],
        meta=0,
        author="",
        tags=[T5],
        due="",
    ),
]
for _n, _post in enumerate(POSTS, start=1):
    _post["id"] = pid(_n)

COMMENTS = [
    ("cmt000000000001", pid(1), ALICE, "great"),
    ("cmt000000000002", pid(1), BOB, "Nice one"),
    ("cmt000000000003", pid(3), ALICE, "agree"),
    ("cmt000000000004", pid(3), CAROL, "disagree"),
    ("cmt000000000005", pid(5), DAVE, "wow"),
    ("cmt000000000006", pid(6), BOB, "100%"),
    ("cmt000000000007", pid(1), CAROL, "third comment"),
    ("cmt000000000008", pid(10), BOB, "todo?"),
]

# the default `users` auth collection every new install has (id "_pb_users_auth_")
USERS = [
    ("usrdefault00001", "uma@example.com", "Uma", True),
    ("usrdefault00002", "vic@example.com", "Vic", False),
]

HEADERED = [("hdr000000000001", "one"), ("hdr000000000002", "two")]

NOTES = [
    ("note00000000001", ALICE, "alice 1", 1),
    ("note00000000002", ALICE, "alice 2", 2),
    ("note00000000003", BOB, "bob 1", 3),
]

AUTHED = '@request.auth.id != ""'

COLLECTIONS: list[dict[str, Any]] = [
    {
        "id": "pbc_people0001",
        "name": "people",
        "type": "auth",
        "listRule": AUTHED,
        "viewRule": AUTHED,
        "createRule": None,
        "updateRule": "id = @request.auth.id",
        "deleteRule": None,
        "fields": [
            {"name": "name", "type": "text", "max": 50},
            {"name": "role", "type": "select", "values": ["admin", "member"], "maxSelect": 1},
            {"name": "age", "type": "number", "onlyInt": True},
        ],
    },
    {
        "id": "pbc_tags000001",
        "name": "tags",
        "type": "base",
        "listRule": "",
        "viewRule": "",
        "createRule": None,
        "updateRule": None,
        "deleteRule": None,
        "fields": [{"name": "name", "type": "text", "required": True}, {"name": "weight", "type": "number"}],
    },
    {
        "id": "pbc_posts00001",
        "name": "posts",
        "type": "base",
        "listRule": "published = true || author = @request.auth.id",
        "viewRule": "published = true || author = @request.auth.id",
        "createRule": AUTHED + " && author = @request.auth.id",
        "updateRule": "author = @request.auth.id",
        "deleteRule": None,
        "fields": [
            {"name": "title", "type": "text", "required": True, "max": 100},
            {"name": "body", "type": "editor"},
            {"name": "views", "type": "number"},
            {"name": "rating", "type": "number"},
            {"name": "published", "type": "bool"},
            {
                "name": "status",
                "type": "select",
                "values": ["draft", "published", "archived"],
                "maxSelect": 1,
            },
            {
                "name": "categories",
                "type": "select",
                "values": ["news", "tech", "life", "sport"],
                "maxSelect": 4,
            },
            {"name": "meta", "type": "json"},
            {"name": "author", "type": "relation", "collectionId": "pbc_people0001", "maxSelect": 1},
            {"name": "tags", "type": "relation", "collectionId": "pbc_tags000001", "maxSelect": 5},
            {"name": "due", "type": "date"},
            {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
            {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
        ],
    },
    {
        "id": "pbc_comments01",
        "name": "comments",
        "type": "base",
        "listRule": "",
        "viewRule": "",
        "createRule": AUTHED,
        "updateRule": None,
        "deleteRule": None,
        "fields": [
            {
                "name": "post",
                "type": "relation",
                "collectionId": "pbc_posts00001",
                "maxSelect": 1,
                "required": True,
            },
            {"name": "author", "type": "relation", "collectionId": "pbc_people0001", "maxSelect": 1},
            {"name": "text", "type": "text"},
        ],
    },
    {
        "id": "pbc_notes00001",
        "name": "notes",
        "type": "base",
        "listRule": "owner = @request.auth.id",
        "viewRule": "owner = @request.auth.id",
        "createRule": AUTHED + " && owner = @request.auth.id",
        "updateRule": "owner = @request.auth.id",
        "deleteRule": "owner = @request.auth.id",
        "fields": [
            {"name": "owner", "type": "relation", "collectionId": "pbc_people0001", "maxSelect": 1},
            {"name": "text", "type": "text", "required": True, "max": 10},
            {"name": "n", "type": "number", "min": 0, "max": 100, "onlyInt": True},
            {"name": "flag", "type": "bool"},
            {"name": "kind", "type": "select", "values": ["a", "b"], "maxSelect": 1},
            {"name": "when", "type": "date"},
            {"name": "mail", "type": "email"},
            {"name": "site", "type": "url"},
            {"name": "data", "type": "json"},
        ],
    },
    {
        "id": "pbc_secrets001",
        "name": "secrets",
        "type": "base",
        "listRule": None,
        "viewRule": None,
        "createRule": None,
        "updateRule": None,
        "deleteRule": None,
        "fields": [{"name": "value", "type": "text"}],
    },
    {
        # rules over the request itself: @request.body with :isset / :length / :changed
        "id": "pbc_guarded001",
        "name": "guarded",
        "type": "base",
        "listRule": "",
        "viewRule": "",
        "createRule": '@request.body.n:isset = false && @request.body.title:lower ~ "ab%"',
        "updateRule": "@request.body.title:changed = false",
        "deleteRule": None,
        "fields": [{"name": "title", "type": "text"}, {"name": "n", "type": "number"}],
    },
    {
        # rules over request headers and method
        "id": "pbc_headered01",
        "name": "headered",
        "type": "base",
        "listRule": '@request.headers.x_probe = "yes"',
        "viewRule": '@request.headers.x_probe = "yes" && @request.method = "GET"',
        "createRule": None,
        "updateRule": None,
        "deleteRule": None,
        "fields": [{"name": "title", "type": "text"}],
    },
    {
        # write cases that succeed land here, so the read cases never see their effects
        "id": "pbc_scratch001",
        "name": "scratch",
        "type": "base",
        "listRule": "",
        "viewRule": "",
        "createRule": "",
        "updateRule": "",
        "deleteRule": "",
        "fields": [
            {"name": "title", "type": "text", "required": True, "max": 20},
            {"name": "n", "type": "number"},
            {"name": "list", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3},
        ],
    },
]


class Seeder:
    """Sends the seeding requests and keeps going past failures, noting each one: a server that
    lacks one feature still gets the rest of the data, so the cases that do not need it can pass."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.problems: list[str] = []

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        try:
            resp = self.client.post(path, json=body)
        except httpx.HTTPError as exc:
            self.problems.append(f"POST {path} {body.get('id') or body.get('name') or ''}: {exc!r}")
            return None
        if resp.status_code != 200:
            self.problems.append(
                f"POST {path} {body.get('id') or body.get('name') or ''} -> {resp.status_code} {resp.text[:300]}"
            )
            return None
        return resp.json()


def seed(server: RunningServer) -> tuple[dict[str, str], list[str]]:
    """Create the collections and records. Returns tokens by name ("super"; "alice", "bob" of
    `people`; "uma" of the default `users` collection) and the list of seeding failures."""
    admin = server.superuser_token()
    with httpx.Client(base_url=server.base_url, headers={"Authorization": admin}, timeout=30) as c:
        s = Seeder(c)
        for collection in COLLECTIONS:
            s.post("/api/collections", collection)
        for rid, key, name, role, age, visible in PEOPLE:
            s.post(
                "/api/collections/people/records",
                {
                    "id": rid,
                    "email": f"{key}@example.com",
                    "emailVisibility": visible,
                    "verified": True,
                    "password": PASSWORD,
                    "passwordConfirm": PASSWORD,
                    "name": name,
                    "role": role,
                    "age": age,
                },
            )
        for rid, name, weight in TAGS:
            s.post("/api/collections/tags/records", {"id": rid, "name": name, "weight": weight})
        for post in POSTS:
            s.post("/api/collections/posts/records", post)
        for rid, post_id, author, text in COMMENTS:
            s.post(
                "/api/collections/comments/records",
                {"id": rid, "post": post_id, "author": author, "text": text},
            )
        for rid, owner, text, n in NOTES:
            s.post("/api/collections/notes/records", {"id": rid, "owner": owner, "text": text, "n": n})
        s.post("/api/collections/secrets/records", {"id": "sec000000000001", "value": "s3cret"})
        s.post("/api/collections/guarded/records", {"id": "grd000000000001", "title": "kept", "n": 1})
        for rid, title in HEADERED:
            s.post("/api/collections/headered/records", {"id": rid, "title": title})
        for rid, email, name, visible in USERS:
            s.post(
                "/api/collections/users/records",
                {
                    "id": rid,
                    "email": email,
                    "emailVisibility": visible,
                    "password": PASSWORD,
                    "passwordConfirm": PASSWORD,
                    "name": name,
                },
            )
        tokens = {"super": admin}
        logins = [
            ("uma", "users", "uma@example.com"),
            ("alice", "people", "alice@example.com"),
            ("bob", "people", "bob@example.com"),
        ]
        for key, collection_name, email in logins:
            auth = s.post(
                f"/api/collections/{collection_name}/auth-with-password",
                {"identity": email, "password": PASSWORD},
            )
            if auth is not None:
                tokens[key] = auth["token"]
    return tokens, s.problems
