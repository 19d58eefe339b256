"""Filter -> parameterised SQL for SQLite or PostgreSQL.

Each comparison is resolved (field_resolver), planned (comparison_plan) and rendered here. User
input only ever becomes a `?` parameter; identifiers come from the schema and are double-quoted.
When the filter walks relations, `@collection`, back-relations or `:each`, the whole condition is
wrapped in one `EXISTS (SELECT 1 FROM (SELECT 1) LEFT JOIN … WHERE …)` correlated to the main
table alias: the same answer as PocketBase's `SELECT DISTINCT … LEFT JOIN …`, without touching the
main query.
"""

from __future__ import annotations

from typing import Any

from bastion.rules import comparison_plan as cp
from bastion.rules import operand as o
from bastion.rules import sqlite_values as sv
from bastion.rules.errors import RuleResolveError
from bastion.rules.field_resolver import Resolver
from bastion.rules.filter_ast import And, Comparison, Expr, Or
from bastion.rules.filter_parser import parse
from bastion.rules.rule_access import joined_access
from bastion.rules.schema import CollectionInfo
from bastion.rules.sql_fragment import SqlFragment, cat, param, quote
from bastion.rules.sql_joins import render_join
from bastion.rules.sql_values import (
    DYN,
    NULL,
    NUM,
    TEXT,
    SqlValue,
    pg_bind_dyn,
    pg_compare,
    pg_convert,
    pg_math_number,
    pg_stored_json,
    pg_text,
    pg_wrap,
)

DEFAULT_EXPR_LIMIT = 200
# SQLite's time value syntax (`YYYY-MM-DD[( +|T)HH:MM[:SS[.fff]]][Z|±HH:MM]`, fields in range)
_PG_TIME_VALUE = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"(( +|T)([01][0-9]|2[0-4]):[0-5][0-9](:[0-5][0-9](\.[0-9]+)?)?)? *(Z|[+-][0-9]{2}:[0-9]{2})? *$"
)
_PG_TIME_PART = r"^.{10}(?: +|T)([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)"
_PG_TIME_ZONE = r"([+-][0-9]{2}:[0-9]{2}) *$"  # SQLite turns local time with an offset into UTC
_PG_STRFTIME = {
    "d": "DD",
    "H": "HH24",
    "j": "DDD",
    "m": "MM",
    "M": "MI",
    "S": "SS",
    "Y": "YYYY",
    "f": "SS.MS",
    "%": "%",
}


def json_path_sqlite(path: tuple[str, ...]) -> str:
    out = "$"
    for p in path:
        out += f"[{p}]" if p.isdigit() else f".{p}"
    return out


class SqlCompiler:
    def __init__(
        self,
        resolver: Resolver,
        dialect: str,
        table_alias: str,
        limit: int = DEFAULT_EXPR_LIMIT,
        namespace: str = "",
    ) -> None:
        if dialect not in ("sqlite", "postgres"):
            raise ValueError(f"unknown dialect {dialect!r}")
        self.r = resolver
        self.dialect = dialect
        self.pg = dialect == "postgres"
        self.base_alias = table_alias
        self.remaining = limit
        self.joins: dict[str, o.Join] = {}  # main joins, by key, in first-use order
        self.aliases: dict[str, str] = {}
        self._n = 0
        self.ns = namespace  # keeps aliases of nested compilers (list rules of joined collections) apart
        self._mm: list[dict[str, str]] = []  # alias maps of the enclosing multi-match subquery

    def new_alias(self, prefix: str = "__j") -> str:
        self._n += 1
        return f"{prefix}{self.ns}{self._n}"

    # ---- entry points -----------------------------------------------------------------------

    def compile(self, expr: Expr) -> SqlFragment:
        where = self.expr(expr)
        if not self.joins:
            return where
        guards = self._list_rule_guards()
        joins = self._render_chain(list(self.joins.values()), self.aliases)
        return cat('EXISTS (SELECT 1 FROM (SELECT 1) AS "__b"', joins, " WHERE ", where, *guards, ")")

    def _list_rule_guards(self) -> list[str | SqlFragment]:
        """` AND (guard)` for every joined collection (see `list_rule_guard`)."""
        out: list[str | SqlFragment] = []
        for n, j in enumerate(list(self.joins.values())):
            guard = self.list_rule_guard(j, n)
            if guard is not None:
                out += [" AND ", guard]
        return out

    def list_rule_guard(self, j: o.Join, n: int) -> SqlFragment | None:
        """Clients see related rows only through the related collection's listRule: PocketBase
        ANDs `alias.id = '' || (listRule)` into the query for every joined collection, and its
        `=` reads a missing row (the LEFT JOIN's NULLs: an empty relation) as ''. None when the
        caller needs no guard."""
        coll = joined_collection(self.r, j)
        if coll is None:
            return None
        decided = joined_access(coll, trusted=self.r.allow_hidden)
        if not decided.rule:
            return None
        alias = self.aliases[j.key]
        nested_resolver = Resolver(coll, self.r.schema, self.r.request, allow_hidden=True, now=self.r.now)
        nested = SqlCompiler(nested_resolver, self.dialect, alias, namespace=f"{self.ns}r{n}_")
        cond = nested.compile(parse(decided.rule))
        col = f'{quote(alias)}."id"'
        return cat(f"({col} IS NULL OR {col} = '' OR ", cond, ")")

    def expr(self, expr: Expr) -> SqlFragment:
        if isinstance(expr, Comparison):
            if self.remaining <= 0:
                raise RuleResolveError("max filter expressions limit reached")
            self.remaining -= 1
            left = self.r.resolve_operand(expr.left, "left")
            right = self.r.resolve_operand(expr.right, "right")
            rc = o.ResolvedComparison(left, expr.base_op, right, expr.is_any)
            return self.plan(cp.plan(rc))
        sep = " AND " if isinstance(expr, And) else " OR "
        assert isinstance(expr, (And, Or))
        parts: list[str | SqlFragment] = ["("]
        for i, item in enumerate(expr.items):
            if i:
                parts.append(sep)
            parts.append(self.expr(item))
        parts.append(")")
        return cat(*parts)

    # ---- plans ------------------------------------------------------------------------------

    def _truth(self, v: bool | None) -> SqlFragment:
        if v is None:
            return SqlFragment("NULL")
        if self.pg:
            return SqlFragment("TRUE" if v else "FALSE")
        return SqlFragment("1=1" if v else "1=0")

    def plan(self, p: Any) -> SqlFragment:
        if isinstance(p, cp.Truth):
            return self._truth(p.value)
        if isinstance(p, (cp.All, cp.AnyOf)):
            sep = " AND " if isinstance(p, cp.All) else " OR "
            parts: list[str | SqlFragment] = ["("]
            for i, item in enumerate(p.items):
                if i:
                    parts.append(sep)
                parts.append(self.plan(item))
            parts.append(")")
            return cat(*parts)
        if isinstance(p, cp.Not):
            return cat("NOT (", self.plan(p.item), ")")
        if isinstance(p, cp.IsNull):
            return self._is_null(self.value(p.value), p.negate)
        if isinstance(p, cp.Prim):
            return self._prim(p)
        if isinstance(p, cp.NotExists):
            return self._not_exists(p)
        raise TypeError(p)

    def _is_null(self, v: SqlValue, negate: bool) -> SqlFragment:
        if v.cls == NULL:
            return self._truth(not negate)
        if self.pg and v.cls == DYN:
            test = cat("(", v.frag, " IS NULL OR jsonb_typeof(", v.frag, ") = 'null')")
            return cat("NOT ", test) if negate else test
        return cat("(", v.frag, " IS NOT NULL)" if negate else " IS NULL)")

    def _prim(self, p: cp.Prim) -> SqlFragment:
        folded = _fold(p)
        if folded is not _NO_FOLD:
            return self._truth(folded)
        a, b = self.value(p.left), self.value(p.right)
        if p.op in ("LIKE", "NOT LIKE"):
            if self.pg:
                neg = "NOT " if p.op == "NOT LIKE" else ""
                if isinstance(p.right, o.Const) and sv.dangling_escape(
                    sv.to_text(const_value(p.right)) or ""
                ):
                    # PostgreSQL rejects such a pattern; SQLite just matches nothing
                    return cat(
                        "(CASE WHEN ",
                        pg_text(a),
                        f" IS NULL THEN NULL ELSE {'TRUE' if neg else 'FALSE'} END)",
                    )
                (a, b), from_ = pg_bind_dyn([a, b])
                like = cat("(", pg_text(a), f' COLLATE "C" {neg}ILIKE ', pg_text(b), " ESCAPE '\\')")
                return pg_wrap(like, from_)
            return cat("(", a.frag, f" {p.op} ", b.frag, " ESCAPE '\\')")
        if self.pg:
            return pg_compare(pg_convert(a, p.conv_left), p.op, pg_convert(b, p.conv_right))
        return cat("(", a.frag, f" {p.op} ", b.frag, ")")

    def _not_exists(self, p: cp.NotExists) -> SqlFragment:
        maps: list[dict[str, str]] = []
        chains: list[SqlFragment] = []
        for operand in p.operands:
            ref = operand if isinstance(operand, o.FieldRef) else operand.args[1]
            assert isinstance(ref, o.FieldRef)
            amap: dict[str, str] = {}
            for j in ref.joins:
                amap[j.key] = self.new_alias("__m")
            maps.append(amap)
            chains.append(self._render_chain(list(ref.joins), amap))
        saved = self._mm
        self._mm = maps
        try:
            where = self.plan(p.where)
        finally:
            self._mm = saved
        base = self.new_alias("__mb")
        return cat(f"NOT EXISTS (SELECT 1 FROM (SELECT 1) AS {quote(base)}", *chains, " WHERE ", where, ")")

    def _render_chain(self, joins: list[o.Join], amap: dict[str, str]) -> SqlFragment:
        parts: list[SqlFragment] = []
        for j in joins:
            parent = self.base_alias if j.parent is None else amap[j.parent]
            parts.append(render_join(j, amap[j.key], parent, self.dialect))
        return cat(*parts)

    # ---- values -----------------------------------------------------------------------------

    def _alias_for(self, ref: o.FieldRef) -> str:
        if not ref.joins:
            return self.base_alias
        if ref.mm_slot >= 0:
            return self._mm[ref.mm_slot][ref.joins[-1].key]
        for j in ref.joins:
            if j.key not in self.joins:
                self.joins[j.key] = j
                self.aliases[j.key] = self.new_alias()
        return self.aliases[ref.joins[-1].key]

    def value(self, x: Any) -> SqlValue:
        if isinstance(x, cp.Empty):
            return SqlValue(SqlFragment("''"), TEXT)
        if isinstance(x, cp.Coalesce):
            v = self.value(x.value)
            if v.cls == NULL:
                return SqlValue(SqlFragment("''"), TEXT)
            if self.pg and v.cls == NUM:
                return SqlValue(v.frag, NUM, coalesced=True, real=v.real)
            if self.pg and v.cls == DYN:
                return SqlValue(cat("COALESCE(", pg_text(v), ", '')"), TEXT)
            return SqlValue(cat("COALESCE(", v.frag, ", '')"), v.cls)
        if isinstance(x, cp.LikeWrap):
            v = self.value(x.value)
            inner = pg_text(v) if self.pg else v.frag
            return SqlValue(cat("('%' || ", inner, " || '%')"), TEXT)
        if isinstance(x, o.Const):
            return self._const(x)
        if isinstance(x, o.FieldRef):
            return self._field(x)
        if isinstance(x, o.FuncCall):
            return self._func(x)
        if isinstance(x, o.SubExpr):
            inner = self.expr(x.expr)
            if self.pg:
                return SqlValue(cat("CAST(", inner, " AS INTEGER)"), NUM)
            return SqlValue(cat("(", inner, ")"), NUM)
        raise TypeError(x)

    def _const(self, c: o.Const) -> SqlValue:
        v = const_value(c)
        if v is None:
            return SqlValue(SqlFragment("NULL"), NULL)
        if isinstance(v, (int, float)):
            if self.pg:
                text = cat("CAST(", param(sv.to_text(v)), " AS TEXT)")
                num = cat("CAST(", param(float(v)), " AS DOUBLE PRECISION)")
                return SqlValue(num, NUM, tag=SqlFragment("'num'"), text=text)
            return SqlValue(param(v), NUM)
        if self.pg:
            return SqlValue(cat("CAST(", param(v), " AS TEXT)"), TEXT, tag=SqlFragment("'text'"))
        return SqlValue(param(v), TEXT)

    def _field(self, ref: o.FieldRef) -> SqlValue:
        alias = self._alias_for(ref)
        col = f"{quote(alias)}.{quote(ref.column)}"
        if ref.modifier == "length":
            if ref.is_array_column:
                if self.pg:
                    return SqlValue(SqlFragment(f"jsonb_array_length(COALESCE({col}, '[]'::jsonb))"), NUM)
                # guarded like PocketBase's JSONArrayLength: SQLite's constant propagation may
                # substitute a compared text literal for the column
                return SqlValue(
                    SqlFragment(
                        f"json_array_length(CASE WHEN iif(json_valid({col}), json_type({col}) = 'array', FALSE) "
                        f"THEN {col} ELSE (CASE WHEN {col} = '' OR {col} IS NULL THEN json_array() "
                        f"ELSE json_array({col}) END) END)"
                    ),
                    NUM,
                )
            return SqlValue(SqlFragment(f"(CASE WHEN {col} = '' OR {col} IS NULL THEN 0 ELSE 1 END)"), NUM)
        if ref.cls == o.JSON:
            path = ref.json_path or ()
            if self.pg:
                val = SqlValue(
                    cat(f"({col} #> CAST(", param(list(path)), " AS TEXT[]))")
                    if path
                    else pg_stored_json(SqlFragment(col)),
                    DYN,
                )
            else:
                val = SqlValue(
                    cat(
                        f"(CASE WHEN json_valid({col}) THEN json_extract({col}, ",
                        param(json_path_sqlite(path)),
                        ") END)",
                    ),
                    DYN,
                )
        elif ref.is_array_column:
            val = SqlValue(SqlFragment(f"CAST({col} AS TEXT)" if self.pg else col), TEXT)
        elif self.pg and ref.column == "value" and ref.joins and ref.joins[-1].kind == o.BODY_EACH:
            val = SqlValue(SqlFragment(col), DYN)  # a body item, jsonb (sql_joins)
        elif ref.cls == o.BOOL:
            val = SqlValue(SqlFragment(f"CAST({col} AS INTEGER)" if self.pg else col), NUM)
        else:
            val = SqlValue(SqlFragment(col), NUM if ref.cls == o.NUM else TEXT)
        if ref.modifier == "lower":
            inner = pg_text(val) if self.pg else val.frag
            if self.pg:  # SQLite's LOWER() folds ASCII only; so does PostgreSQL's under "C"
                return SqlValue(cat("LOWER((", inner, ') COLLATE "C")'), TEXT)
            return SqlValue(cat("LOWER(", inner, ")"), TEXT)
        return val

    def _func(self, f: o.FuncCall) -> SqlValue:
        if f.name == "geoDistance":
            args = [self.value(a) for a in f.args]
            if self.pg:
                return SqlValue(_pg_geo_distance([pg_math_number(a) for a in args]), NUM, real=True)
            lon_a, lat_a, lon_b, lat_b = (a.frag for a in args)
            inner = cat(
                "cos(radians(",
                lat_a,
                ")) * cos(radians(",
                lat_b,
                ")) * cos(radians(",
                lon_b,
                ") - radians(",
                lon_a,
                ")) + sin(radians(",
                lat_a,
                ")) * sin(radians(",
                lat_b,
                "))",
            )
            return SqlValue(cat("(6371 * acos(", inner, "))"), NUM)
        # strftime
        fmt = f.args[0]
        assert isinstance(fmt, o.Const)
        if not self.pg:
            parts: list[str | SqlFragment] = ["strftime("]
            for i, a in enumerate(f.args):
                if i:
                    parts.append(", ")
                parts.append(self.value(a).frag)
            parts.append(")")
            return SqlValue(cat(*parts), TEXT)
        if len(f.args) != 2:
            raise RuleResolveError("strftime() needs exactly a format and a time value on PostgreSQL")
        arg = pg_text(self.value(f.args[1]))
        t = SqlFragment('"__s"."t"')  # the time value, read once (the subquery below)
        # Only what SQLite reads as a time value gets a result (else NULL, as SQLite), and it is
        # built from its parts so no value can make PostgreSQL raise. Year 0000 is NULL.
        day = cat(
            "make_date(CAST(substr(",
            t,
            ", 1, 4) AS INTEGER), CAST(substr(",
            t,
            ", 6, 2) AS INTEGER), 1) + (CAST(substr(",
            t,
            ", 9, 2) AS INTEGER) - 1)",
        )
        stamp = cat(
            day,
            " + COALESCE(CAST(substring(",
            t,
            " from ",
            param(_PG_TIME_PART),
            ") AS INTERVAL), INTERVAL '0') - COALESCE(CAST(substring(",
            t,
            " from ",
            param(_PG_TIME_ZONE),
            ") AS INTERVAL), INTERVAL '0')",
        )
        # SQLite prints the year, month, day and hour as written (2024-02-30, 24:00) where the
        # instant rolls them over, unless a UTC offset made it recompute them from the instant
        as_written = cat(
            "COALESCE(substring(", t, " from ", param(_PG_TIME_ZONE), "), '+00:00') IN ('+00:00', '-00:00')"
        )
        written = {
            "Y": cat("substr(", t, ", 1, 4)"),
            "m": cat("substr(", t, ", 6, 2)"),
            "d": cat("substr(", t, ", 9, 2)"),
            "H": cat("COALESCE(substr(substring(", t, " from ", param(_PG_TIME_PART), "), 1, 2), '00')"),
            # the day of the year counts from the day alone (2024-02-29 24:00 is day 060)
            "j": cat("to_char(", day, ", 'DDD')"),
        }
        parts = []
        for kind, piece in _pg_format_pieces(str(fmt.value)):
            if parts:
                parts.append(" || ")
            if kind == "text":
                parts.append(cat("CAST(", param(piece), " AS TEXT)"))
            elif piece in written:
                parts.append(
                    cat(
                        "(CASE WHEN ",
                        as_written,
                        " THEN ",
                        written[piece],
                        " ELSE to_char(",
                        stamp,
                        ", ",
                        param(_PG_STRFTIME[piece]),
                        ") END)",
                    )
                )
            else:
                parts.append(cat("to_char(", stamp, ", ", param(_PG_STRFTIME[piece]), ")"))
        # (the patterns go as parameters: the store reads every `?` in SQL text as one)
        return SqlValue(
            cat(
                "(SELECT CASE WHEN ",
                t,
                " ~ ",
                param(_PG_TIME_VALUE),
                " AND substr(",
                t,
                ", 1, 4) <> '0000' THEN ",
                *(parts or ["''"]),  # an empty format is '' for SQLite
                " END FROM (SELECT CAST(",
                arg,
                ' AS TEXT) AS "t") AS "__s")',
            ),
            TEXT,
        )


_NO_FOLD = object()
_RULE_JOINS = {o.REL, o.REL_MULTI, o.BACK, o.BACK_MULTI, o.COLLECTION, o.AUTH, o.BODY_REL}


def joined_collection(r: Resolver, j: o.Join) -> CollectionInfo | None:
    """The collection whose rows join `j` brings in (None for `:each` and body values)."""
    return r.load(j.table) if j.kind in _RULE_JOINS else None


def const_value(c: o.Const) -> Any:
    v = c.value
    if c.lower and v is not None:
        text = sv.to_text(v)
        assert text is not None
        v = text.translate(sv._ASCII_LOWER)
    return v


def _fold(p: cp.Prim) -> Any:
    """Both sides known at compile time: answer now (same code as the evaluator)."""
    vals = []
    for side in (p.left, p.right):
        if isinstance(side, cp.Empty):
            vals.append("")
        elif isinstance(side, o.Const):
            vals.append(const_value(side))
        else:
            return _NO_FOLD
    a, b = vals
    if p.op == "LIKE":
        return sv.like(a, b)
    if p.op == "NOT LIKE":
        r = sv.like(a, b)
        return None if r is None else not r
    return sv.compare(a, p.op, b)


def _pg_format_pieces(fmt: str) -> list[tuple[str, str]]:
    """A SQLite strftime format as ("text", literal) and ("spec", letter) pieces, in order."""
    out: list[tuple[str, str]] = []
    lit: list[str] = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt) and fmt[i + 1] in _PG_STRFTIME:
            spec = fmt[i + 1]
            if spec == "%":
                lit.append("%")
            else:
                if lit:
                    out.append(("text", "".join(lit)))
                    lit = []
                out.append(("spec", spec))
            i += 2
            continue
        if fmt[i] == "%":
            raise RuleResolveError(f"strftime() format {fmt!r} is not supported on PostgreSQL")
        lit.append(fmt[i])
        i += 1
    if lit:
        out.append(("text", "".join(lit)))
    return out


# Below this many degrees a coordinate is 0 on PostgreSQL, whose float8 arithmetic raises on
# underflow where SQLite's and Python's go quietly to 0: radians() of a subnormal, or the product
# of two sines of tiny angles, would make a filter over such a point a 400 there only. Nothing
# smaller than this moves the distance (its square is still a normal double, lost next to 1).
_PG_GEO_TINY = "1e-150"


def _pg_geo_distance(nums: list[SqlFragment]) -> SqlFragment:
    """geoDistance on PostgreSQL. Each argument is evaluated once, in a one-row subquery: the
    formula reads each coordinate two or three times, and an argument read from json is a large
    expression, which PostgreSQL would otherwise copy into the query that many times."""
    cols: list[str | SqlFragment] = []
    for i, n in enumerate(nums):
        cols += [", " if i else "", n, f' AS "x{i}"']
    tiny = ", ".join(
        f'(CASE WHEN abs("x{i}") < {_PG_GEO_TINY} THEN 0 ELSE "x{i}" END) AS "d{i}"' for i in range(4)
    )
    # d0, d1: lon and lat of the first point; d2, d3: of the second
    inner = (
        'cos(radians("d1")) * cos(radians("d3")) * cos(radians("d2") - radians("d0"))'
        ' + sin(radians("d1")) * sin(radians("d3"))'
    )
    # SQLite's acos() yields NULL outside [-1, 1]; PostgreSQL's would raise
    return cat(
        '(SELECT 6371 * acos(CASE WHEN "i" BETWEEN -1 AND 1 THEN "i" END) FROM (SELECT ',
        inner,
        f' AS "i" FROM (SELECT {tiny} FROM (SELECT ',
        *cols,
        ') AS "__g0") AS "__g1") AS "__g2")',
    )
