"""Hypothesis strategies for the filter language, by its grammar, plus mutation.

Filters are written against the `posts` collection of the rules world
(tests/contract/rules/rules_world.py: text, number, bool, multi-select, single and multi relations
to `users`, json, date, geoPoint, a hidden field), and cover what the language has: every
comparison operator and its `?` (any-of) form, the modifiers (`:each`, `:length`, `:lower`,
`:isset`, `:changed`), `geoDistance` and `strftime`, every datetime macro, `@request.*`,
`@collection.*`, relation paths two deep, groups nested deeply, comments, and literals that are
hard to carry (unicode, both quotes and backslashes, NUL, `%` and `_`, huge and tiny numbers).
`mutated` then breaks such filters (characters dropped, doubled, swapped or inserted), which
mostly gives invalid text: those must be refused (400), never crash (5xx).

Rows are drawn too (`posts_rows`), with the same hard text and numbers in their values.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

from bastion.rules.filter_macros import _MACROS

MACROS = sorted(_MACROS)
OPERATORS = ["=", "!=", ">", ">=", "<", "<=", "~", "!~"]
ALL_OPERATORS = OPERATORS + ["?" + op for op in OPERATORS]

# Text that is hard to carry through quoting, LIKE patterns and case folding. NUL is in the
# filters only: PostgreSQL's text cannot hold it, so rows never have it (a filter with one is a
# 400 there, which the harness counts as such).
HARD_CHARS = "aAbBzZ019 _%\\'\"-.:,()[]{}*?!@#\n\tÀàßİıÉéΣσς日本語🙂\u0301\u200b"
ROW_TEXT = st.text(alphabet=HARD_CHARS, max_size=8)
FILTER_TEXT = st.text(alphabet=HARD_CHARS + "\x00", max_size=10)
NUMBERS = st.one_of(
    st.integers(-1000, 1000),
    st.sampled_from([0, -0.0, 0.5, -2.5, 1e-300, 2**53, 2**53 + 1, 2**63, 10**20, 1.7976931348623157e308]),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)


def number_literal(n: float | int) -> str:
    """A number as the lexer reads it (digits, optional `-` and one `.`: no exponent)."""
    if isinstance(n, int):
        return str(n)
    text = f"{n:.17f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-", "-0") else "0"


def quoted(text: str, quote: str) -> str:
    """`text` as a filter string literal: backslashes and the quote escaped."""
    return quote + text.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote


TEXT_LITERALS = st.builds(quoted, FILTER_TEXT, st.sampled_from(["'", '"']))
NUMBER_LITERALS = st.one_of(
    NUMBERS.map(number_literal),
    st.sampled_from(["99999999999999999999999999999", "-0", "00012", "1.0000000000000000001", "0.000"]),
)
DATE_LITERALS = st.sampled_from(
    ["'2024-01-02 03:04:05.678Z'", "'2024-01-02'", "'2024-01-02T03:04:05Z'", "'2025'", "''", "'not a date'"]
)
LITERALS = st.one_of(
    TEXT_LITERALS,
    NUMBER_LITERALS,
    DATE_LITERALS,
    st.sampled_from(["true", "false", "null", "''", '""']),
    st.sampled_from(MACROS),
)

FIELDS = [
    "id", "title", "views", "published", "tags", "author", "reviewers", "meta", "created", "loc",
    "secret", "nope",
]  # fmt: skip
PATHS = [
    "author.name", "author.age", "author.email", "author.team", "author.team.name", "reviewers.name",
    "reviewers.age", "reviewers.team.name", "meta.a", "meta.b", "meta.b.c", "meta.list", "meta.a.x",
    "loc.lon", "loc.lat", "tags.x", "author.posts_via_author.title", "author.members_via_user.level",
]  # fmt: skip
MODIFIED = [
    "tags:each", "tags:length", "title:lower", "author.name:lower", "reviewers:length", "reviewers.name:each",
    "reviewers.name:lower", "reviewers:each", "meta:lower", "views:length", "title:each", "created:lower",
]  # fmt: skip
REQUEST = [
    "@request.auth.id", "@request.auth.name", "@request.auth.collectionName", "@request.method",
    "@request.context", "@request.query.q", "@request.headers.x_token", "@request.body.title",
    "@request.body.views", "@request.body.tags", "@request.body.tags:each", "@request.body.tags:length",
    "@request.body.title:lower", "@request.body.title:isset", "@request.body.views:changed",
    "@request.body.title:changed", "@request.body.nope", "@request.body.meta.a",
]  # fmt: skip
COLLECTION = [
    "@collection.members.level", "@collection.members.user", "@collection.users.name",
    "@collection.members.user.name", "@collection.teams:alias.name", "@collection.nope.x",
]  # fmt: skip
STRFTIME_FORMATS = ["%Y", "%Y-%m-%d", "%H:%M", "%d/%m %w", "%j", "%s", "%f", "x%%y", "%Q", ""]
GEO_ARGS = ["loc.lon", "loc.lat", "0", "23.32", "-90", "180.5", "title", "views"]


def _function() -> st.SearchStrategy[str]:
    strftime = st.builds(
        lambda f, v, mods: f"strftime({quoted(f, chr(39))}, {v}{''.join(', ' + m for m in mods)})",
        st.sampled_from(STRFTIME_FORMATS),
        # not a number or numeric text (known open: SQLite reads one as a Julian day)
        st.sampled_from(
            [
                "created",
                "@now",
                "'2024-05-06 07:08:09.000Z'",
                "reviewers.name",
                "''",
                "'2024-02-30'",
                "'2023-02-29 24:00'",
                "'2024-04-31 23:30:00-02:00'",
            ]
        ),
        st.lists(st.sampled_from(["'start of day'", "'+1 day'", "'weekday 0'"]), max_size=2),
    )
    geo = st.builds(
        lambda args: f"geoDistance({', '.join(args)})",
        st.lists(st.sampled_from(GEO_ARGS), min_size=3, max_size=5),
    )
    return st.one_of(strftime, geo)


OPERANDS = st.one_of(
    st.sampled_from(FIELDS + PATHS + MODIFIED + REQUEST + COLLECTION + MACROS),
    _function(),
    LITERALS,
)


def _written(a: str, op: str, b: str, space: str) -> str:
    return f"{a}{space}{op}{space}{b}"


def _comparison() -> st.SearchStrategy[str]:
    return st.builds(
        _written, OPERANDS, st.sampled_from(ALL_OPERATORS), OPERANDS, st.sampled_from([" ", "", "  ", "\n"])
    )


def _combine(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    joined = st.builds(lambda a, j, b: f"{a} {j} {b}", inner, st.sampled_from(["&&", "||"]), inner)
    grouped = inner.map(lambda e: f"({e})")
    commented = inner.map(lambda e: f"{e} // note\n")
    return st.one_of(joined, grouped, commented)


def _deep(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A filter inside many brackets (the parser's MAX_NESTING is on the tree, not the text)."""
    return st.builds(lambda e, n: "(" * n + e + ")" * n, inner, st.integers(1, 300))


FILTERS = st.recursive(_comparison(), lambda inner: st.one_of(_combine(inner), _deep(inner)), max_leaves=6)


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[str] = FILTERS) -> str:
    """A filter from `base` with a few random edits."""
    text = draw(base)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["drop", "double", "insert", "swap"]))
        if kind == "drop" and text:
            text = text[:at] + text[at + 1 :]
        elif kind == "double":
            end = draw(st.integers(at, min(len(text), at + 12)))
            text = text[:end] + text[at:end] + text[end:]
        elif kind == "insert":
            text = (
                text[:at]
                + draw(st.sampled_from(list("()'\"\\&|!=~?:@.,\x00 ") + ["//", "&&", "::"]))
                + text[at:]
            )
        elif len(text) > 1:
            i = min(at, len(text) - 2)
            text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text


ANY_FILTER = st.one_of(FILTERS, FILTERS, mutated())  # two thirds valid-looking, one third broken

# Numbers stored in rows: any double, written as text the way SQLite writes it on all three
# (15 significant digits, `1.0e+15`, an integral double in a number or json column an integer).
ROW_NUMBERS = st.one_of(
    st.integers(-(10**15) + 1, 10**15 - 1),
    st.floats(-1e10, 1e10, allow_nan=False).map(lambda f: round(f, 4)),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 0.5, -2.5, 123.456, 999999999999999, 0.0001, 100.0, 1e15, 0.1 + 0.2, 1e20, -2.5e-7]),
)
# Inside a json value a double from 1e16 up is written with an exponent (`1e+16`), a REAL to
# SQLite's json_extract; PostgreSQL's jsonb keeps it as the numeric 10000000000000000 and cannot
# tell it from the integer, by design. Smaller ones keep their `.`, so both read them as doubles.
_JSON_NUMBERS = ROW_NUMBERS.filter(lambda n: not isinstance(n, float) or abs(n) < 1e16)
_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), _JSON_NUMBERS, ROW_TEXT),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "b", "c", "x"]), inner, max_size=3)),
    max_leaves=5,
)  # fmt: skip
# PostgreSQL keeps json numbers as numeric, SQLite as double: a value past double's precision
# would compare differently by design, so json holds numbers a double carries exactly.
_JSON_SAFE = _JSON.filter(lambda v: json.loads(json.dumps(v)) == v)

POST = st.fixed_dictionaries(
    {
        "title": ROW_TEXT,
        "views": ROW_NUMBERS,
        "published": st.booleans(),
        "tags": st.lists(st.sampled_from(["a", "b", "c", "A", "é"]), max_size=3, unique=True),
        "author": st.sampled_from(["", "u1", "u2", "u3", "zz"]),
        "reviewers": st.lists(st.sampled_from(["u1", "u2", "u3", "zz"]), max_size=3),
        "meta": _JSON_SAFE,
        "created": st.sampled_from(["", "2024-01-02 03:04:05.678Z", "2025-06-30 12:00:00.000Z", "1999-12-31 23:59:59.999Z"]),
        "loc": st.fixed_dictionaries({"lon": st.floats(-180, 180), "lat": st.floats(-90, 90)}),
        "secret": ROW_TEXT,
    }
)  # fmt: skip
POSTS = st.lists(POST, min_size=1, max_size=6)
REQUESTS = st.fixed_dictionaries(
    {
        "auth": st.sampled_from(
            [None, {"id": "u2", "collectionId": "c_users", "collectionName": "users", "name": "Bob"}]
        ),
        "body": st.fixed_dictionaries(
            {},
            optional={
                "title": st.one_of(ROW_TEXT, NUMBERS, st.none()),
                "views": st.one_of(NUMBERS, ROW_TEXT, st.booleans()),
                "meta": _JSON,
                "tags": st.one_of(
                    ROW_TEXT,
                    NUMBERS,
                    st.lists(st.one_of(ROW_TEXT, NUMBERS, st.booleans(), st.none()), max_size=2),
                    st.none(),
                ),
            },
        ),
        "method": st.sampled_from(["GET", "POST", "PATCH"]),
    }
)
