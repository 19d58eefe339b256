"""Typed SQL values: an expression plus how SQLite would classify it (text, number, or dynamic).

SQLite compares by storage class at run time; PostgreSQL needs the types up front. Every value is
rendered with its class so the PostgreSQL side can reproduce SQLite's answer: same-class values
compare directly (text under the "C" collation, i.e. bytewise like SQLite), numbers sort before
text, and JSON values (class `dyn`) decide at run time from `jsonb_typeof`.
"""

from __future__ import annotations

from dataclasses import dataclass

from bastion.rules.sql_fragment import SqlFragment, cat

TEXT = "text"
NUM = "num"
NULL = "null"
DYN = "dyn"  # PostgreSQL jsonb whose SQLite class depends on its json type


MIXED = "mixed"  # explicit class/number/text expressions (after a run-time affinity conversion)

# SQLite's "looks like a number" test for NUMERIC affinity (no "?" anywhere in emitted SQL)
_NUMERIC_RE = "'^\\s*[+-]{0,1}([0-9]+([.][0-9]*){0,1}|[.][0-9]+)([eE][+-]{0,1}[0-9]+){0,1}\\s*$'"


@dataclass
class SqlValue:
    frag: SqlFragment
    cls: str  # TEXT | NUM | NULL | DYN | MIXED
    coalesced: bool = False  # COALESCE(num, ''): a number, or '' when NULL
    tag: SqlFragment | None = None  # MIXED only
    num: SqlFragment | None = None
    text: SqlFragment | None = None  # MIXED; or a constant's SQLite text form (5.0 -> '5.0')
    real: bool = False  # NUM computed as a double (geoDistance), never stored in a NUMERIC column


def pg_convert(v: SqlValue, conv: str) -> SqlValue:
    """Apply SQLite's run-time column affinity ("text" or "num") to a PostgreSQL value."""
    if conv == "text":
        if v.cls in (NUM, DYN, MIXED):
            return SqlValue(pg_text(v), TEXT)
        return v
    if conv == "num" and v.cls in (TEXT, DYN, MIXED):
        t = pg_text(v)
        looks = cat("(", t, f" ~ {_NUMERIC_RE})")
        tag = cat(
            "(CASE WHEN ",
            pg_tag(v),
            " = 'num' THEN 'num' WHEN ",
            looks,
            " THEN 'num' ELSE ",
            pg_tag(v),
            " END)",
        )
        num = cat(
            "(CASE WHEN ",
            pg_tag(v),
            " = 'num' THEN ",
            pg_num(v),
            " WHEN ",
            looks,
            " THEN CAST(trim(",
            t,
            ") AS DOUBLE PRECISION) END)",
        )
        return SqlValue(t, MIXED, tag=tag, num=num, text=t)
    return v


def pg_bind_dyn(values: list[SqlValue]) -> tuple[list[SqlValue], SqlFragment | None]:
    """Evaluate each jsonb value once: they become columns of a one-row subquery.

    The run-time class tests read a JSON value several times; without this every read would
    repeat the path expression and its parameters. Returns the rewritten values and the FROM
    clause to wrap the final expression with (`(SELECT <expr> FROM <from>)`), or None.
    """
    cols: list[str | SqlFragment] = []
    out: list[SqlValue] = []
    for i, v in enumerate(values):
        if v.cls == DYN:
            name = f'"__v{i}"'
            cols += [", " if cols else "", v.frag, f" AS {name}"]
            out.append(SqlValue(SqlFragment(f'"__x".{name}'), DYN))
        else:
            out.append(v)
    if not cols:
        return values, None
    return out, cat("(SELECT ", *cols, ') AS "__x"')


def pg_wrap(expr: SqlFragment, from_: SqlFragment | None) -> SqlFragment:
    return expr if from_ is None else cat("(SELECT ", expr, " FROM ", from_, ")")


def pg_tag(v: SqlValue) -> SqlFragment:
    """'num' | 'text' | NULL: the SQLite storage class the value would have."""
    if v.tag is not None:  # constants and converted values know their class
        return v.tag
    if v.cls == NULL:
        return SqlFragment("CAST(NULL AS TEXT)")
    if v.cls == DYN:
        return cat(
            "(CASE jsonb_typeof(",
            v.frag,
            ") WHEN 'number' THEN 'num' WHEN 'boolean' THEN 'num' "
            "WHEN 'string' THEN 'text' WHEN 'object' THEN 'text' WHEN 'array' THEN 'text' END)",
        )
    if v.coalesced:
        return cat("(CASE WHEN ", v.frag, " IS NULL THEN 'text' ELSE 'num' END)")
    return cat("(CASE WHEN ", v.frag, f" IS NULL THEN NULL ELSE '{v.cls}' END)")


def pg_num(v: SqlValue) -> SqlFragment:
    if v.cls == NUM:
        return v.frag
    if v.cls == MIXED:
        assert v.num is not None
        return v.num
    if v.cls == DYN:
        return cat(
            "(CASE jsonb_typeof(",
            v.frag,
            ") WHEN 'number' THEN CAST(CAST(",
            v.frag,
            " AS TEXT) AS DOUBLE PRECISION) WHEN 'boolean' THEN (CASE WHEN CAST(",
            v.frag,
            " AS TEXT) = 'true' THEN 1 ELSE 0 END) END)",
        )
    return SqlFragment("CAST(NULL AS DOUBLE PRECISION)")


def pg_math_number(v: SqlValue) -> SqlFragment:
    """What SQLite's math functions (radians(), cos() …) read a value as: a number, numeric-looking
    text converted (`'5'`, `' 2.5 '`), NULL for anything else (sqlite_values.math_number)."""
    if v.cls in (NUM, NULL):
        return pg_num(v)
    # only text can be numeric-looking text (a json number is read by pg_num); so a json value's
    # text is its string alone here, not the full pg_text, which is large
    t = (
        cat("(CASE WHEN jsonb_typeof(", v.frag, ") = 'string' THEN (", v.frag, " #>> '{}') END)")
        if v.cls == DYN
        else pg_text(v)
    )
    as_text = cat("(CASE WHEN ", t, f" ~ {_NUMERIC_RE} THEN CAST(", t, " AS DOUBLE PRECISION) END)")
    return as_text if v.cls == TEXT else cat("COALESCE(", pg_num(v), ", ", as_text, ")")


def pg_number_text(num: SqlFragment, real: bool = False) -> SqlFragment:
    """A number as SQLite writes it as text, for PostgreSQL (sqlite_values.to_text).

    PostgreSQL's own text form of a double differs (`1e+15`, 17 significant digits). SQLite
    writes a REAL with printf("%!.15g") (`1.0e+15`, `0.3`, `100.0`), and a number column (NUMERIC
    affinity) holds an integral double inside the 64-bit range as an INTEGER, written as digits.
    A double cast to NUMERIC keeps 15 significant digits (PostgreSQL converts it through "%.15g"),
    so only the layout is built here. Only number-to-text conversions take this path; comparisons
    of numbers with numbers stay plain.
    """
    integral = (
        ""
        if real
        else "WHEN r = trunc(r) AND r > -9223372036854775808 AND r < 9223372036854775808 "
        "THEN CAST(CAST(r AS BIGINT) AS TEXT) "
    )
    return cat(
        "(SELECT CASE WHEN r IS NULL OR r = 'NaN' THEN NULL "
        "WHEN r = 'Infinity' THEN 'Inf' WHEN r = '-Infinity' THEN '-Inf' ",
        integral,
        # exponent form where %g uses it: a decimal exponent below -4 or from the precision (15) up
        "WHEN n <> 0 AND (abs(n) >= 1e15 OR abs(n) < 1e-4) THEN "
        "replace(regexp_replace(btrim(to_char(n, '9.99999999999999EEEE')), '0+e', 'e'), '.e', '.0e') "
        "WHEN position('.' in CAST(n AS TEXT)) = 0 THEN CAST(n AS TEXT) || '.0' "
        "ELSE CAST(n AS TEXT) END "
        "FROM (SELECT r, CAST(r AS NUMERIC) AS n FROM (SELECT CAST(",
        num,
        ' AS DOUBLE PRECISION) AS r) AS "__r0") AS "__r1")',
    )


def pg_stored_json(col: SqlFragment) -> SqlFragment:
    """A json column's whole value as SQLite holds it: the column has NUMERIC affinity, so a
    top-level number is stored as a number column stores it (100.0 as the integer 100, a REAL
    read back through its 15-digit text) before json_extract() reads it."""
    return cat(
        "(CASE WHEN jsonb_typeof(",
        col,
        ") = 'number' THEN CAST(",
        pg_number_text(cat("CAST(CAST(", col, " AS TEXT) AS DOUBLE PRECISION)")),
        " AS JSONB) ELSE ",
        col,
        " END)",
    )


def pg_text(v: SqlValue) -> SqlFragment:
    """The value as SQLite text (for text comparisons and LIKE)."""
    if v.text is not None:
        return v.text
    if v.cls == TEXT:
        return v.frag
    if v.cls == MIXED:
        assert v.text is not None
        return v.text
    if v.cls == NUM:
        if v.coalesced:
            return cat("COALESCE(", pg_number_text(v.frag, v.real), ", '')")
        return pg_number_text(v.frag, v.real)
    if v.cls == DYN:
        return cat(
            "(CASE jsonb_typeof(",
            v.frag,
            ") WHEN 'string' THEN (",
            v.frag,
            " #>> '{}') WHEN 'boolean' THEN (CASE WHEN CAST(",
            v.frag,
            " AS TEXT) = 'true' THEN '1' ELSE '0' END) WHEN 'null' THEN NULL",
            # a JSON number with a fraction or an exponent, or past the 64-bit integers, is a REAL
            # to SQLite's JSON functions (jsonb writes 1e16 as 10000000000000000, hence the range)
            " WHEN 'number' THEN (CASE WHEN CAST(",
            v.frag,
            " AS TEXT) ~ '[.eE]' OR CAST(CAST(",
            v.frag,
            " AS TEXT) AS NUMERIC) NOT BETWEEN -9223372036854775808 AND 9223372036854775807 THEN ",
            pg_number_text(cat("CAST(CAST(", v.frag, " AS TEXT) AS DOUBLE PRECISION)"), real=True),
            " ELSE CAST(",
            v.frag,
            " AS TEXT) END) ELSE CAST(",
            v.frag,
            " AS TEXT) END)",
        )
    return SqlFragment("CAST(NULL AS TEXT)")


_CROSS = {  # num (left) vs text (right): numbers sort first
    "=": "FALSE",
    "IS": "FALSE",
    "IS NOT": "TRUE",
    "<": "TRUE",
    "<=": "TRUE",
    ">": "FALSE",
    ">=": "FALSE",
}
_FLIP = {"=": "=", "IS": "IS", "IS NOT": "IS NOT", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def _pg_sql_op(op: str) -> str:
    return {"IS": "IS NOT DISTINCT FROM", "IS NOT": "IS DISTINCT FROM"}.get(op, op)


def _null_case(op: str, ta: SqlFragment, tb: SqlFragment) -> SqlFragment:
    if op == "IS":
        return cat("(", ta, " IS NULL AND ", tb, " IS NULL)")
    if op == "IS NOT":
        return cat("NOT (", ta, " IS NULL AND ", tb, " IS NULL)")
    return SqlFragment("NULL")


def _compared_text(v: SqlValue) -> SqlFragment:
    """A value's text where both sides are text: a coalesced number is text only when NULL."""
    return SqlFragment("''") if v.cls == NUM and v.coalesced else pg_text(v)


def pg_compare(a: SqlValue, op: str, b: SqlValue) -> SqlFragment:
    """`a op b` with SQLite's cross-class rules, for PostgreSQL. op: = IS IS NOT < <= > >="""
    sop = _pg_sql_op(op)
    static = {TEXT, NUM}
    if a.cls == NULL or b.cls == NULL:
        if a.cls == NULL and b.cls == NULL:
            return SqlFragment({"IS": "TRUE", "IS NOT": "FALSE"}.get(op, "NULL"))
        other = b if a.cls == NULL else a
        tag = pg_tag(other)
        if op == "IS":
            return cat("(", tag, " IS NULL)")
        if op == "IS NOT":
            return cat("(", tag, " IS NOT NULL)")
        return SqlFragment("NULL")
    if a.cls in static and b.cls in static and not a.coalesced and not b.coalesced:
        if a.cls == b.cls:
            coll = ' COLLATE "C"' if a.cls == TEXT else ""
            return cat("(", a.frag, coll, f" {sop} ", b.frag, ")")
        res = _CROSS[op] if a.cls == NUM else _CROSS[_FLIP[op]]
        if op in ("IS", "IS NOT"):
            return cat(
                "(CASE WHEN ",
                a.frag,
                " IS NULL OR ",
                b.frag,
                " IS NULL THEN ",
                _null_case(op, a.frag, b.frag),
                f" ELSE {res} END)",
            )
        return cat("(CASE WHEN ", a.frag, " IS NULL OR ", b.frag, f" IS NULL THEN NULL ELSE {res} END)")
    (a, b), from_ = pg_bind_dyn([a, b])
    ta, tb = pg_tag(a), pg_tag(b)
    num_vs_text = _CROSS[op]
    text_vs_num = _CROSS[_FLIP[op]]
    expr = cat(
        "(CASE WHEN ",
        ta,
        " IS NULL OR ",
        tb,
        " IS NULL THEN ",
        _null_case(op, ta, tb),
        " WHEN ",
        ta,
        " = 'num' AND ",
        tb,
        " = 'num' THEN ",
        pg_num(a),
        f" {sop} ",
        pg_num(b),
        " WHEN ",
        ta,
        " = 'text' AND ",
        tb,
        " = 'text' THEN ",
        _compared_text(a),
        f' COLLATE "C" {sop} ',
        _compared_text(b),
        " WHEN ",
        ta,
        f" = 'num' THEN {num_vs_text} ELSE {text_vs_num} END)",
    )
    return pg_wrap(expr, from_)
