"""The in-memory evaluator: decide a filter for one record without a database.

Realtime fan-out checks every event against each subscriber's rule; a query per subscriber would
be too slow. This runs the same resolved plans as the SQL compiler (comparison_plan) with SQLite's
value rules (sqlite_values), including NULL three-valued logic, LEFT JOIN null rows and the
multi-match NOT EXISTS checks, so both paths agree. Related rows come from a `RecordSource`.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Iterable
from datetime import datetime
from itertools import product
from typing import Any, Protocol

from bastion.rules import comparison_plan as cp
from bastion.rules import operand as o
from bastion.rules import sqlite_values as sv
from bastion.rules.errors import RuleResolveError
from bastion.rules.field_resolver import Resolver
from bastion.rules.filter_ast import And, Comparison, Expr, iter_comparisons, iter_tokens
from bastion.rules.filter_parser import parse
from bastion.rules.record_strftime import sqlite_strftime
from bastion.rules.request_info import RequestInfo
from bastion.rules.rule_access import joined_access
from bastion.rules.schema import CollectionInfo, SchemaLookup
from bastion.rules.sql_compiler import DEFAULT_EXPR_LIMIT, const_value, joined_collection

Row = dict[str, Any]
Env = dict[str, Row | None]


class RecordSource(Protocol):
    def get(self, collection_id_or_name: str, id: str) -> Row | None: ...

    def all(self, collection_name: str) -> Iterable[Row]: ...

    def back_refs(self, collection: str, field: str, id: str) -> Iterable[Row]:
        """Records of `collection` whose relation `field` is or contains `id`."""
        ...


class NoRelatedData:
    """A RecordSource with nothing in it (for filters that need no related records)."""

    def get(self, collection_id_or_name: str, id: str) -> Row | None:
        return None

    def all(self, collection_name: str) -> Iterable[Row]:
        return ()

    def back_refs(self, collection: str, field: str, id: str) -> Iterable[Row]:
        return ()


def _and(vals: Iterable[bool | None]) -> bool | None:
    out: bool | None = True
    for v in vals:
        if v is False:
            return False
        if v is None:
            out = None
    return out


def _or(vals: Iterable[bool | None]) -> bool | None:
    out: bool | None = False
    for v in vals:
        if v is True:
            return True
        if v is None:
            out = None
    return out


def _not(v: bool | None) -> bool | None:
    return None if v is None else not v


class _Evaluator:
    def __init__(
        self, resolver: Resolver, record: Row | None, data: RecordSource, now: datetime | None
    ) -> None:
        self.r = resolver
        self.record = record
        self.data = data
        self.now = now
        self.remaining = DEFAULT_EXPR_LIMIT
        self.joins: dict[str, o.Join] = {}
        self.plans: dict[int, Any] = {}  # id(Comparison or SubExpr) -> plan tree

    # ---- preparation: resolve, plan, and collect the main joins like the compiler does -----

    def prepare(self, expr: Expr) -> Any:
        if isinstance(expr, Comparison):
            if self.remaining <= 0:
                raise RuleResolveError("max filter expressions limit reached")
            self.remaining -= 1
            rc = o.ResolvedComparison(
                self.r.resolve_operand(expr.left, "left"),
                expr.base_op,
                self.r.resolve_operand(expr.right, "right"),
                expr.is_any,
            )
            p = cp.plan(rc)
            self._collect(p)
            return p
        items = [self.prepare(i) for i in expr.items]
        return cp.All(items) if isinstance(expr, And) else cp.AnyOf(items)

    def _collect(self, p: Any) -> None:
        if isinstance(p, (cp.All, cp.AnyOf)):
            for i in p.items:
                self._collect(i)
        elif isinstance(p, cp.Not):
            self._collect(p.item)
        elif isinstance(p, cp.NotExists):
            self._collect(p.where)
        elif isinstance(p, cp.IsNull):
            self._collect_value(p.value)
        elif isinstance(p, cp.Prim):
            self._collect_value(p.left)
            self._collect_value(p.right)

    def _collect_value(self, x: Any) -> None:
        if isinstance(x, (cp.Coalesce, cp.LikeWrap)):
            self._collect_value(x.value)
        elif isinstance(x, o.FieldRef) and x.mm_slot < 0:
            for j in x.joins:
                self.joins.setdefault(j.key, j)
        elif isinstance(x, o.FuncCall):
            for a in x.args:
                self._collect_value(a)
        elif isinstance(x, o.SubExpr) and id(x) not in self.plans:
            self.plans[id(x)] = self.prepare(x.expr)

    # ---- joined rows ------------------------------------------------------------------------

    def rows(self, j: o.Join, parent: Row | None) -> list[Row | None]:
        out: list[Row | None] = []
        if j.kind in (o.COLLECTION, o.AUTH, o.BODY_EACH, o.BODY_REL):
            out = self._root_rows(j)
        elif parent is None:
            out = []
        elif j.kind == o.REL:
            rid = parent.get(j.column)
            row = self.data.get(j.table, rid) if isinstance(rid, str) and rid else None
            out = [row] if row is not None else []
        elif j.kind == o.REL_MULTI:
            ids = _as_list(parent.get(j.column))
            out = [self.data.get(j.table, str(i)) if i is not None else None for i in ids]
        elif j.kind in (o.BACK, o.BACK_MULTI):
            pid = parent.get("id")
            out = list(self.data.back_refs(j.table, j.column, pid)) if pid else []
        elif j.kind == o.EACH:
            raw = parent.get(j.column)
            items = _as_list(raw) if j.value else [raw]
            out = [{"value": sv.json_value(i)} for i in items]
        return out or [None]

    def _root_rows(self, j: o.Join) -> list[Row | None]:
        if j.kind == o.COLLECTION:
            return list(self.data.all(j.table))
        if j.kind == o.AUTH:
            auth = self.r.request.auth if self.r.request else None
            if not auth or str(auth.get("id", "")) != j.value:
                return []
            return [self.data.get(j.table, j.value) or auth]
        if j.kind == o.BODY_EACH:
            return [{"value": sv.json_value(i)} for i in j.value]
        rows = [self.data.get(j.table, i) for i in j.value]
        return [r for r in rows if r is not None]

    def envs(self, joins: Iterable[o.Join]) -> list[Env]:
        result: list[Env] = [{}]
        for j in joins:
            nxt: list[Env] = []
            for env in result:
                parent = self.record if j.parent is None else env.get(j.parent)
                for row in self.rows(j, parent):
                    nxt.append({**env, j.key: row})
            result = nxt
        return result

    # ---- plans ------------------------------------------------------------------------------

    def run(self, p: Any, env: Env, mm: list[Env]) -> bool | None:
        if isinstance(p, cp.Truth):
            return p.value
        if isinstance(p, cp.All):
            return _and(self.run(i, env, mm) for i in p.items)
        if isinstance(p, cp.AnyOf):
            return _or(self.run(i, env, mm) for i in p.items)
        if isinstance(p, cp.Not):
            return _not(self.run(p.item, env, mm))
        if isinstance(p, cp.IsNull):
            isnull = self.value(p.value, env, mm) is None
            return not isnull if p.negate else isnull
        if isinstance(p, cp.Prim):
            a, b = self.value(p.left, env, mm), self.value(p.right, env, mm)
            if p.op not in ("LIKE", "NOT LIKE"):
                a, b = _convert(a, p.conv_left), _convert(b, p.conv_right)
            if p.op == "LIKE":
                return sv.like(a, b)
            if p.op == "NOT LIKE":
                return _not(sv.like(a, b))
            return sv.compare(a, p.op, b)
        if isinstance(p, cp.NotExists):
            slots = []
            for operand in p.operands:
                # a multi-valued call is strftime over a multi-valued field (its 2nd argument)
                ref = operand if isinstance(operand, o.FieldRef) else operand.args[1]
                if not isinstance(ref, o.FieldRef):
                    raise TypeError(operand)
                slots.append(self.envs(ref.joins))
            return not any(self.run(p.where, env, list(combo)) is True for combo in product(*slots))
        raise TypeError(p)

    def value(self, x: Any, env: Env, mm: list[Env]) -> Any:
        if isinstance(x, cp.Empty):
            return ""
        if isinstance(x, cp.Coalesce):
            v = self.value(x.value, env, mm)
            return "" if v is None else v
        if isinstance(x, cp.LikeWrap):
            v = self.value(x.value, env, mm)
            return None if v is None else "%" + (sv.to_text(v) or "") + "%"
        if isinstance(x, o.Const):
            return const_value(x)
        if isinstance(x, o.FieldRef):
            return self._field(x, mm[x.mm_slot] if x.mm_slot >= 0 else env)
        if isinstance(x, o.FuncCall):
            return self._func(x, env, mm)
        if isinstance(x, o.SubExpr):
            r = self.run(self.plans[id(x)], env, mm)
            return None if r is None else int(r)
        raise TypeError(x)

    def _field(self, ref: o.FieldRef, env: Env) -> Any:
        row: Row | None = self.record if not ref.joins else env.get(ref.joins[-1].key)
        if ref.modifier == "length":
            raw = None if row is None else row.get(ref.column)
            if ref.is_array_column:
                return len(_as_list(raw))
            return 0 if raw in (None, "") else 1
        if row is None:
            return None
        raw = row.get(ref.column, _default(ref))
        if ref.cls == o.JSON:
            v = _json_path(raw, ref.json_path or ())
        elif ref.is_array_column:
            v = json.dumps(_as_list(raw), separators=(",", ":"), ensure_ascii=False)
        elif ref.cls in (o.BOOL, o.NUM):
            v = sv.stored_number(raw) if raw is not None else None
        else:
            v = (
                sv.json_value(raw)
                if ref.column == "value" and ref.joins and ref.joins[-1].kind in (o.EACH, o.BODY_EACH)
                else raw
            )
        if ref.modifier == "lower" and v is not None:
            return (sv.to_text(v) or "").translate(sv._ASCII_LOWER)
        return v

    def _func(self, f: o.FuncCall, env: Env, mm: list[Env]) -> Any:
        args = [self.value(a, env, mm) for a in f.args]
        if f.name == "geoDistance":
            # SQLite's reading of each argument, not float()'s (which takes "inf", "1_0", "nan")
            nums = [sv.math_number(a) for a in args]
            if None in nums:
                return None
            lon_a, lat_a, lon_b, lat_b = (n for n in nums if n is not None)
            try:
                inner = math.cos(math.radians(lat_a)) * math.cos(math.radians(lat_b)) * math.cos(
                    math.radians(lon_b) - math.radians(lon_a)
                ) + math.sin(math.radians(lat_a)) * math.sin(math.radians(lat_b))
            except ValueError:  # cos(inf) of a huge coordinate: SQLite's NaN, answered as NULL
                return None
            if not -1 <= inner <= 1:
                return None
            return 6371 * math.acos(inner)
        return sqlite_strftime(args, self.now)


def _convert(v: Any, conv: str) -> Any:
    if conv == "text":
        return sv.text_affinity(v)
    if conv == "num":
        return sv.numeric_affinity(v)
    return v


def _default(ref: o.FieldRef) -> Any:
    if ref.is_array_column:
        return []
    if ref.cls == o.JSON:
        return None
    if ref.cls in (o.NUM, o.BOOL):
        return 0
    return ""


def _as_list(raw: Any) -> list[Any]:
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        try:
            dec = json.loads(raw)
        except ValueError:
            return [raw]
        return dec if isinstance(dec, list) else [raw]
    return list(raw) if isinstance(raw, (list, tuple)) else [raw]


def _json_path(raw: Any, path: tuple[str, ...]) -> Any:
    cur = sv.stored_json_number(raw)
    for p in path:
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        elif isinstance(cur, list) and p.isdigit() and int(p) < len(cur):
            cur = cur[int(p)]
        else:
            return None
    return sv.json_value(cur)


class RecordPredicate:
    """A filter resolved once for one request, then checked against many records.

    Realtime keeps one per subscription; `@now`-style macros are fixed when it is built, so
    long-lived holders should rebuild it from time to time if their rule uses them.
    """

    def __init__(
        self,
        expr: str | Expr,
        collection: CollectionInfo,
        schema: SchemaLookup,
        request: RequestInfo | None,
        *,
        allow_hidden: bool = True,
        now: datetime | None = None,
    ) -> None:
        tree = parse(expr) if isinstance(expr, str) else expr
        resolver = Resolver(collection, schema, request, allow_hidden=allow_hidden, now=now)
        self._ev = _Evaluator(resolver, None, NoRelatedData(), now)
        self._plan = self._ev.prepare(tree)
        self._guards = [
            (j, rule)
            for j in self._ev.joins.values()
            if (coll := joined_collection(resolver, j)) is not None
            and (rule := joined_access(coll, trusted=allow_hidden).rule)
        ]
        # True when matches() reads related records from the RecordSource
        self.needs_data = any(j.kind in _DATA_JOINS for j in self._ev.joins.values()) or bool(self._guards)

    def matches(self, record: Row, data: RecordSource | None = None) -> bool:
        ev = copy.copy(self._ev)
        ev.record = record
        ev.data = data or NoRelatedData()
        for env in ev.envs(ev.joins.values()):
            if ev.run(self._plan, env, []) is True and all(_guard_ok(ev, j, r, env) for j, r in self._guards):
                return True
        return False


def evaluate(
    expr: str | Expr,
    record: Row,
    collection: CollectionInfo,
    schema: SchemaLookup,
    request: RequestInfo | None,
    *,
    data: RecordSource | None = None,
    now: datetime | None = None,
    allow_hidden: bool = True,
) -> bool:
    """Does `record` (an API-shaped dict of `collection`) match `expr`? Same answer as the SQL."""
    pred = RecordPredicate(expr, collection, schema, request, allow_hidden=allow_hidden, now=now)
    return pred.matches(record, data)


def _guard_ok(ev: _Evaluator, j: o.Join, rule: str, env: Env) -> bool:
    """`alias.id = '' OR (listRule)` for one joined row; PocketBase's `=` reads the LEFT JOIN's
    null row (an empty relation, a missing record) as '', so that row passes."""
    row = env.get(j.key)
    if row is None or row.get("id") == "":
        return True
    coll = ev.r.load(j.table)
    assert coll is not None
    nested = _Evaluator(
        Resolver(coll, ev.r.schema, ev.r.request, allow_hidden=True, now=ev.now), row, ev.data, ev.now
    )
    plan = nested.prepare(parse(rule))
    return any(nested.run(plan, e, []) is True for e in nested.envs(nested.joins.values()))


_DATA_JOINS = {o.REL, o.REL_MULTI, o.BACK, o.BACK_MULTI, o.COLLECTION, o.BODY_REL}


def needs_query(expr: str | Expr, collection: CollectionInfo, schema: SchemaLookup) -> bool:
    """True when evaluating needs related records (relations, back-relations, @collection)."""
    tree = parse(expr) if isinstance(expr, str) else expr
    probe = RequestInfo(auth=None)
    resolver = Resolver(collection, schema, probe, allow_hidden=True)
    for cmp_ in iter_comparisons(tree):
        for side in (cmp_.left, cmp_.right):
            for tok in iter_tokens(side):
                lit = tok.literal
                if tok.type != "identifier":
                    continue
                if lit.startswith("@collection.") or (
                    lit.startswith("@request.auth.") and lit.count(".") > 2
                ):
                    return True
                if lit.startswith("@request.body.") and lit.count(".") > 2:
                    return True
                if lit.startswith("@"):
                    continue
                try:
                    res = resolver.resolve(tok)
                except (RuleResolveError, ValueError):
                    continue
                if isinstance(res, o.FieldRef) and any(j.kind in _DATA_JOINS for j in res.joins):
                    return True
    return False
