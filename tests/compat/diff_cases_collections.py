"""Differential cases about collections: the collections API, auth collections' record forms, and
view collections (records read through a SQL view, refused writes).

Split from diff_cases_write.py, which gathers them into `write_cases()`.
"""

from __future__ import annotations

from .diff_compare import Case
from .diff_schema import ALICE, pid

PEOPLE = "/api/collections/people/records"
USERS = "/api/collections/users/records"


def collection_cases() -> list[Case]:
    return [
        Case("collection_view_posts", "/api/collections/posts"),
        Case("collection_view_people", "/api/collections/people"),
        Case("collection_view_default_users", "/api/collections/users"),
        Case("collection_view_anonymous", "/api/collections/posts", auth=None),
        Case("collection_view_as_user", "/api/collections/posts", auth="alice"),
        Case(
            "collection_list_filtered",
            "/api/collections",
            {"filter": 'name = "posts" || name = "tags"', "sort": "name"},
        ),
        Case(
            "collection_create_invalid",
            "/api/collections",
            method="POST",
            body={"name": "bad name!", "type": "base"},
        ),
        Case("collection_create_duplicate", "/api/collections", method="POST", body={"name": "posts"}),
        Case(
            "collection_create_bad_field",
            "/api/collections",
            method="POST",
            body={"name": "broken", "fields": [{"name": "x", "type": "nosuchtype"}]},
        ),
        Case("collection_missing", "/api/collections/nosuch"),
        Case("health", "/api/health", auth=None),
    ]


STATS = "/api/collections/post_stats/records"
STATS_QUERY = (
    "SELECT p.id, p.title, p.views, p.author, p.categories, p.published, p.id AS post, "
    "count(c.id) AS comments FROM posts p LEFT JOIN comments c ON c.post = p.id GROUP BY p.id"
)


def auth_form_cases() -> list[Case]:
    """The auth record form's own checks (password, confirmation, old password, email, verified),
    which PocketBase reports alone, before any field is validated. None of these writes succeed."""
    updates = [
        ("email", {"email": "new@example.com"}),
        ("email_invalid", {"email": "bad"}),
        ("password_alone", {"password": "abc"}),
        ("password_confirmed", {"password": "abcdefghijk", "passwordConfirm": "abcdefghijk"}),
        ("confirm_alone", {"passwordConfirm": "x"}),
        ("old_alone", {"oldPassword": "x"}),
        ("wrong_old", {"password": "abcdefghijk", "passwordConfirm": "abcdefghijk", "oldPassword": "nope"}),
        ("short_with_old", {"password": "a", "passwordConfirm": "a", "oldPassword": "password123"}),
        ("verified_and_email", {"verified": True, "email": "z@example.com"}),
        ("form_before_fields", {"name": "x" * 300, "password": "abcdefghijk"}),
    ]
    creates = [
        ("email_only", {"email": "bad"}),
        ("password_unconfirmed", {"email": "bad", "password": "1"}),
        ("empty", {}),
        ("verified", {"password": "abcdefghijk", "passwordConfirm": "abcdefghijk", "verified": True}),
        ("short", {"email": "short@example.com", "password": "1", "passwordConfirm": "1"}),
        ("number_password", {"email": "num@example.com", "password": 123, "passwordConfirm": "123"}),
    ]
    return [
        *[
            Case(f"auth_form_update_{tag}", f"{PEOPLE}/{ALICE}", method="PATCH", auth="alice", body=body)
            for tag, body in updates
        ],
        *[
            Case(f"auth_form_create_{tag}", USERS, method="POST", auth=None, body=body)
            for tag, body in creates
        ],
    ]


def view_cases() -> list[Case]:
    """A view collection over posts and comments: inferred fields, rules, reads, refusals."""
    rule = "published = true || author = @request.auth.id"
    view = {
        "name": "post_stats",
        "type": "view",
        "listRule": rule,
        "viewRule": rule,
        "viewQuery": STATS_QUERY,
    }
    bad = [
        ("wildcard", "SELECT * FROM posts"),
        ("no_id", "SELECT title FROM posts"),
        ("two_statements", "SELECT id FROM posts; DELETE FROM posts"),
        ("same_ids", "SELECT 'x' AS id FROM posts"),
    ]
    return [
        Case("view_create", "/api/collections", method="POST", body=view),
        *[
            Case(
                f"view_create_{tag}",
                "/api/collections",
                method="POST",
                body={**view, "name": f"v_{tag}", "viewQuery": q},
            )
            for tag, q in bad
        ],
        Case(
            "view_create_write_rule",
            "/api/collections",
            method="POST",
            body={
                **view,
                "name": "v_rules",
                "createRule": "",
                "indexes": ["CREATE INDEX v_idx ON v_rules (id)"],
            },
        ),
        Case("view_list_super", STATS, {"sort": "id"}),
        Case("view_list_alice", STATS, {"sort": "id"}, auth="alice"),
        Case("view_list_anon", STATS, {"sort": "id"}, auth=None),
        Case("view_list_filter_sort", STATS, {"filter": "comments > 0", "sort": "-comments,id"}),
        Case("view_list_expand", STATS, {"sort": "id", "expand": "author,post", "perPage": "3"}),
        Case("view_list_fields", STATS, {"sort": "id", "fields": "id,comments,categories"}),
        Case("view_view_one", f"{STATS}/{pid(3)}", auth="bob"),
        Case("view_view_hidden", f"{STATS}/{pid(4)}", auth=None),
        Case("view_record_create", STATS, method="POST", body={"title": "x"}),
        Case("view_record_update", f"{STATS}/{pid(3)}", method="PATCH", body={"title": "x"}),
        Case("view_record_delete", f"{STATS}/{pid(3)}", method="DELETE"),
        Case(
            "view_change_query",
            "/api/collections/post_stats",
            method="PATCH",
            body={"viewQuery": "SELECT id, views AS reads, (views > 5) AS popular FROM posts"},
        ),
        Case("view_list_after_change", STATS, {"sort": "-reads,id", "perPage": "4"}),
        Case("view_delete", "/api/collections/post_stats", method="DELETE"),
        Case("view_list_after_delete", STATS),
    ]
