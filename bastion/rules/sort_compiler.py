"""The `sort` query parameter -> ORDER BY text: `-created,+title,@random,author.name`.

Plain columns sort directly; paths through relations become a correlated scalar subquery, so
the list query needs no JOIN. When a path reaches several rows, PocketBase's `SELECT DISTINCT …
LEFT JOIN … ORDER BY` sorts each record by the first joined row its SQLite plan produces, in both
directions (checked against the binary): a multi relation's elements come in array order
(`tags.name` sorts `[python, JS]` by "python"), a back-relation's rows through SQLite's automatic
index, that is by the sorted value itself (`comments_via_post.text` sorts "great", "Nice one" by
"Nice one", descending too). The subquery takes that same row. PostgreSQL sorts text with the "C"
collation and puts NULLs first on ASC, as SQLite does.

A client sorts only by related rows it may list, exactly as PocketBase's joined query does it:
each joined collection's listRule guards the joined rows (`id = '' || (listRule)`, where a missing
row passes), the sort value is taken over the rows that pass, and a record none of whose joined
rows pass is left out of the list (and of its count). `SortPlan.where` carries that condition.
Without it, ordering by a related record's hidden field leaks that field one comparison at a time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bastion.rules import operand as o
from bastion.rules.errors import RuleResolveError
from bastion.rules.field_resolver import Resolver
from bastion.rules.filter_ast import IDENTIFIER, Token
from bastion.rules.request_info import RequestInfo
from bastion.rules.schema import CollectionInfo, SchemaLookup
from bastion.rules.sql_compiler import SqlCompiler
from bastion.rules.sql_fragment import SqlFragment, cat, quote
from bastion.rules.sql_joins import row_order
from bastion.rules.sql_values import DYN, TEXT, pg_num, pg_tag, pg_text
from bastion.store.ddl import ROW_ORDER_COLUMN as ROWID_COLUMN

MAX_SORT_EXPRESSIONS = 8
MAX_SORT_FIELD_LENGTH = 255


@dataclass
class SortPlan:
    order_by: str  # "" when nothing to sort by
    params: list[Any] = field(default_factory=list)
    # rows a relation sort may show (see the module docstring); None when every row may
    where: SqlFragment | None = None


def _never_null(ref: o.FieldRef, comp: SqlCompiler) -> bool:
    """A number or bool column of the record itself: its table declares it NOT NULL.

    Such a sort needs no NULLS clause on PostgreSQL, and without one `-views` is exactly the
    backward order of an index on `views`, which the planner then reads 20 rows of instead of
    sorting every matching row (tests/api/test_list_query_plans.py). A view's columns, a related
    record's (a missing row is NULL) and JSON paths may be NULL and keep it.
    """
    return (
        not comp.joins
        and not ref.joins
        and not ref.modifier
        and ref.json_path is None
        and not ref.multi
        and ref.cls in (o.NUM, o.BOOL)
    )


def parse_sort(sort: str) -> list[tuple[str, str]]:
    """`-a,+b,c` -> [(name, direction)]; entries are trimmed and an empty one is kept (its name
    is "", which resolves to nothing: PocketBase answers `sort=title,,` with a 400)."""
    out: list[tuple[str, str]] = []
    for raw in sort.split(","):
        item = raw.strip()
        if item.startswith("-"):
            out.append((item[1:], "DESC"))
        else:
            out.append((item.removeprefix("+"), "ASC"))
    return out


def compile_sort(
    sort: str,
    collection: CollectionInfo,
    schema: SchemaLookup,
    request: RequestInfo | None,
    *,
    dialect: str,
    table_alias: str,
    allow_hidden: bool,
) -> SortPlan:
    items = parse_sort(sort)
    if len(items) > MAX_SORT_EXPRESSIONS:
        raise RuleResolveError("max sort expressions limit reached")
    pg = dialect == "postgres"
    resolver = Resolver(collection, schema, request, allow_hidden=allow_hidden)
    parts: list[SqlFragment] = []
    visible: list[SqlFragment] = []
    for name, direction in items:
        if len(name) > MAX_SORT_FIELD_LENGTH:
            raise RuleResolveError("max sort field length limit reached")
        if name == "@random":
            parts.append(SqlFragment("random()" if pg else "RANDOM()"))
            continue
        if name == "@rowid":
            col = ROWID_COLUMN[dialect]
            parts.append(SqlFragment(f"{quote(table_alias)}.{quote(col)} {direction}"))
            continue
        try:
            ref = resolver.resolve(Token(IDENTIFIER, name))
        except RuleResolveError as exc:
            raise RuleResolveError(f"invalid sort field {name!r}") from exc
        if not isinstance(ref, o.FieldRef):
            raise RuleResolveError(f"invalid sort field {name!r}")
        comp = SqlCompiler(resolver, dialect, table_alias, namespace="s")
        val = comp.value(ref)
        if pg and val.cls == DYN:
            # SQLite orders json_extract() results NULL < numbers < text; rebuild that order
            keys = [
                cat("(CASE ", pg_tag(val), " WHEN 'num' THEN 1 WHEN 'text' THEN 2 ELSE 0 END)"),
                pg_num(val),
                cat(pg_text(val), ' COLLATE "C"'),
            ]
        elif pg and val.cls == TEXT:
            keys = [cat(val.frag, ' COLLATE "C"')]
        else:
            keys = [val.frag]
        if comp.joins:
            joins = list(comp.joins.values())
            source = cat(' FROM (SELECT 1) AS "__b"', comp._render_chain(joins, comp.aliases))
            guards = [g for n, j in enumerate(joins) if (g := comp.list_rule_guard(j, n)) is not None]
            where = cat(" WHERE ", *_joined(guards, " AND ")) if guards else SqlFragment("")
            first = _first_row(joins, comp.aliases, resolver, dialect, keys)
            keys = [cat("(SELECT ", k, source, where, first, ")") for k in keys]
            if guards:
                visible.append(cat("EXISTS (SELECT 1", source, where, ")"))
        nulls = ""
        if pg and not (collection.type != "view" and _never_null(ref, comp)):
            nulls = " NULLS FIRST" if direction == "ASC" else " NULLS LAST"
        parts.extend(cat(k, f" {direction}{nulls}") for k in keys)
    joined = cat(*_joined(parts, ", "))
    return SortPlan(joined.sql, joined.params, cat(*_joined(visible, " AND ")) if visible else None)


def _first_row(
    joins: list[o.Join], aliases: dict[str, str], resolver: Resolver, dialect: str, value: list[SqlFragment]
) -> SqlFragment:
    """` ORDER BY … LIMIT 1`: the joined row PocketBase's query sorts a record by (see above)."""
    keys: list[str | SqlFragment] = []
    for j in joins:
        if j.kind in (o.BACK, o.BACK_MULTI):
            nulls = " NULLS FIRST" if dialect == "postgres" else ""
            keys += [cat(k, nulls) for k in value]
            continue
        related = resolver.load(j.table) if j.table else None
        rows = ROWID_COLUMN[dialect] if related is not None and related.type != "view" else None
        key = row_order(j, aliases[j.key], rows)
        if key is not None:
            keys.append(key)
    order = cat(" ORDER BY ", *_joined(keys, ", ")) if keys else SqlFragment("")
    return cat(order, " LIMIT 1")


def _joined(parts: list[SqlFragment] | list[str | SqlFragment], sep: str) -> list[str | SqlFragment]:
    return [p for i, part in enumerate(parts) for p in ((sep, part) if i else (part,))]
