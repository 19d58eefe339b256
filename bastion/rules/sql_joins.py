"""Render the join chain of a resolved path as LEFT JOINs, per dialect.

Every join is a LEFT JOIN so a missing related row reads as NULL, exactly as PocketBase's joined
list query behaves; the whole chain sits inside an EXISTS subquery correlated to the main table
alias, so the list query itself needs no JOIN and no DISTINCT.
"""

from __future__ import annotations

import json
from decimal import Decimal

from bastion.rules import operand as o
from bastion.rules.sql_fragment import SqlFragment, cat, param, quote


def _col(alias: str, column: str) -> str:
    return f"{quote(alias)}.{quote(column)}"


def sqlite_array(expr: str) -> str:
    """A JSON array from a column: arrays as-is, anything else wrapped (PocketBase's JSONEach)."""
    return (
        f"(CASE WHEN json_valid({expr}) THEN (CASE WHEN json_type({expr}) = 'array' THEN {expr} "
        f"ELSE json_array({expr}) END) ELSE json_array({expr}) END)"
    )


def pg_array(expr: str, is_json: bool) -> str:
    if not is_json:  # a single-value text column
        return f"jsonb_build_array({expr})"
    return f"(CASE WHEN jsonb_typeof({expr}) = 'array' THEN {expr} ELSE '[]'::jsonb END)"


def render_join(j: o.Join, alias: str, parent_alias: str, dialect: str) -> SqlFragment:
    pg = dialect == "postgres"
    a = quote(alias)
    if j.kind == o.REL:
        return SqlFragment(f' LEFT JOIN {quote(j.table)} AS {a} ON {a}."id" = {_col(parent_alias, j.column)}')
    if j.kind == o.REL_MULTI:
        je = each_alias(alias)
        src = _col(parent_alias, j.column)
        if pg:
            each = (
                f" LEFT JOIN LATERAL jsonb_array_elements_text({pg_array(src, True)}) WITH ORDINALITY "
                f'AS {quote(je)}("value", "key") ON 1=1'
            )
        else:
            each = f" LEFT JOIN json_each({sqlite_array(src)}) AS {quote(je)} ON 1=1"
        return SqlFragment(each + f' LEFT JOIN {quote(j.table)} AS {a} ON {a}."id" = {quote(je)}."value"')
    if j.kind == o.BACK:
        return SqlFragment(
            f" LEFT JOIN {quote(j.table)} AS {a} ON {_col(alias, j.column)} = {_col(parent_alias, 'id')}"
        )
    if j.kind == o.BACK_MULTI:
        src = _col(alias, j.column)
        ids = (
            f"SELECT jsonb_array_elements_text({pg_array(src, True)})"
            if pg
            else f'SELECT "value" FROM json_each({sqlite_array(src)})'
        )
        return SqlFragment(f" LEFT JOIN {quote(j.table)} AS {a} ON {_col(parent_alias, 'id')} IN ({ids})")
    if j.kind == o.COLLECTION:
        return SqlFragment(f" LEFT JOIN {quote(j.table)} AS {a} ON 1=1")
    if j.kind == o.AUTH:
        return cat(f' LEFT JOIN {quote(j.table)} AS {a} ON {a}."id" = ', param(j.value))
    if j.kind == o.EACH:
        src = _col(parent_alias, j.column)
        if pg:
            return SqlFragment(
                f" LEFT JOIN LATERAL jsonb_array_elements_text({pg_array(src, bool(j.value))}) WITH ORDINALITY "
                f'AS {a}("value", "key") ON 1=1'
            )
        return SqlFragment(f" LEFT JOIN json_each({sqlite_array(src)}) AS {a} ON 1=1")
    if j.kind == o.BODY_EACH:
        items = json.dumps(list(j.value), separators=(",", ":"), default=str)
        if pg:  # jsonb items, not their text: a number or a boolean keeps its class, as in json_each
            return cat(
                " LEFT JOIN LATERAL jsonb_array_elements(CAST(",
                param(_pg_items(list(j.value))),
                f' AS JSONB)) AS {a}("value") ON 1=1',
            )
        return cat(" LEFT JOIN json_each(", param(items), f") AS {a} ON 1=1")
    if j.kind == o.BODY_REL:
        parts: list[str | SqlFragment] = [f' LEFT JOIN {quote(j.table)} AS {a} ON {a}."id" IN (']
        for i, v in enumerate(j.value):
            if i:
                parts.append(", ")
            parts.append(param(v))
        parts.append(")")
        return cat(*parts)
    raise ValueError(f"unknown join kind {j.kind}")


def each_alias(alias: str) -> str:
    """The alias of the array elements a multi relation `alias` is joined through."""
    return f"{alias}_e"


def row_order(j: o.Join, alias: str, row_column: str | None) -> str | None:
    """What orders the rows join `j` brings in for one parent row as SQLite's nested loop
    produces them: array elements in array order, a whole table (`@collection`) in insertion
    order (`row_column`: rowid, or PostgreSQL's identity column; None for a view). None when the
    join brings in at most one row, or (back-relations) when the order is the caller's choice."""
    if j.kind in (o.REL_MULTI, o.EACH):
        each = each_alias(alias) if j.kind == o.REL_MULTI else alias
        return f'{quote(each)}."key"'
    if j.kind == o.COLLECTION and row_column:
        return f"{quote(alias)}.{quote(row_column)}"
    return None


def _pg_items(items: list[object]) -> str:
    """The body items as a JSON array for jsonb, each double written with a decimal point.

    A double is a REAL to SQLite's json_each however large it is; jsonb keeps a number as
    numeric and would write 1e16 as the integer 10000000000000000, which the PostgreSQL side
    then reads as an INTEGER. Written out as 10000000000000000.0, it stays a fraction.
    """
    out = []
    for item in items:
        if isinstance(item, float) and item - item == 0:  # finite
            digits = format(Decimal(repr(item)), "f")
            out.append(digits if "." in digits else digits + ".0")
        else:
            out.append(json.dumps(item, separators=(",", ":"), default=str))
    return "[" + ",".join(out) + "]"
