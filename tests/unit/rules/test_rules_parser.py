"""The filter grammar: what parses, how it groups, and the errors for what doesn't."""

from __future__ import annotations

import pytest

from bastion.rules import And, Comparison, Or, RuleSyntaxError, Token, check_syntax, parse

VALID = [
    "a = 1",
    "a=1",
    "a != 'x'",
    'a ~ "x"',
    "a !~ 'x'",
    "a > 1 && b < 2",
    "a >= -1.5 || b <= 2",
    "a ?= 1",
    "a ?!= 1",
    "a ?> 1 && a ?>= 1 && a ?< 1 && a ?<= 1 && a ?~ 'x' && a ?!~ 'x'",
    "(a = 1)",
    "((a = 1) && (b = 2 || (c = 3)))",
    "@request.auth.id != ''",
    "@collection.posts:p.author.name = 'x'",
    "tags:each ?= 'a' && tags:length > 1",
    "a = 1 // trailing comment",
    "// leading comment\na = 1",
    "a = 1 &&\n\t b = 2",
    "strftime('%Y', created) = '2024'",
    "geoDistance(loc.lon, loc.lat, 1.5, -2) < 10",
    "strftime('%Y', strftime('%Y-%m-%d', created)) = '2024'",
    "'x' = 'y'",
    "1 = 1",
    "_a = #b",
    "a = 'it\\'s'",
    'a = "say \\"hi\\""',
    "a = 'x' (b = 2)",  # fexpr accepts a group right after an expression (implicit &&)
]

INVALID = [
    ("", "empty filter expression"),
    ("   ", "empty filter expression"),
    ("// only a comment", "empty filter expression"),
    ("()", "empty filter expression"),
    ("a", "invalid or incomplete filter expression"),
    ("a =", "invalid or incomplete filter expression"),
    ("a = 1 &&", "invalid or incomplete filter expression"),
    ("a == 1", "invalid sign operator"),
    ("a =! 1", "invalid sign operator"),
    ("a = 1 & b = 2", "invalid join operator"),
    ("a = 1 ||| b = 2", "invalid join operator"),
    ("a = 1.", "invalid number"),
    ("a = -", "invalid number"),
    ("(a = 1", "missing 1 closing bracket"),
    ("a = 'x", "invalid quoted text"),
    ("a = b c", "expected && or ||"),
    ("= 1", "expected left operand"),
    ("a && b", "expected a sign operator"),
    ("a = &&", "expected right operand"),
    ("a. = 1", "invalid identifier"),
    ("@ = 1", "invalid identifier"),
    ("a = 1 / 2", "invalid comment"),
    ("a = $", "unexpected character"),
    ("f(a,,b) = 1", "unexpected comma"),
    ("f(a b) = 1", "expected comma"),
    ("f(a = 1", "expected comma"),
    ("f(a", "incomplete function"),
    ("a(b(c(d(e)))) = 1", "max nested function arguments"),
]


@pytest.mark.parametrize("text", VALID)
def test_valid(text: str) -> None:
    assert parse(text) is not None
    assert check_syntax(text) is None


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid(text: str, message: str) -> None:
    with pytest.raises(RuleSyntaxError, match=message):
        parse(text)
    err = check_syntax(text)
    assert err is not None and message in err


def test_and_binds_tighter_than_or() -> None:
    tree = parse("a = 1 || b = 2 && c = 3")
    assert isinstance(tree, Or)
    assert isinstance(tree.items[1], And)
    tree = parse("(a = 1 || b = 2) && c = 3")
    assert isinstance(tree, And) and isinstance(tree.items[0], Or)


def test_tokens() -> None:
    cmp = parse("title ?~ 'it\\'s'")
    assert cmp == Comparison(Token("identifier", "title"), "?~", Token("text", "it's"))
    assert cmp.is_any and cmp.base_op == "~"
    num = parse("-12.5 = x")
    assert num.left == Token("number", "-12.5")
    fn = parse("strftime('%Y', created, 'start of day') = '1'")
    assert fn.left.type == "function" and fn.left.literal == "strftime"
    assert [a.literal for a in fn.left.args] == ["%Y", "created", "start of day"]


def test_other_quote_kept_and_backslashes_preserved() -> None:
    assert parse('a = "it\'s"').right.literal == "it's"
    assert parse("a = 'c:\\\\dir'").right.literal == "c:\\\\dir"


def test_parse_is_cached() -> None:
    assert parse("cached_a = 1") is parse("cached_a = 1")
