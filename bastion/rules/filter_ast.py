"""The parsed form of a filter: operand tokens, comparisons, and AND/OR trees.

A filter is a flat run of comparisons and parenthesised groups joined by `&&`/`||`; as in SQL
(and in PocketBase, which pastes the joins into SQL text) `&&` binds tighter than `||`, so the
parser folds each run into `Or(And(...), ...)`.
"""

from __future__ import annotations

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


def iter_comparisons(expr: Expr):
    if isinstance(expr, Comparison):
        yield expr
    else:
        for item in expr.items:
            yield from iter_comparisons(item)


def iter_tokens(token: Token):
    yield token
    for arg in token.args:
        yield from iter_tokens(arg)
