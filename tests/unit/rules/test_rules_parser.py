"""The filter grammar: what parses, how it groups, and the errors for what doesn't."""

from __future__ import annotations

import pytest

from bastion.rules import And, Comparison, Or, RuleSyntaxError, Token, check_syntax, parse
from bastion.rules.filter_parser import MAX_NESTING

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
    parse(text)  # a refused one raises RuleSyntaxError
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


# What PocketBase 0.40.6 reads for each quoted text (checked against the binary: a filter
# `title = <text>` matched exactly the record whose title is the expected value).
ESCAPES = [
    ("'it\\'s'", "it's"),
    ('"it\'s"', "it's"),
    ("'say \\\"hi\\\"'", 'say "hi"'),
    ("'c:\\\\dir'", "c:\\dir"),  # `\\` is one backslash
    ("'c:\\dir'", "c:\\dir"),  # an unknown pair is kept as written
    ("'a\\nb'", "a\nb"),
    ("'a\\tb'", "a\tb"),
    ("'a\\rb'", "a\rb"),
    ("'a\\x41b'", "a\\x41b"),
    ("'e\\\\'", "e\\"),  # the escaped backslash does not escape the closing quote
    ("'a\\\\\\'b'", "a\\'b"),
]


@pytest.mark.parametrize(("text", "value"), ESCAPES)
def test_text_escapes(text: str, value: str) -> None:
    assert parse(f"a = {text}").right.literal == value
    assert parse(f"(a = {text})").right.literal == value  # the same inside a group


@pytest.mark.parametrize("text", ["'a\\'", "'\\'", "'e\\\\\\'"])
def test_escaped_closing_quote_leaves_text_open(text: str) -> None:
    with pytest.raises(RuleSyntaxError, match="invalid quoted text"):
        parse(f"a = {text}")


def _alternating(depth: int) -> str:
    """`a0 = 0 || (a1 = 1 && (a2 = 2 || (…)))`: `depth` levels of `&&`/`||` nesting."""
    text = f"a{depth} = {depth}"
    for i in range(depth - 1, -1, -1):
        text = f"a{i} = {i} {'&&' if i % 2 else '||'} ({text})"
    return text


def _depth(expr) -> int:
    return 0 if isinstance(expr, Comparison) else 1 + max(_depth(i) for i in expr.items)


def test_nesting_depth_limit() -> None:
    assert _depth(parse(_alternating(MAX_NESTING))) == MAX_NESTING
    with pytest.raises(RuleSyntaxError, match="too deeply"):
        parse(_alternating(MAX_NESTING + 1))
    assert "too deeply" in (check_syntax(_alternating(MAX_NESTING + 500)) or "")


def test_redundant_brackets_and_same_join_groups_add_no_depth() -> None:
    # what PocketBase accepts up to its 3,500-byte filter cap: 1,740 brackets around one comparison
    deep = "(" * 1740 + "title = 'x'" + ")" * 1740
    assert parse(deep) == Comparison(Token("identifier", "title"), "=", Token("text", "x"))
    chained = "a0 = 0"
    for i in range(1, 1000):
        chained = f"({chained}) || a{i} = {i}"
    tree = parse(chained)
    assert isinstance(tree, Or) and len(tree.items) == 1000
    with pytest.raises(RuleSyntaxError, match="missing 3000 closing bracket"):
        parse("(" * 3000 + "a = 1")


def test_groups_read_as_fexpr_reads_them() -> None:
    # a bracket in quoted text does not count; a comment inside a group ends with the group
    assert parse("(a = ')(' && (b = 1 // note\n))").items[0].right.literal == ")("
    assert parse("(a = 1 // comment)") == parse("a = 1")
    with pytest.raises(RuleSyntaxError, match="unexpected character"):
        parse("a = 1)")


def test_parse_is_cached() -> None:
    assert parse("cached_a = 1") is parse("cached_a = 1")
