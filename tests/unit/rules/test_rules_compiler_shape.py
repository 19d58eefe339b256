"""What the compiler emits: parameters for every user value, quoted schema identifiers, errors."""

from __future__ import annotations

import pytest

from bastion.rules import RequestInfo, RuleResolveError, compile_filter, compile_sort

DIALECTS = ["sqlite", "postgres"]
ANN = {"id": "u1", "collectionId": "c_users", "collectionName": "users", "name": "Ann"}


def _compile(posts, schema, expr, dialect, request=None, allow_hidden=True):
    return compile_filter(
        expr,
        posts,
        schema,
        request or RequestInfo(),
        dialect=dialect,
        table_alias="__r",
        allow_hidden=allow_hidden,
    )


INJECTIONS = [
    "x' OR 1=1 --",
    'x" OR 1=1 --',
    "'; DROP TABLE posts; --",
    "?",
    "$1",
    "%' OR '1'='1",
    "\\' OR 1=1",
]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("payload", INJECTIONS)
def test_injection_stays_a_parameter(posts, schema, dialect, payload) -> None:
    # backslashes escaped first: a filter's text reads `\\` as one backslash (PocketBase 0.40.6)
    quoted = '"' + payload.replace("\\", "\\\\").replace('"', '\\"') + '"'
    for expr in (f"title = {quoted}", f"title ~ {quoted}", f"meta.a = {quoted}", f"author.name ?= {quoted}"):
        frag = _compile(posts, schema, expr, dialect)
        assert frag.sql.count("?") == len(frag.params)
        assert "DROP" not in frag.sql and "OR 1=1" not in frag.sql
        assert any(payload in str(p) for p in frag.params)
    body = RequestInfo(body={"title": payload})
    frag = _compile(posts, schema, "@request.body.title = title", dialect, body)
    assert payload in frag.params
    assert payload == "?" or payload not in frag.sql


@pytest.mark.parametrize("dialect", DIALECTS)
def test_placeholders_match_params(posts, schema, dialect) -> None:
    exprs = [
        "title = 'a' && views > 1 || published = true",
        "reviewers.name = 'x' && tags:each ?= 'b' && meta.b.c != 'y'",
        "@collection.members.user ?= @request.auth.id && @request.auth.team.name = 'Red'",
        "@request.body.reviewers.name ?= 'Bob' && @request.body.tags:each = 'a' && @request.body.title:changed = true",
        "strftime('%Y', created) = '2024' && geoDistance(loc.lon, loc.lat, 1, 2) < 5",
        "posts_via_author.title ?~ 'x'",
    ]
    req = RequestInfo(auth=ANN, body={"reviewers": ["u1", "u2"], "tags": ["a"], "title": "t"})
    for expr in exprs:
        coll = posts if "posts_via" not in expr else schema.find_collection("users")
        frag = _compile(coll, schema, expr, dialect, req)
        assert frag.sql.count("?") == len(frag.params), expr
        for p in frag.params:
            assert isinstance(p, (str, int, float, list)), (expr, p)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_identifiers_are_quoted(posts, schema, dialect) -> None:
    frag = _compile(posts, schema, "title = 'a' && author.name = 'b'", dialect)
    assert '"__r"."title"' in frag.sql
    assert '"users"' in frag.sql and '"name"' in frag.sql
    assert frag.sql.startswith("EXISTS (SELECT 1 FROM (SELECT 1)")


def test_plain_filter_has_no_subquery(posts, schema) -> None:
    frag = _compile(posts, schema, "title = 'a'", "sqlite")
    assert frag.sql == '("__r"."title" = ?)' and frag.params == ["a"]


def test_like_wrapping(posts, schema) -> None:
    assert _compile(posts, schema, "title ~ 'a_b'", "sqlite").params == ["%a\\_b%"]
    assert _compile(posts, schema, "title ~ 'a%b'", "sqlite").params == ["a%b"]
    assert _compile(posts, schema, "title ~ 5", "sqlite").params == ["%5%"]


def test_same_join_alias_is_shared(posts, schema) -> None:
    frag = _compile(
        posts, schema, "@collection.members.user ?= 'u1' && @collection.members.team ?= 't1'", "sqlite"
    )
    assert frag.sql.count('LEFT JOIN "members"') == 1
    frag = _compile(
        posts, schema, "@collection.members:a.user ?= 'u1' && @collection.members:b.team ?= 't1'", "sqlite"
    )
    assert frag.sql.count('LEFT JOIN "members"') == 2


RESOLVE_ERRORS = [
    ("nope = 1", "unknown field"),
    ("author.nope = 1", "unknown field"),
    ("title.x = 1", "not a valid relation"),
    ("title:bogus = 1", "unknown modifier"),
    ("@request.query.a:each = 1", "invalid modifier"),
    ("@collection.nope.id = 1", "failed to load collection"),
    ("@collection.users = 1", "failed to resolve field"),
    ("nothing_via_author.id = 1", "failed to load back relation"),
    ("users_via_nope.id = 1", "missing back relation"),
    ("unknownfn(title) = 1", "unknown function"),
    ("strftime(created) = 1", "format string"),
    ("geoDistance(1, 2, 3) = 1", "expected 4 arguments"),
    ("@request.body.title:each = 1", "doesn't support multivalue"),
]


@pytest.mark.parametrize(("expr", "message"), RESOLVE_ERRORS)
def test_resolve_errors(posts, schema, expr, message) -> None:
    with pytest.raises(RuleResolveError, match=message):
        _compile(posts, schema, expr, "sqlite")


def test_null_true_false_fall_back_to_literals(posts, schema) -> None:
    frag = _compile(posts, schema, "published = true && title != null", "sqlite")
    assert frag.params == [1]


def test_hidden_fields(posts, schema) -> None:
    _compile(posts, schema, "secret = 'x'", "sqlite", allow_hidden=True)
    with pytest.raises(RuleResolveError, match="non-filterable"):
        _compile(posts, schema, "secret = 'x'", "sqlite", allow_hidden=False)


def test_expression_limit(posts, schema) -> None:
    ok = " || ".join(["views = 1"] * 200)
    _compile(posts, schema, ok, "sqlite")
    with pytest.raises(RuleResolveError, match="max filter expressions"):
        _compile(posts, schema, ok + " || views = 2", "sqlite")


def test_max_nested_relations(schema) -> None:
    users = schema.find_collection("users")
    deep = ".".join(["posts_via_author", "author"] * 4) + ".name = 'x'"
    with pytest.raises(RuleResolveError, match="max nested relations"):
        _compile(users, schema, deep, "sqlite")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_sort_shapes(posts, schema, dialect) -> None:
    plan = compile_sort(
        "-views, +title,created,@random",
        posts,
        schema,
        RequestInfo(),
        dialect=dialect,
        table_alias="__r",
        allow_hidden=False,
    )
    assert '"__r"."views" DESC' in plan.order_by and '"__r"."title"' in plan.order_by
    assert ("random()" if dialect == "postgres" else "RANDOM()") in plan.order_by
    assert plan.params == []
    plan = compile_sort(
        "author.name", posts, schema, RequestInfo(), dialect=dialect, table_alias="__r", allow_hidden=True
    )
    assert plan.order_by.startswith("(SELECT")
    with pytest.raises(RuleResolveError, match="invalid sort field"):
        compile_sort(
            "nope", posts, schema, RequestInfo(), dialect=dialect, table_alias="__r", allow_hidden=True
        )
    with pytest.raises(RuleResolveError, match="max sort expressions"):
        compile_sort(
            ",".join(["id"] * 9),
            posts,
            schema,
            RequestInfo(),
            dialect=dialect,
            table_alias="__r",
            allow_hidden=True,
        )
