"""The evaluator's entry points without a database: needs_query, anonymous requests, RequestInfo."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bastion.rules import RequestInfo, RuleResolveError, evaluate, needs_query

POST = {
    "id": "p1",
    "title": "Hello",
    "views": 10,
    "published": True,
    "tags": ["a", "b"],
    "author": "u1",
    "reviewers": ["u2"],
    "meta": {"a": {"b": [1, "x"]}},
    "created": "2024-01-02 03:04:05.678Z",
}
ANN = {"id": "u1", "collectionId": "c_users", "collectionName": "users", "name": "Ann", "verified": True}


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("title = 'Hello'", False),
        ("tags:each ?= 'a' && tags:length = 2", False),
        ("meta.a.b.1 = 'x'", False),
        ("@request.auth.id != ''", False),
        ("@request.auth.name = 'Ann'", False),
        ("author.name = 'Ann'", True),
        ("reviewers.id ?= 'u2'", True),
        ("author = 'u1' || reviewers.name ?= 'x'", True),
        ("@collection.users.id ?= author", True),
        ("posts_via_author.id != ''", True),
        ("@request.auth.team.name = 'x'", True),
        ("@request.body.author.name = 'x'", True),
    ],
)
def test_needs_query(schema, expr, expected) -> None:
    coll = schema.find_collection("users" if "posts_via" in expr else "posts")
    assert needs_query(expr, coll, schema) is expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("title = 'Hello' && views > 5", True),
        ("title ~ 'ELL'", True),
        ("tags:each ?= 'b'", True),
        ("tags:each = 'b'", False),
        ("meta.a.b.1 = 'x' && meta.a.b.0 = 1", True),
        ("meta.nope = null", True),
        ("@request.auth.id = ''", True),
        ("@request.auth.id = author", False),
        ("@request.body.title:isset = false", True),
        ("created < @now", True),
        ("strftime('%Y-%m-%d', created) = '2024-01-02'", True),
        ("strftime('%H', @now) = '10'", True),
    ],
)
def test_evaluate_without_related_data(posts, schema, expr, expected) -> None:
    now = datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
    assert evaluate(expr, POST, posts, schema, RequestInfo(), now=now) is expected


def test_evaluate_with_auth(posts, schema) -> None:
    req = RequestInfo(auth=ANN)
    assert evaluate("@request.auth.id = author && @request.auth.verified = true", POST, posts, schema, req)
    assert not evaluate("@request.auth.id ?= reviewers.id", POST, posts, schema, req)
    assert evaluate("@request.auth.name = 'Ann'", POST, posts, schema, req)


def test_evaluate_errors_like_the_compiler(posts, schema) -> None:
    with pytest.raises(RuleResolveError):
        evaluate("nope = 1", POST, posts, schema, RequestInfo())
    with pytest.raises(RuleResolveError):
        evaluate("secret = 'x'", POST, posts, schema, RequestInfo(), allow_hidden=False)


def test_request_info() -> None:
    assert not RequestInfo().is_superuser
    assert not RequestInfo(auth=ANN).is_superuser
    assert RequestInfo(auth={"id": "x", "collectionName": "_superusers"}).is_superuser


def test_record_predicate_reuse(posts, schema) -> None:
    from bastion.rules import RecordPredicate

    pred = RecordPredicate("views > 5 && tags:each ?= 'a'", posts, schema, RequestInfo())
    assert not pred.needs_data
    assert pred.matches(POST)
    assert not pred.matches({**POST, "views": 1})
    assert not pred.matches({**POST, "tags": ["b"]})
    assert RecordPredicate("author.name = 'x'", posts, schema, RequestInfo()).needs_data


def test_superuser_only_field() -> None:
    from bastion.rules import superuser_only_field

    assert superuser_only_field("title = 'x'") is None
    assert superuser_only_field("@request.auth.id != ''") == "@request."
    assert superuser_only_field("@collection.users.id ?= author") == "@collection."
