"""One comparison -> a small boolean plan: PocketBase's operator semantics, decided once.

PocketBase turns `a op b` into SQL with careful NULL/empty handling (`x = ""` also matches NULL,
`!=` is `IS NOT`, JSON values compare with `IS`), LIKE wrapping, and for multi-valued operands a
NOT EXISTS "every value must match" check. This module makes those decisions and produces a plan
of primitive comparisons; the SQL renderer and the in-memory evaluator both execute the same plan,
which is what keeps them in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, TypeGuard

from bastion.rules import operand as o
from bastion.rules import sqlite_values as sv


@dataclass
class Empty:
    """The SQL literal ''."""


@dataclass
class Coalesce:
    """COALESCE(value, '')."""

    value: Any


@dataclass
class LikeWrap:
    """('%' || value || '%') for a non-parameter right side of `~`."""

    value: Any


@dataclass
class Prim:
    op: str  # = IS IS NOT < <= > >= LIKE NOT LIKE   (+ "!=" never: PocketBase uses IS NOT)
    left: Any  # operand | Empty | Coalesce | LikeWrap
    right: Any
    # run-time affinity SQLite applies before comparing ("text" | "num" | ""), per side
    conv_left: str = ""
    conv_right: str = ""


@dataclass
class IsNull:
    value: Any
    negate: bool = False


@dataclass
class Truth:
    value: bool | None


@dataclass
class All:
    items: list[Any]


@dataclass
class AnyOf:
    items: list[Any]


@dataclass
class Not:
    item: Any


@dataclass
class NotExists:
    """No row of the operands' join chains (fresh aliases) satisfies `where`."""

    operands: list[o.FieldRef | o.FuncCall]
    where: Any


def multi_of(x: o.Operand) -> TypeGuard[o.FieldRef | o.FuncCall]:
    """True for an operand with many values per row: a multi-valued field, or strftime over one."""
    if isinstance(x, o.FieldRef):
        return x.multi
    if isinstance(x, o.FuncCall) and x.name == "strftime" and len(x.args) > 1:
        return multi_of(x.args[1])
    return False


def _empty(x: o.Operand) -> bool:
    if isinstance(x, o.Const):
        if x.ident:
            return x.value is None
        return x.null_fallback == o.AUTO and x.value in (None, "")
    return False


def _known_non_empty(x: o.Operand) -> bool:
    if not isinstance(x, o.Const) or x.null_fallback == o.ENFORCED:
        return False
    if x.ident:
        return x.value in (0, 1)
    return x.value not in (None, "")


def _direct_affinity(x: o.Operand) -> str | None:
    if isinstance(x, o.FieldRef) and not x.modifier and x.cls != o.JSON:
        if x.column == "value" and x.joins and x.joins[-1].kind in (o.EACH, o.BODY_EACH):
            return None
        return o.NUM if x.cls in (o.NUM, o.BOOL) else o.TEXT
    return None


def _apply_affinity(a: Any, b: Any) -> tuple[Any, Any]:
    """SQLite converts a constant compared with a typed column; do it up front."""
    for col, other, swap in ((a, b, False), (b, a, True)):
        aff = _direct_affinity(col)
        if aff and isinstance(other, o.Const) and other.value is not None:
            base = other.value
            if other.lower:  # LOWER(?) is an expression: affinity applies to its result
                base = (sv.to_text(base) or "").translate(sv._ASCII_LOWER)
            v = sv.numeric_affinity(base) if aff == o.NUM else sv.text_affinity(base)
            if v is not other.value:
                other = replace(other, value=v, lower=False)
                return (other, col) if swap else (col, other)
    return a, b


def _runtime_conv(col_aff: str | None, other: Any) -> str:
    """The conversion SQLite applies to `other` when compared with a column of affinity col_aff."""
    if col_aff is None or isinstance(other, (o.Const, Empty)):
        return ""
    other_aff = _direct_affinity(other)
    if other_aff is None:
        return "num" if col_aff == o.NUM else "text"
    if col_aff == o.NUM and other_aff == o.TEXT:
        return "num"
    return ""


def _prim(op: str, a: Any, b: Any) -> Prim:
    a, b = _apply_affinity(a, b)
    return Prim(op, a, b, _runtime_conv(_direct_affinity(b), a), _runtime_conv(_direct_affinity(a), b))


def _equal(equal: bool, left: o.Operand, right: o.Operand) -> Any:
    eq = "=" if equal else "IS NOT"
    if o.DISABLED in (left.null_fallback, right.null_fallback):
        return _prim("IS" if equal else "IS NOT", left, right)
    le, re_ = _empty(left), _empty(right)
    if le and re_:
        return Truth(equal)
    if _known_non_empty(left) or _known_non_empty(right):
        return _prim(eq, Empty() if le else left, Empty() if re_ else right)
    if le:
        return (AnyOf if equal else All)([_prim(eq, Empty(), right), IsNull(right, negate=not equal)])
    if re_:
        return (AnyOf if equal else All)([_prim(eq, left, Empty()), IsNull(left, negate=not equal)])
    return Prim(eq, Coalesce(left), Coalesce(right))  # COALESCE() drops affinity


def _like(negate: bool, left: o.Operand, right: o.Operand) -> Any:
    op = "NOT LIKE" if negate else "LIKE"
    if isinstance(right, o.Const) and not right.ident:  # a bound parameter: wrap its value
        return Prim(op, left, replace(right, value=sv.wrap_like(right.value)))
    return Prim(op, left, LikeWrap(right))


def _base(op: str, left: o.Operand, right: o.Operand) -> Any:
    if op == "=":
        return _equal(True, left, right)
    if op == "!=":
        return _equal(False, left, right)
    if op == "~":
        return _like(False, left, right)
    if op == "!~":
        return _like(True, left, right)
    return _prim(op, left, right)


def _email_guard(x: o.Operand) -> Any:
    if isinstance(x, o.FieldRef) and x.email_guard is not None:
        return x
    return None


def _as_mm_value(x: o.Operand, slot: int) -> o.Operand:
    """The multi-match side: the same value read through subquery chain `slot` (PocketBase's r1)."""
    if isinstance(x, o.FieldRef):
        return replace(x, email_guard=None, mm_slot=slot)
    if isinstance(x, o.FuncCall):
        args = list(x.args)
        args[1] = _as_mm_value(args[1], slot)
        return replace(x, args=args, mm_slot=slot)
    return x


def _plain(x: o.Operand) -> o.Operand:
    """The other side inside a multi-match check: PocketBase keeps only its SQL and params, so
    it compares with the default (auto) null handling, whatever its own preference was."""
    if isinstance(x, o.FieldRef):
        return replace(x, email_guard=None, null_fallback=o.AUTO)
    if isinstance(x, (o.Const, o.FuncCall, o.SubExpr)):
        return replace(x, null_fallback=o.AUTO)
    return x


def plan(rc: o.ResolvedComparison) -> Any:
    """The plan for one resolved comparison (any-of ops skip the every-value check)."""
    left, right = rc.left, rc.right
    expr = _base(rc.op, left, right)
    if not rc.any_op:
        if multi_of(left) and multi_of(right):
            expr = All(
                [
                    expr,
                    NotExists(
                        [left, right], Not(_base(rc.op, _as_mm_value(left, 0), _as_mm_value(right, 1)))
                    ),
                ]
            )
        elif multi_of(left):
            expr = All([expr, NotExists([left], Not(_base(rc.op, _as_mm_value(left, 0), _plain(right))))])
        elif multi_of(right):
            expr = All([expr, NotExists([right], Not(_base(rc.op, _plain(left), _as_mm_value(right, 0))))])
    guards = [g for g in (_email_guard(left), _email_guard(right)) if g is not None]
    for g in guards:
        expr = All(
            [expr, Prim("=", o.FieldRef(g.joins, "emailVisibility", o.BOOL, "bool"), o.Const(1, ident=True))]
        )
    return expr
