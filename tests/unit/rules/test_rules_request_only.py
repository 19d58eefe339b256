"""Which rules have one answer per request (decided in memory, never sent to the database)."""

import pytest

from bastion import rules


@pytest.mark.parametrize(
    "expr",
    [
        '@request.auth.id != ""',
        '@request.auth.collectionName = "users" && @request.method = "POST"',
        "@request.body.title:isset = false || @request.body.tags:length < 3",
        '@request.headers.x_token = "abc" || @now > "2020-01-01 00:00:00.000Z"',
        '@request.auth.roles ?= "editor"',
    ],
)
def test_request_only_rules(expr: str) -> None:
    assert rules.is_request_only(rules.parse(expr))


@pytest.mark.parametrize(
    "expr",
    [
        "owner = @request.auth.id",  # a record field
        '@request.auth.id != "" && published = true',
        "@collection.members.user ?= @request.auth.id",
        '@request.auth.team.name = "core"',  # walks a relation from the auth record
        '@request.body.author.name = "x"',  # walks a relation from the body
        "@request.body.title:changed = false",  # compares with the stored record
        'lower(title) = "x"',
    ],
)
def test_record_dependent_rules(expr: str) -> None:
    assert not rules.is_request_only(rules.parse(expr))
