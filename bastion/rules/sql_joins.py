"""Render the join chain of a resolved path as LEFT JOINs, per dialect.

Every join is a LEFT JOIN so a missing related row reads as NULL, exactly as PocketBase's joined
list query behaves; the whole chain sits inside an EXISTS subquery correlated to the main table
alias, so the list query itself needs no JOIN and no DISTINCT.
"""

from __future__ import annotations

import json
from collections.abc import Callable

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


def render_join(
    j: o.Join, alias: str, parent_alias: str, dialect: str, new_alias: Callable[[], str]
) -> SqlFragment:
    pg = dialect == "postgres"
    a = quote(alias)
    if j.kind == o.REL:
        return SqlFragment(f' LEFT JOIN {quote(j.table)} AS {a} ON {a}."id" = {_col(parent_alias, j.column)}')
    if j.kind == o.REL_MULTI:
        je = new_alias()
        src = _col(parent_alias, j.column)
        if pg:
            each = f' LEFT JOIN LATERAL jsonb_array_elements_text({pg_array(src, True)}) AS {quote(je)}("value") ON 1=1'
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
                f" LEFT JOIN LATERAL jsonb_array_elements_text({pg_array(src, bool(j.value))}) "
                f'AS {a}("value") ON 1=1'
            )
        return SqlFragment(f" LEFT JOIN json_each({sqlite_array(src)}) AS {a} ON 1=1")
    if j.kind == o.BODY_EACH:
        items = json.dumps(list(j.value), separators=(",", ":"), default=str)
        if pg:
            return cat(
                " LEFT JOIN LATERAL jsonb_array_elements_text(CAST(",
                param(items),
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
