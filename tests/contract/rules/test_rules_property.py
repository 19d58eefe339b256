"""Property test: for generated posts and filters, SQLite, PostgreSQL and the evaluator agree."""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules_world import ROWS, World

from bastion.rules import RequestInfo
from tests.support.fuzz_scale import DERANDOMIZE, examples

TEXTS = ["", "a", "A", "ab", "Bob", "ann", "5", "5.0", "b_c", "x%y", "hello World", "Àb", "àB"]
NUMS = [0, 1, 5, 5.5, -2, 10, 25]
IDS = ["", "u1", "u2", "u3", "zz"]
DATES = ["", "2024-01-02 03:04:05.678Z", "2025-06-30 12:00:00.000Z", "2023-12-31 23:59:59.999Z"]
JSONS = [None, 1, 2.5, "a", "5", True, False, None, [1, 2], {"x": "a"}]

meta_st = st.one_of(
    st.none(),
    st.fixed_dictionaries({}, optional={"a": st.sampled_from(JSONS), "b": st.sampled_from(JSONS)}),
)

post_st = st.fixed_dictionaries(
    {
        "title": st.sampled_from(TEXTS),
        "views": st.sampled_from(NUMS),
        "published": st.booleans(),
        "tags": st.lists(st.sampled_from(["a", "b", "c"]), max_size=3, unique=True),
        "author": st.sampled_from(IDS),
        "reviewers": st.lists(st.sampled_from(["u1", "u2", "u3", "zz"]), max_size=3),
        "meta": meta_st,
        "created": st.sampled_from(DATES),
    }
)

OPERANDS = [
    "title",
    "views",
    "published",
    "tags:each",
    "tags:length",
    "tags",
    "author",
    "author.name",
    "author.age",
    "reviewers.name",
    "reviewers.age",
    "reviewers:length",
    "meta.a",
    "meta.b",
    "meta.a.x",
    "created",
    "title:lower",
    "author.name:lower",
    "@collection.members.level",
    "@collection.members.user",
    "@request.auth.id",
    "@request.auth.name",
    "author.team.name",
    "strftime('%Y', created)",
    "@request.body.title:changed",
    "@request.body.tags:length",
    "@request.body.n",
    "reviewers.id",
    "@request.body.tags:each",
    "@request.body.title:lower",
]
OPS = ["=", "!=", ">", ">=", "<", "<=", "~", "!~", "?=", "?!=", "?>", "?>=", "?<", "?<=", "?~", "?!~"]
LITERALS = (
    [f'"{t}"' for t in TEXTS]
    + ["0", "1", "5", "5.5", "-2", "25", "true", "false", "null", '"2024"']
    + ["@request.auth.id", "author", "author.name", "reviewers.name", "@collection.members.user"]
    + [
        "title",
        "views",
        "meta.a",
        "tags:length",
        "published",
        "@request.body.n",
        "@request.body.s",
        "@request.body.title",
        "@request.body.tags:each",
        "@request.body.missing",
        "created",
        "@now",
    ]
)

comparison_st = st.builds(
    lambda a, op, b: f"{a} {op} {b}",
    st.sampled_from(OPERANDS),
    st.sampled_from(OPS),
    st.sampled_from(LITERALS),
)


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda a, j, b, paren: f"({a} {j} {b})" if paren else f"{a} {j} {b}",
        children,
        st.sampled_from(["&&", "||"]),
        children,
        st.booleans(),
    )


filter_st = st.recursive(comparison_st, _combine, max_leaves=4)
auth_st = st.sampled_from(
    [None, {"id": "u2", "collectionId": "c_users", "collectionName": "users", "name": "Bob"}]
)
body_st = st.fixed_dictionaries(
    {},
    optional={
        "n": st.sampled_from([0, 5, 5.5, "5", "x", True, None]),
        "s": st.sampled_from(["", "a", "5", "Bob", 5]),
        "title": st.sampled_from(TEXTS),
        "tags": st.lists(st.sampled_from(["a", "b", "c"]), max_size=2),
    },
)

_world: World | None = None


def _get_world() -> World:
    global _world
    if _world is None:
        _world = World()
    return _world


def teardown_module() -> None:
    global _world
    if _world is not None:
        _world.close()
        _world = None


@settings(
    max_examples=examples(60),
    deadline=None,
    derandomize=DERANDOMIZE,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    posts=st.lists(post_st, min_size=1, max_size=6),
    filters=st.lists(filter_st, min_size=1, max_size=3),
    auth=auth_st,
    body=body_st,
)
def test_sql_matches_evaluator(posts, filters, auth, body) -> None:
    world = _get_world()
    rows = copy.deepcopy(ROWS)
    rows["posts"] = [{"id": f"p{i}", **p} for i, p in enumerate(posts)]
    world.reload(rows)
    req = RequestInfo(auth=auth, body=body)
    for expr in filters:
        expected = world.eval_ids("posts", expr, req)
        assert sorted(world.sql_ids("sqlite", "posts", expr, req)) == expected, expr
        if world.pg is not None:
            assert sorted(world.sql_ids("postgres", "posts", expr, req)) == expected, expr


U_OPERANDS = [
    "posts_via_author.title", "posts_via_author.views", "posts_via_reviewers.id", "posts_via_reviewers.tags:each",
    "posts_via_author.reviewers.name", "name", "age", "team.name", "members_via_user.level",
    "members_via_user.team.name", "@collection.posts.author", "posts_via_author.meta.a",
]  # fmt: skip
U_LITERALS = ['"a"', '"Bob"', '""', "null", "5", "10", "0", "name", "id", "@request.auth.id", '"t1"', "true"]
users_filter_st = st.recursive(
    st.builds(lambda a, op, b: f"{a} {op} {b}", st.sampled_from(U_OPERANDS), st.sampled_from(OPS),
              st.sampled_from(U_LITERALS)),
    _combine,
    max_leaves=3,
)  # fmt: skip
member_st = st.fixed_dictionaries({
    "user": st.sampled_from(["u1", "u2", "u3", "zz", ""]),
    "team": st.sampled_from(["t1", "t2", ""]),
    "level": st.sampled_from([0, 1, 2, 5]),
})  # fmt: skip


@settings(
    max_examples=examples(30),
    deadline=None,
    derandomize=DERANDOMIZE,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    posts=st.lists(post_st, max_size=5),
    members=st.lists(member_st, max_size=4),
    filters=st.lists(users_filter_st, min_size=1, max_size=3),
    auth=auth_st,
)
def test_back_relations_match_evaluator(posts, members, filters, auth) -> None:
    world = _get_world()
    rows = copy.deepcopy(ROWS)
    rows["posts"] = [{"id": f"p{i}", **p} for i, p in enumerate(posts)]
    rows["members"] = [{"id": f"m{i}", **m} for i, m in enumerate(members)]
    world.reload(rows)
    req = RequestInfo(auth=auth)
    for expr in filters:
        expected = world.eval_ids("users", expr, req)
        assert sorted(world.sql_ids("sqlite", "users", expr, req)) == expected, expr
        if world.pg is not None:
            assert sorted(world.sql_ids("postgres", "users", expr, req)) == expected, expr
