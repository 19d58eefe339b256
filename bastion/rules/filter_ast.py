"""The parsed form of a filter: operand tokens, comparisons, and AND/OR trees.

A filter is a flat run of comparisons and parenthesised groups joined by `&&`/`||`; as in SQL
(and in PocketBase, which pastes the joins into SQL text) `&&` binds tighter than `||`, so the
parser folds each run into `Or(And(...), ...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Union

IDENTIFIER = "identifier"
TEXT = "text"
NUMBER = "number"
FUNCTION = "function"

ANY_OPS = frozenset({"?=", "?!=", "?~", "?!~", "?<", "?<=", "?>", "?>="})
SIGN_OPS = frozenset({"=", "!=", "~", "!~", "<", "<=", ">", ">="}) | ANY_OPS


@dataclass(frozen=True)
class Token:
    type: str  # identifier | text | number | function
    literal: str  # unquoted text, the identifier, the number's digits, or the function name
    args: tuple[Token, ...] = ()  # function arguments


@dataclass(frozen=True)
class Comparison:
    left: Token
    op: str
    right: Token

    @property
    def is_any(self) -> bool:
        return self.op in ANY_OPS

    @property
    def base_op(self) -> str:
        """`?>=` -> `>=`: the any-of form compares the same way, only without the all-match check."""
        return self.op[1:] if self.is_any else self.op


@dataclass(frozen=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Expr, ...]


Expr = Union[Comparison, And, Or]  # noqa: UP007 (a runtime alias)


def iter_comparisons(expr: Expr) -> Iterator[Comparison]:
    """Every comparison, left to right (with a stack: no frame per level of nesting)."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Comparison):
            yield node
        else:
            stack.extend(reversed(node.items))


def iter_tokens(token: Token) -> Iterator[Token]:
    yield token
    for arg in token.args:
        yield from iter_tokens(arg)


_CONSTANTS = frozenset({"true", "false", "null"})


def is_request_only(expr: Expr) -> bool:
    """True when `expr` reads nothing but the request (`@request.method`, `@request.auth.id`,
    `@request.body.title`, macros such as `@now`): no record field, no `@collection`, no relation
    walked from the auth record or the body. Such a rule has one answer per request, so callers
    can decide it in memory instead of sending it to the database."""
    for cmp_ in iter_comparisons(expr):
        for side in (cmp_.left, cmp_.right):
            for tok in iter_tokens(side):
                if tok.type != IDENTIFIER or tok.literal in _CONSTANTS:
                    continue
                name, _, modifier = tok.literal.partition(":")
                if modifier == "changed":  # compares the body with the stored record
                    return False
                if not name.startswith("@") or name.startswith("@collection."):
                    return False
                if name.startswith(("@request.auth.", "@request.body.")) and name.count(".") > 2:
                    return False
    return True
