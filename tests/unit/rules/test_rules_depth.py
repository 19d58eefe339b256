"""The deepest filter the parser allows is safe for every walker: parsing never recurses, and
compiling (both dialects, with the listRule guards of joined collections) and evaluating in
memory fit in a small stack, far below Python's limit minus what a server already uses."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from typing import Any

import pytest
from rules_world import C, F, Schema

from bastion.rules import RecordPredicate, RequestInfo, compile_filter, compile_sort, parse
from bastion.rules.filter_parser import MAX_NESTING

FRAMES = 300  # the stack a walker may use for the deepest allowed filter
LEAVES = [
    "author.name != 'x{i}'",  # a relation: joined, guarded by the users' listRule
    "reviewers.name ?= 'x{i}'",  # a multi relation (any-of)
    "reviewers.name != 'x{i}'",  # a multi relation (all must match: NOT EXISTS)
    "tags:each ~ 'x{i}'",
    "@request.body.title:changed = false",
    "strftime('%Y', created) != '{i}'",
    "views > {i}",
]


def _deepest(leaf: str) -> str:
    text = leaf.format(i=MAX_NESTING)
    for i in range(MAX_NESTING - 1, -1, -1):
        text = f"{leaf.format(i=i)} {'&&' if i % 2 else '||'} ({text})"
    return text


def _with_stack(frames: int, fn: Callable[[], Any]) -> Any:
    """Run `fn` allowing it `frames` more frames than the caller has."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + frames)
    try:
        return fn()
    finally:
        sys.setrecursionlimit(old)


@pytest.fixture(scope="module")
def world() -> Schema:
    users = C(
        "c_users",
        "users",
        "auth",
        [F("id"), F("name"), F("owner", "relation", collection_id="c_users")],
        {"listRule": "owner = @request.auth.id || name != ''"},
    )
    posts = C(
        "c_posts",
        "posts",
        field_list=[
            F("id"),
            F("title"),
            F("views", "number"),
            F("created", "date"),
            F("tags", "select", multiple=True),
            F("author", "relation", collection_id="c_users"),
            F("reviewers", "relation", collection_id="c_users", multiple=True),
        ],
    )
    return Schema([users, posts])


@pytest.mark.parametrize("leaf", LEAVES)
def test_deepest_filter_compiles_and_evaluates_in_a_small_stack(world: Schema, leaf: str) -> None:
    posts = world.find_collection("posts")
    request = RequestInfo(auth={"id": "u1", "collectionName": "users"}, body={"title": "t"})
    text = _deepest(leaf)
    tree = _with_stack(FRAMES, lambda: parse(text))
    for dialect in ("sqlite", "postgres"):
        frag = _with_stack(
            FRAMES,
            lambda d=dialect: compile_filter(
                tree, posts, world, request, dialect=d, table_alias="__r", allow_hidden=False
            ),
        )
        assert frag.sql.count("?") == len(frag.params)
    record = {"id": "p1", "title": "t", "views": 0, "created": "", "tags": [], "author": "", "reviewers": []}
    predicate = _with_stack(FRAMES, lambda: RecordPredicate(tree, posts, world, request, allow_hidden=False))
    _with_stack(FRAMES, lambda: predicate.matches(record))


def test_relation_sort_is_guarded_by_the_related_list_rule(world: Schema) -> None:
    posts = world.find_collection("posts")
    for trusted in (True, False):
        plan = compile_sort(
            "-author.name,reviewers.name,title",
            posts,
            world,
            RequestInfo(auth={"id": "u1", "collectionName": "users"}),
            dialect="sqlite",
            table_alias="__r",
            allow_hidden=trusted,
        )
        if trusted:  # superusers sort by every related row
            assert plan.where is None and "owner" not in plan.order_by
        else:
            assert plan.where is not None and plan.where.sql.count("EXISTS") == 2
            assert plan.order_by.count("owner") == 2  # the value is taken over visible rows only
            assert plan.where.sql.count("?") == len(plan.where.params)
