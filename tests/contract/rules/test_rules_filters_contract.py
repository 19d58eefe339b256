"""A broad table of filters: SQLite, PostgreSQL and the in-memory evaluator must return the same ids."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest
from rules_world import ROWS, World

from bastion.rules import RequestInfo, RuleResolveError
from tests.conftest import skip_or_fail

ANN = {
    "id": "u1",
    "collectionId": "c_users",
    "collectionName": "users",
    "email": "ann@x.io",
    "emailVisibility": True,
    "verified": True,
    "name": "Ann",
    "role": "admin",
    "age": 30,
    "team": "t1",
}
BOB = {
    "id": "u2",
    "collectionId": "c_users",
    "collectionName": "users",
    "email": "bob@x.io",
    "emailVisibility": False,
    "verified": False,
    "name": "Bob",
    "role": "user",
    "age": 25,
    "team": "t2",
}
NOW = datetime(2025, 1, 15, 10, 30, 0, tzinfo=UTC)

CASES: list[tuple[str, str, list[str]]] = [
    # plain text / equality and the empty-vs-null rules
    ("posts", 'title = "Hello World"', ["p1"]),
    ("posts", "title = 'hello world'", []),
    ("posts", 'title != "Hello World"', ["p2", "p3", "p4"]),
    ("posts", 'title = ""', ["p3"]),
    ("posts", "title = null", ["p3"]),
    ("posts", 'title != ""', ["p1", "p2", "p4"]),
    ("posts", "title != null", ["p1", "p2", "p4"]),
    ("posts", '"" = title', ["p3"]),
    ("posts", '"x" = "x"', ["p1", "p2", "p3", "p4"]),
    ("posts", "null = null", ["p1", "p2", "p3", "p4"]),
    ("posts", '"" != null', []),
    # LIKE
    ("posts", 'title ~ "hello"', ["p1", "p4"]),
    ("posts", 'title !~ "hello"', ["p2", "p3"]),
    ("posts", 'title ~ "_post"', ["p2"]),
    ("posts", 'title ~ "d_p"', ["p2"]),
    ("posts", 'title ~ "d_po%"', []),
    ("posts", 'title ~ "%d_po%"', ["p2"]),
    ("posts", 'title ~ "100%"', []),
    ("posts", 'title ~ "%100\\%"', ["p2"]),
    ("posts", 'title ~ "h%o"', []),
    ("posts", 'title ~ "h%d"', ["p1"]),
    ("posts", '"Hello World, again" ~ title', ["p1", "p3"]),
    # numbers and bools
    ("posts", "views > 5", ["p1", "p2", "p4"]),
    ("posts", "views >= 10", ["p1", "p4"]),
    ("posts", "views < 5.6", ["p2", "p3"]),
    ("posts", "views = 5.5", ["p2"]),
    ("posts", 'views = "10"', ["p1"]),
    ("posts", "views = 0", ["p3"]),
    ("posts", 'views = ""', []),
    ("posts", 'views > "abc"', []),
    ("posts", 'views < "abc"', ["p1", "p2", "p3", "p4"]),
    ("posts", "published = true", ["p1", "p4"]),
    ("posts", "published = false", ["p2", "p3"]),
    ("posts", "published != true", ["p2", "p3"]),
    ("posts", 'published = "1"', ["p1", "p4"]),
    ("posts", "title = 5", []),
    # boolean structure and precedence
    ("posts", "views > 5 && published = true", ["p1", "p4"]),
    ("posts", "views = 0 || views = 100 && published = true", ["p3", "p4"]),
    ("posts", "(views = 0 || views = 100) && published = false", ["p3"]),
    ("posts", "views > 1000 || (title ~ 'second' && (views = 5.5))", ["p2"]),
    # dates and macros
    ("posts", 'created > "2024-06-01"', ["p2", "p4"]),
    ("posts", "created < @now", ["p1", "p3", "p4"]),
    ("posts", "created >= @yearStart", ["p2"]),
    ("posts", "created <= @yearStart && created != ''", ["p1", "p4"]),
    (
        "posts",
        "@year = 2025 && @month = 1 && @day = 15 && @hour = 10 && @weekday = 3",
        ["p1", "p2", "p3", "p4"],
    ),
    ("posts", "strftime('%Y', created) = '2024'", ["p1", "p4"]),
    ("posts", "strftime('%Y-%m', created) = '2025-06'", ["p2"]),
    ("posts", "strftime('%Y', created) = ''", ["p3"]),
    # multi-value fields
    ("posts", 'tags ~ "b"', ["p1", "p2"]),
    ("posts", 'tags:each = "b"', ["p2"]),
    ("posts", 'tags:each ?= "b"', ["p1", "p2"]),
    ("posts", 'tags:each != "b"', ["p3", "p4"]),
    ("posts", 'tags:each ?!= "b"', ["p1", "p3", "p4"]),
    ("posts", "tags:length = 0", ["p3"]),
    ("posts", "tags:length > 1", ["p1"]),
    ("posts", "reviewers:length = 1", ["p2", "p4"]),
    ("posts", 'tags:each ~ "a"', []),
    ("posts", 'tags:each ?~ "a"', ["p1"]),
    ("posts", 'tags = "[]"', ["p3"]),
    # relations
    ("posts", 'author.name = "Ann"', ["p1"]),
    ("posts", 'author.name != "Ann"', ["p2", "p3", "p4"]),
    ("posts", 'author = "u1"', ["p1"]),
    ("posts", 'author.id = "u1"', ["p1"]),
    ("posts", 'author.team.name = "Blue"', ["p2"]),
    ("posts", "author.age > 20", ["p1", "p2"]),
    ("posts", 'author.role = ""', ["p3", "p4"]),
    ("posts", 'reviewers.name ?= "Bob"', ["p1", "p2"]),
    ("posts", 'reviewers.name = "Bob"', ["p2"]),
    ("posts", 'reviewers.name != "Bob"', ["p3", "p4"]),
    ("posts", 'reviewers.name ?!= "Bob"', ["p1", "p3", "p4"]),
    ("posts", 'reviewers.id ?= "u3"', ["p1"]),
    ("posts", "reviewers.age ?> 26", ["p4"]),
    ("posts", "reviewers.age > 20", ["p2", "p4"]),
    ("posts", 'reviewers.team.name ?= "Red"', ["p4"]),
    ("posts", 'reviewers ~ "u2"', ["p1", "p2"]),
    ("posts", "reviewers.name = author.name", ["p2", "p3"]),
    # back relations
    ("users", 'posts_via_author.title ?~ "hello"', ["u1", "u3"]),
    ("users", "posts_via_author.views ?> 50", ["u3"]),
    ("users", 'posts_via_reviewers.id ?= "p1"', ["u2", "u3"]),
    ("users", "posts_via_reviewers.views > 1", ["u1", "u2", "u3"]),
    ("users", "posts_via_reviewers.views > 6", ["u1", "u3"]),
    ("teams", 'members_via_team.user.name ?= "Bob"', ["t1", "t2"]),
    ("teams", "members_via_team.level > 1", ["t2"]),
    # json fields
    ("posts", "meta.a = 1", ["p1"]),
    ("posts", 'meta.a = "1"', ["p2"]),
    ("posts", "meta.a > 0", ["p1", "p2", "p4"]),
    ("posts", 'meta.b.c = "x"', ["p1"]),
    ("posts", "meta.b = null", ["p2", "p3", "p4"]),
    ("posts", "meta.b != null", ["p1"]),
    ("posts", "meta.list.1 = 2", ["p1"]),
    ("posts", "meta.a.2 = 3", ["p4"]),
    ("posts", "meta.t = true", ["p4"]),
    ("posts", 'meta.b.c ~ "X"', ["p1"]),
    ("posts", 'meta.a = ""', []),
    ("posts", "meta = null", ["p3"]),
    ("posts", "loc.lat > 40", ["p1", "p3"]),
    ("posts", "geoDistance(loc.lon, loc.lat, 23.32, 42.69) < 5", ["p1"]),
    ("posts", "geoDistance(loc.lon, loc.lat, 2.35, 48.85) < 1100", ["p3"]),
    ("posts", "geoDistance(loc.lon, loc.lat, 2.35, 48.85) < 2000", ["p1", "p3"]),
    # modifiers
    ("posts", 'title:lower = "hello world"', ["p1"]),
    ("posts", 'author.name:lower = "cy"', ["p4"]),
    ("posts", '"ÀB" ~ "à"', []),
    ("posts", '"ÀB" ~ "àb"', []),
    ("posts", '"xAB" ~ "ab"', ["p1", "p2", "p3", "p4"]),
    # @collection
    ("posts", "@collection.members.user ?= author", ["p1", "p2"]),
    ("posts", '@collection.members.user ?= author && @collection.members.team ?= "t2"', ["p2"]),
    ("posts", '@collection.members:m.user ?= author && @collection.members:x.team ?= "t2"', ["p1", "p2"]),
    ("posts", "@collection.members.level > 0", ["p1", "p2", "p3", "p4"]),
    ("posts", "@collection.members.level > 1", []),
    ("posts", "@collection.members.level ?> 2", ["p1", "p2", "p3", "p4"]),
    # checked against PocketBase 0.40.6 (same data): a plain multi-value field compares as its JSON text
    ("posts", 'tags ?= "a"', []),
    ("posts", 'tags = "a"', []),
    ("posts", 'tags ?~ "a"', ["p1"]),
    ("posts", 'reviewers ?= "u2"', []),
    ("posts", 'views = "5.5"', ["p2"]),
    ("posts", "title > 5", ["p1", "p2", "p4"]),
    ("posts", "meta.a ?= 1", ["p1"]),
    ("posts", "meta.list:length = 2", []),
    ("posts", "tags:length = 2", ["p1"]),
    ("posts", 'tags:lower ~ "A"', ["p1"]),
    ("posts", 'title:lower ~ "HELLO"', ["p1", "p4"]),
    ("posts", "meta.a != 1", ["p2", "p3", "p4"]),
    ("posts", 'meta.b.c != "x"', ["p2", "p3", "p4"]),
    ("posts", "views != 5.5", ["p1", "p3", "p4"]),
    ("posts", 'reviewers.name ~ "o"', ["p2"]),
    ("posts", 'reviewers.name !~ "o"', ["p4"]),
    ("posts", 'reviewers.name ?!~ "o"', ["p1", "p4"]),
    ("posts", "published > 0", ["p1", "p4"]),
    ("posts", 'published = "true"', []),
    ("posts", 'tags:each > "a"', ["p2", "p4"]),
    ("posts", 'tags:each ?> "a"', ["p1", "p2", "p4"]),
    # misc
    ("posts", 'id = "p2" || id = "p4"', ["p2", "p4"]),
    ("posts", 'secret = "s1"', ["p1"]),
    ("users", 'email = "bob@x.io"', ["u2"]),
    ("posts", 'author.email = "bob@x.io"', ["p2"]),
    ("posts", "@request.body.nope = null", ["p1", "p2", "p3", "p4"]),
    ("posts", '@request.auth.id = ""', ["p1", "p2", "p3", "p4"]),
    ("posts", "title = 'x' // a comment", []),
]


@pytest.mark.parametrize(("collection", "expr", "expected"), CASES, ids=[c[1] for c in CASES])
def test_filter_sqlite_and_evaluator(world: World, collection: str, expr: str, expected: list[str]) -> None:
    assert world.sql_ids("sqlite", collection, expr, now=NOW) == expected
    assert world.eval_ids(collection, expr, now=NOW) == expected


@pytest.mark.parametrize(("collection", "expr", "expected"), CASES, ids=[c[1] for c in CASES])
def test_filter_postgres(pg_world: World, collection: str, expr: str, expected: list[str]) -> None:
    assert pg_world.sql_ids("postgres", collection, expr, now=NOW) == expected


RULE_CASES: list[tuple[str, str, dict | None, dict, list[str]]] = [
    ("posts", "@request.auth.id != ''", None, {}, []),
    ("posts", "@request.auth.id != ''", ANN, {}, ["p1", "p2", "p3", "p4"]),
    ("posts", "author = @request.auth.id", ANN, {}, ["p1"]),
    ("posts", "author = @request.auth.id", None, {}, ["p3"]),
    ("posts", "reviewers ~ @request.auth.id", BOB, {}, ["p1", "p2"]),
    ("posts", "reviewers.id ?= @request.auth.id", BOB, {}, ["p1", "p2"]),
    ("posts", "@request.auth.id ?= reviewers.id", BOB, {}, ["p1", "p2"]),
    ("posts", '@request.auth.role = "admin" || author = @request.auth.id', ANN, {}, ["p1", "p2", "p3", "p4"]),
    ("posts", '@request.auth.role = "admin" || author = @request.auth.id', BOB, {}, ["p2"]),
    ("posts", "@request.auth.team.name = 'Red'", ANN, {}, ["p1", "p2", "p3", "p4"]),
    ("posts", "@request.auth.team.name = 'Red'", BOB, {}, []),
    (
        "posts",
        "@collection.members.user ?= @request.auth.id && @collection.members.team ?= 't2'",
        BOB,
        {},
        ["p1", "p2", "p3", "p4"],
    ),
    (
        "posts",
        "@collection.members.user ?= @request.auth.id && @collection.members.team ?= 't2'",
        ANN,
        {},
        [],
    ),
    (
        "posts",
        "@collection.members.user ?= @request.auth.id && @collection.members.team ?= author.team",
        BOB,
        {},
        ["p1", "p2"],
    ),
    # these four also checked against PocketBase 0.40.6 as Bob's listRule (test_rules_pocketbase_diff)
    ("posts", "reviewers.id = @request.auth.id", BOB, {}, ["p2"]),
    ("posts", "@request.auth.name = 'Bob' && views > 5", BOB, {}, ["p1", "p2", "p4"]),
    ("posts", "@collection.users.name ?= 'cy' && author.name != 'cy'", BOB, {}, ["p1", "p2", "p3"]),
    ("posts", "@collection.users.name = 'cy'", BOB, {}, []),
    # a pattern ending in a lone escape matches nothing in SQLite (and must not error on PostgreSQL)
    ("posts", "title ~ @request.body.p", None, {"p": "%o\\"}, []),
    ("posts", "title !~ @request.body.p", None, {"p": "%o\\"}, ["p1", "p2", "p3", "p4"]),
    ("posts", "@request.body.title = title", None, {"title": "Hello World"}, ["p1"]),
    ("posts", "@request.body.views > views", None, {"views": "8"}, ["p2", "p3"]),
    ("posts", "@request.body.title:isset = true", None, {"title": "x"}, ["p1", "p2", "p3", "p4"]),
    ("posts", "@request.body.title:isset = true", None, {}, []),
    ("posts", "@request.body.title:changed = false", None, {"title": "Hello World"}, ["p1"]),
    ("posts", "@request.body.title:changed = true", None, {"title": "Hello World"}, ["p2", "p3", "p4"]),
    ("posts", "@request.body.title:changed = false", None, {}, ["p1", "p2", "p3", "p4"]),
    ("posts", "@request.body.tags:length > 1", None, {"tags": ["a", "b"]}, ["p1", "p2", "p3", "p4"]),
    ("posts", '@request.body.tags:each ?= "b"', None, {"tags": ["a", "b"]}, ["p1", "p2", "p3", "p4"]),
    ("posts", '@request.body.tags:each = "b"', None, {"tags": ["a", "b"]}, []),
    (
        "posts",
        '@request.body.reviewers.name ?= "Bob"',
        None,
        {"reviewers": ["u2", "u3"]},
        ["p1", "p2", "p3", "p4"],
    ),
    ("posts", '@request.body.author.role = "admin"', None, {"author": "u1"}, ["p1", "p2", "p3", "p4"]),
    ("posts", '@request.body.title:lower = "abc"', None, {"title": "ABC"}, ["p1", "p2", "p3", "p4"]),
    ("posts", '@request.query.q = "1" && @request.headers.x_token = "t"', None, {}, []),
    ("posts", '@request.method = "GET" && @request.context = "default"', None, {}, ["p1", "p2", "p3", "p4"]),
]


def _req(auth: dict | None, body: dict) -> RequestInfo:
    return RequestInfo(auth=auth, body=body)


@pytest.mark.parametrize(
    ("collection", "expr", "auth", "body", "expected"),
    RULE_CASES,
    ids=[f"{c[1]}|{c[2]['id'] if c[2] else 'anon'}|{c[3]}" for c in RULE_CASES],
)
def test_rules_all_backends(
    world: World, collection: str, expr: str, auth: dict | None, body: dict, expected: list[str]
) -> None:
    req = _req(auth, body)
    assert world.sql_ids("sqlite", collection, expr, req) == expected
    assert world.eval_ids(collection, expr, req) == expected
    if world.pg is not None:
        assert world.sql_ids("postgres", collection, expr, req) == expected


def test_hidden_fields_need_allow_hidden(world: World) -> None:
    with pytest.raises(RuleResolveError):
        world.sql_ids("sqlite", "posts", 'secret = "s1"', allow_hidden=False)
    with pytest.raises(RuleResolveError):
        world.sql_ids("sqlite", "posts", 'author.password = "h1"', allow_hidden=False)


def test_email_visibility_guard_for_clients(world: World) -> None:
    # bob hides his email: a client filter can't match on it, a trusted rule can
    assert world.sql_ids("sqlite", "posts", 'author.email = "bob@x.io"', allow_hidden=False) == []
    assert world.sql_ids("sqlite", "posts", 'author.email = "ann@x.io"', allow_hidden=False) == ["p1"]
    assert world.eval_ids("posts", 'author.email = "bob@x.io"', allow_hidden=False) == []
    if world.pg is not None:
        assert world.sql_ids("postgres", "posts", 'author.email = "bob@x.io"', allow_hidden=False) == []


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_sort(world: World, dialect: str) -> None:
    if dialect == "postgres" and world.pg is None:
        skip_or_fail(f"PostgreSQL not reachable: {getattr(world, 'pg_error', '')}")
    ids = lambda s: world.sql_ids(dialect, "posts", "id != ''", sort=s)  # noqa: E731
    assert ids("-views") == ["p4", "p1", "p2", "p3"]
    assert ids("+views") == ["p3", "p2", "p1", "p4"]
    assert ids("title") == ["p3", "p1", "p4", "p2"]
    assert ids("published,-created") == ["p2", "p3", "p4", "p1"]
    assert ids("author.name,id") == ["p3", "p1", "p2", "p4"]
    assert ids("-author.team.name,id") == ["p1", "p2", "p3", "p4"]
    assert sorted(ids("@random")) == ["p1", "p2", "p3", "p4"]
    assert ids("meta.a,id")[0] == "p3"


@pytest.fixture
def private_users(world: World):
    users = world.coll("users")
    saved = dict(users.rules)
    users.rules["listRule"] = "id = @request.auth.id"
    yield world
    users.rules.clear()
    users.rules.update(saved)


LIST_RULE_CASES = [
    ('author.name = "Bob"', BOB, ["p2"]),
    ('author.name = "Bob"', ANN, []),
    # PocketBase ANDs the joined collection's listRule into the whole condition: rows whose author
    # the client may not see drop out even when another branch matches
    ('author.name = "Ann" || title = "hello again"', ANN, ["p1"]),
    ("reviewers.name ?= 'Bob'", BOB, ["p1", "p2"]),
    ("reviewers.name ?= 'cy'", BOB, []),
    ("title != ''", ANN, ["p1", "p2", "p4"]),
]


@pytest.mark.parametrize(("expr", "auth", "expected"), LIST_RULE_CASES)
def test_joined_collections_apply_their_list_rule_for_clients(
    private_users: World, expr, auth, expected
) -> None:
    w = private_users
    req = _req(auth, {})
    assert w.sql_ids("sqlite", "posts", expr, req, allow_hidden=False) == expected
    assert w.eval_ids("posts", expr, req, allow_hidden=False) == expected
    if w.pg is not None:
        assert w.sql_ids("postgres", "posts", expr, req, allow_hidden=False) == expected
    # trusted rules (allow_hidden) ignore the related listRule
    assert w.sql_ids("sqlite", "posts", expr, req, allow_hidden=True) == w.eval_ids("posts", expr, req)


def test_superuser_only_collections_are_not_joinable_by_clients(world: World) -> None:
    users = world.coll("users")
    saved = dict(users.rules)
    users.rules["listRule"] = None
    try:
        with pytest.raises(RuleResolveError, match="superusers"):
            world.sql_ids("sqlite", "posts", 'author.name = "Bob"', allow_hidden=False)
        assert world.sql_ids("sqlite", "posts", 'author.name = "Bob"', allow_hidden=True) == ["p2"]
    finally:
        users.rules.clear()
        users.rules.update(saved)


@pytest.mark.parametrize(
    "sort",
    [
        "meta.a,id",
        "-meta.a,id",
        "meta.b.c,-id",
        "title:lower,id",
        "tags,id",
        "-reviewers:length,id",
        "author.age,id",
        "-created,title",
        "loc.lat,id",
        "published,views",
    ],
)
def test_sort_same_order_on_both_databases(pg_world: World, sort: str) -> None:
    assert pg_world.sql_ids("postgres", "posts", "id != ''", sort=sort) == pg_world.sql_ids(
        "sqlite", "posts", "id != ''", sort=sort
    )


def test_geo_distance_over_tiny_coordinates_answers_on_postgres(pg_world: World) -> None:
    """A point a subnormal or 1e-200 degrees off 0 made PostgreSQL's float8 arithmetic raise
    "underflow" (a 400 on PostgreSQL only, found by the filter fuzzing); it is 0 there now, as
    it is in effect for SQLite and the evaluator."""
    rows = copy.deepcopy(ROWS)
    rows["posts"][0]["loc"] = {"lon": 1e-200, "lat": 1e-200}
    rows["posts"][1]["loc"] = {"lon": 5e-324, "lat": -1e-170}
    pg_world.reload(rows)
    try:
        for expr in (
            "geoDistance(loc.lon, loc.lat, 0, 0) < 1",
            "geoDistance(loc.lon, loc.lat, loc.lon, loc.lat) = 0",
        ):
            expected = pg_world.eval_ids("posts", expr)
            assert "p1" in expected and "p2" in expected
            assert pg_world.sql_ids("sqlite", "posts", expr) == expected
            assert pg_world.sql_ids("postgres", "posts", expr) == expected
    finally:
        pg_world.reload(ROWS)


@pytest.mark.parametrize("expr", ["meta..c = 1", "meta..a.b != ''", "author.team..x = 1"])
def test_an_empty_json_key_is_refused_by_all_three(world: World, expr: str) -> None:
    """`meta..c` went to SQLite as the JSON path `$..c`, which it cannot read (a 500 there, found
    by the filter fuzzing) while PostgreSQL and the evaluator answered; now all three refuse it."""
    with pytest.raises(RuleResolveError):
        world.eval_ids("posts", expr)
    for dialect in ("sqlite", "postgres") if world.pg is not None else ("sqlite",):
        with pytest.raises(RuleResolveError):
            world.sql_ids(dialect, "posts", expr)


def test_geo_distance_reads_text_arguments_as_sqlite_does(world: World) -> None:
    """A text argument is a number when it looks like one (`'5'`, `' 5'`, `'.5'`), else NULL, as
    SQLite's math functions read it. Found by the filter fuzzing: PostgreSQL read every text as
    NULL, and the evaluator used float(), which takes `'inf'` (then cos() raised) and `'1_0'`."""
    rows = copy.deepcopy(ROWS)
    titles = ["", "5", " 5", "5x", "abc", ".5", "5.", "Infinity", "inf", "1_0", "nan", "-0"]
    rows["posts"] = [{**rows["posts"][2], "id": f"t{i:02d}", "title": t} for i, t in enumerate(titles)]
    world.reload(rows)
    try:
        for expr, expected in (
            ("geoDistance(0, 0, 0, title) >= 0", ["t01", "t02", "t05", "t06", "t11"]),
            ("geoDistance(0, 0, 0, title) = 0", ["t11"]),
        ):
            assert world.eval_ids("posts", expr) == expected, expr
            assert world.sql_ids("sqlite", "posts", expr) == expected, expr
            if world.pg is not None:
                assert world.sql_ids("postgres", "posts", expr) == expected, expr
    finally:
        world.reload(ROWS)


@pytest.mark.parametrize(
    "expr", ["strftime('', created) = ''", "strftime('', created) > 5", "created >= strftime('', created)"]
)
def test_strftime_with_an_empty_format_is_empty_text_on_postgres(world: World, expr: str) -> None:
    """SQLite's strftime('', a time) is '', PostgreSQL's to_char(…, '') NULL (found by the filter
    fuzzing: a comparison with it matched nothing on PostgreSQL only)."""
    expected = world.eval_ids("posts", expr)
    assert expected and world.sql_ids("sqlite", "posts", expr) == expected
    if world.pg is not None:
        assert world.sql_ids("postgres", "posts", expr) == expected


NUMBER_TEXT_CASES = [
    # PostgreSQL wrote a double as text in its own form: 1e15 as '1e+15' where SQLite's NUMERIC
    # column holds the integer 1000000000000000, 0.1 + 0.2 with 17 digits where SQLite prints 15
    pytest.param({"views": 1e15}, "views !~ 'e+'", id="real-text-exponent"),
    pytest.param({"views": 1e15}, "views ~ '1000000000000000'", id="real-integral-column"),
    pytest.param({"views": 0.1 + 0.2}, "views !~ '0.30000000000000004'", id="real-text-digits"),
    pytest.param({"views": 0.1 + 0.2}, "views:lower = '0.3'", id="real-text-lower"),
    pytest.param({"views": 1e20}, "views:lower = '1.0e+20'", id="real-past-int64"),
    pytest.param({"views": -2.5e-7}, "views:lower = '-2.5e-07'", id="real-small-exponent"),
    pytest.param({"views": 123456789012345.6}, "views:lower = '123456789012346.0'", id="real-15-digits"),
    pytest.param({"views": 0.0001}, "views:lower = '0.0001'", id="real-small-plain"),
    pytest.param({"meta": -9.2233720368547758e18}, "meta ~ 'e+18'", id="json-top-level-past-int64"),
    pytest.param({"meta": {"a": -0.0}}, "meta.a ~ '0.0' && meta.a !~ '-'", id="json-negative-zero"),
    # a text column compared with a computed double compares SQLite's text form of it
    pytest.param({"title": "157.249381271926"}, "title = geoDistance(0, 0, 1, 1)", id="text-vs-double"),
    pytest.param({}, "geoDistance(0, 0, 0, 0) ~ '0.0'", id="computed-zero-text"),
    # a json field's integral double: SQLite's JSON column (NUMERIC affinity) stores 100.0 as 100
    pytest.param({"meta": 100.0}, "meta !~ '.'", id="json-integral-double"),
    pytest.param({"meta": 0.1 + 0.2}, "meta:lower = '0.3'", id="json-top-level-digits"),
    pytest.param({"meta": {"a": 100.0}}, "meta.a ~ '100.0'", id="json-nested-integral-double"),
    pytest.param(
        {"meta": {"a": 0.1 + 0.2}},
        "meta.a ~ '0.3' && meta.a !~ '0.30000000000000004'",
        id="json-nested-digits",
    ),
    pytest.param({"meta": {"a": 1e15}}, "meta.a ~ '1.0e+15'", id="json-nested-exponent"),
]


@pytest.mark.parametrize(("post", "expr"), NUMBER_TEXT_CASES)
def test_a_number_as_text_is_written_as_sqlite_writes_it(pg_world: World, post: dict, expr: str) -> None:
    """Found by the filter fuzzing: PostgreSQL wrote a number converted to text in its own form
    (`1e+15`, 17 digits), and a json field's whole value 100.0 stayed 100.0 where SQLite's column
    holds 100. SQLite is the reference; each case matches there."""
    rows = copy.deepcopy(ROWS)
    rows["posts"][0].update(post)
    pg_world.reload(rows)
    try:
        expected = pg_world.sql_ids("sqlite", "posts", expr)
        assert "p1" in expected, expr
        assert pg_world.eval_ids("posts", expr) == expected
        assert pg_world.sql_ids("postgres", "posts", expr) == expected
    finally:
        pg_world.reload(ROWS)


@pytest.mark.parametrize(
    ("tags", "expr"),
    [
        (5, "'' >= @request.body.tags:each"),
        ([5, "a"], "@request.body.tags:each ?< 'a'"),
        ([5, 7], "@request.body.tags:each > 6"),
        ([True], "@request.body.tags:each = 1"),
        ([2.5, 100.0], "@request.body.tags:each ?~ '100.0'"),
        ([None, "x"], "@request.body.tags:each ?= 'x'"),
        ([0.1 + 0.2], "@request.body.tags:each = '0.3'"),
        # past the 64-bit integers, or a double written with an exponent, is a REAL to json_each
        ([2**63], "@request.body.tags:each ~ 'e+'"),
        ([1e16], "@request.body.tags:each ~ '1.0e+16'"),
        ([1.7976931348623157e308], "@request.body.tags:each ~ 'e+308'"),
        ([-0.0], "@request.body.tags:each = '0.0'"),
    ],
)
def test_a_body_item_keeps_its_class_under_each(pg_world: World, tags: object, expr: str) -> None:
    """Found by the filter fuzzing: a number under `@request.body.x:each` stayed a number in
    SQLite's json_each and became text on PostgreSQL (so `'' >= 5` differed)."""
    request = RequestInfo(body={"tags": tags})
    expected = pg_world.sql_ids("sqlite", "posts", expr, request)
    assert pg_world.eval_ids("posts", expr, request) == expected
    assert pg_world.sql_ids("postgres", "posts", expr, request) == expected


@pytest.mark.parametrize(
    "expr",
    [
        "strftime('%m-%d', '2024-02-30') = '02-30'",
        "strftime('%Y-%m-%d %H:%M', '2023-02-31 24:00') = '2023-02-31 24:00'",
        "strftime('%j', '2024-02-30') = '061'",
        "strftime('%j %d', '2024-02-29 24:00') = '060 29'",
        "strftime('%d %H', '2024-02-30 10:00Z') = '30 10'",
        "strftime('%m-%d %H', '2024-02-30 23:00-02:00') = '03-02 01'",
        "strftime('%% %Y%%', '2024-02-30') = '% 2024%'",
    ],
)
def test_strftime_prints_a_day_past_the_month_end_as_written(world: World, expr: str) -> None:
    """Found by the filter fuzzing: SQLite prints the year, month, day and hour as written
    (2024-02-30) where PostgreSQL rolled them over (03-01); a UTC offset recomputes them on both."""
    expected = world.eval_ids("posts", expr)
    assert expected and world.sql_ids("sqlite", "posts", expr) == expected
    if world.pg is not None:
        assert world.sql_ids("postgres", "posts", expr) == expected


# Disagreements the filter fuzzing found that are not fixed yet (docs/openapi.md, "Filter
# fuzzing"); the fuzzers' generators stay clear of them. Strict: a fix turns them into failures
# to remove from here.
KNOWN_OPEN = [
    # SQLite reads a number (or numeric text) as a Julian day number; PostgreSQL and the evaluator
    # read only date text
    pytest.param({"meta": {"a": 5}}, None, "strftime('%Y', meta.a) = '-4713'", id="strftime-julian-day"),
]


@pytest.mark.xfail(strict=True, reason="known open disagreement between the three implementations")
@pytest.mark.parametrize(("post", "body", "expr"), KNOWN_OPEN)
def test_known_open_disagreements(pg_world: World, post: dict, body: dict | None, expr: str) -> None:
    rows = copy.deepcopy(ROWS)
    rows["posts"][0].update(post)
    pg_world.reload(rows)
    try:
        request = RequestInfo(body=body or {})
        expected = pg_world.sql_ids("sqlite", "posts", expr, request)
        assert pg_world.eval_ids("posts", expr, request) == expected
        assert pg_world.sql_ids("postgres", "posts", expr, request) == expected
    finally:
        pg_world.reload(ROWS)
