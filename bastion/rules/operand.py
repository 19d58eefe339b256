"""Resolved operands: what one side of a comparison means, before it becomes SQL or a value.

Both back-ends read this: the SQL compiler turns it into per-dialect SQL text and parameters,
the evaluator into Python values. Keeping one resolved form is what keeps the two in agreement.

A `Join` is one step away from the base record (a relation hop, a back-relation, an
`@collection` cross join, the auth record, or the items of a multi-value field). Joins are
identified by `key`, the same way PocketBase names its SQL join aliases: two references that walk
the same path share the same joined row, e.g. `@collection.m.user ?= x && @collection.m.group ?= y`
must hold for one membership row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bastion.rules.filter_ast import Expr

# Join kinds
REL = "rel"  # single relation: target.id = parent.field
REL_MULTI = "rel_multi"  # multi relation: target.id in parent.field (json array)
BACK = "back"  # back relation: target.field = parent.id
BACK_MULTI = "back_multi"  # back relation over a multi field: parent.id in target.field
COLLECTION = "collection"  # @collection.x: every row of x
AUTH = "auth"  # the authenticated record: target.id = auth id
EACH = "each"  # the items of parent.field (json array) as rows {"value": item}
BODY_EACH = "body_each"  # the items of a request body value as rows {"value": item}
BODY_REL = "body_rel"  # the records whose ids are listed in a request body relation value

# Value classes (how SQLite would compare them)
TEXT = "text"
NUM = "num"
BOOL = "bool"
JSON = "json"  # a json_extract() result: type known only at run time

# Null fallback preferences (PocketBase's equality handling)
AUTO = "auto"
DISABLED = "disabled"  # compare with IS / IS NOT
ENFORCED = "enforced"  # never treated as a known non-empty value


@dataclass(frozen=True)
class Join:
    kind: str
    key: str
    parent: str | None  # key of the parent join; None = the base record
    table: str  # collection name of the joined rows ('' for EACH/BODY_EACH)
    column: str = ""  # the column the join walks (relation field, back field or array field)
    value: Any = None  # AUTH: auth id; BODY_EACH: list of items; BODY_REL: tuple of ids


@dataclass
class Const:
    """A value known at compile time: a literal, macro, or `@request.*` value."""

    value: Any  # None | str | int | float
    ident: bool = False  # PocketBase renders NULL / 1 / 0 / TRUE / FALSE as SQL text, not a param
    lower: bool = False  # LOWER(param)

    null_fallback: str = AUTO


@dataclass
class FieldRef:
    """A column of the base record or of a joined row."""

    joins: tuple[Join, ...]  # the chain from the base record; empty for the base record itself
    column: str  # column name on the last join's rows ("value" for EACH/BODY_EACH)
    cls: str  # TEXT | NUM | BOOL | JSON
    field_type: str = "text"
    multi: bool = False  # PocketBase's multi-match: `=` means every value must match
    modifier: str = ""  # "" | "length" | "lower"
    json_path: tuple[str, ...] | None = None  # for JSON fields (empty tuple = the whole value)
    is_array_column: bool = False  # a multi-value field read as a whole (its JSON text)
    email_guard: str | None = None  # join key whose emailVisibility must be TRUE (None = none)
    null_fallback: str = AUTO
    mm_slot: int = -1  # >= 0: read from the multi-match subquery's own join chain number mm_slot


@dataclass
class FuncCall:
    name: str  # strftime | geoDistance
    args: list[Operand]
    null_fallback: str = AUTO
    mm_slot: int = -1


@dataclass
class SubExpr:
    """A boolean sub-expression used as a value (`:changed`), compared with IS."""

    expr: Expr
    null_fallback: str = DISABLED


Operand = Const | FieldRef | FuncCall | SubExpr


@dataclass
class ResolvedComparison:
    left: Operand
    op: str  # base operator (=, !=, ~, !~, <, <=, >, >=)
    right: Operand
    any_op: bool
