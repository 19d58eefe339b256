"""Reading `_logs`: a filtered, sorted page, one row by id, and hourly counts.

Filters and sorts use the records' filter language over a stand-in collection whose fields are
the log's columns, with PocketBase's whitelist for logs: `id`, `created`, `level`, `message`,
`data` and JSON paths under it (`data.status`, `data.auth`, ...), plus the `@now`-style macros
and `@rowid` / `@random` in sorts. Anything else (`@request.*`, `@collection.*`, unknown names)
is refused as an invalid filter.

Rows come out as PocketBase's Log model: keys `id, created, data, message, level`, with `data`'s
keys in sorted order at every depth (a Go map), whatever order the database keeps them in.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from bastion import rules
from bastion.core.collection_model import Collection
from bastion.core.fields import field_from_dict
from bastion.core.list_result import ListQuery, list_result
from bastion.rules.filter_ast import IDENTIFIER, iter_comparisons, iter_tokens
from bastion.rules.filter_macros import is_macro
from bastion.store.database import Executor

ALIAS = "__l"
_COLUMNS = f'"{ALIAS}"."id", "{ALIAS}"."level", "{ALIAS}"."message", "{ALIAS}"."data", "{ALIAS}"."created"'
_FIELDS = ("id", "created", "level", "message", "data")
_DATA_PATH = re.compile(r"^data\.[\w.:]*\w+$")
_LITERALS = ("null", "true", "false")
_SORT_SPECIALS = ("@rowid", "@random")

LOGS = Collection(
    id="_logs",
    name="_logs",
    system=True,
    fields=[
        field_from_dict({"name": "id", "type": "text", "primaryKey": True, "system": True}),
        field_from_dict({"name": "created", "type": "date"}),
        field_from_dict({"name": "level", "type": "number"}),
        field_from_dict({"name": "message", "type": "text"}),
        field_from_dict({"name": "data", "type": "json"}),
    ],
)


class _NoCollections:
    """`@collection.*` never reaches the compiler (refused first); nothing to look up."""

    def find_collection(self, name_or_id: str) -> None:
        return None


_SCHEMA = _NoCollections()
_decoder = msgspec.json.Decoder()


def _allowed(name: str) -> bool:
    return name in _FIELDS or name in _LITERALS or bool(_DATA_PATH.match(name)) or is_macro(name)


def check_filter(text: str) -> rules.Expr:
    """Parse a logs filter and refuse names outside the logs whitelist (RuleResolveError)."""
    tree = rules.parse(text)
    for comparison in iter_comparisons(tree):
        for side in (comparison.left, comparison.right):
            for token in iter_tokens(side):
                if token.type == IDENTIFIER and not _allowed(token.literal):
                    raise rules.RuleResolveError(f"invalid filter field {token.literal!r}")
    return tree


def compile_where(text: str, dialect: str) -> tuple[str, list[Any]]:
    if not text:
        return "", []
    frag = rules.compile_filter(
        check_filter(text), LOGS, _SCHEMA, None, dialect=dialect, table_alias=ALIAS, allow_hidden=True
    )
    return f" WHERE {frag.sql}", list(frag.params)


def compile_order(sort: str, dialect: str) -> tuple[str, list[Any]]:
    if not sort:
        return "", []
    for item in sort.split(","):
        name = item.strip().lstrip("-+")
        if name not in _SORT_SPECIALS and (not _allowed(name) or name in _LITERALS):
            raise rules.RuleResolveError(f"invalid sort field {name!r}")
    plan = rules.compile_sort(
        sort, LOGS, _SCHEMA, None, dialect=dialect, table_alias=ALIAS, allow_hidden=True
    )
    return plan.order_by, list(plan.params)


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def log_json(row: dict[str, Any]) -> dict[str, Any]:
    data = row["data"]
    if isinstance(data, str | bytes):
        data = _decoder.decode(data) if data else {}
    return {
        "id": row["id"],
        "created": row["created"],
        "data": _sorted(data),
        "message": row["message"],
        "level": int(row["level"]),
    }


async def find_page(db: Executor, query: ListQuery) -> dict[str, Any]:
    where, params = compile_where(query.filter, db.dialect)
    order_by, order_params = compile_order(query.sort, db.dialect)
    if db.sql.tiebreak_column:
        # SQLite orders ties (and unsorted pages) by rowid; give PostgreSQL the same order.
        tiebreak = f'"{ALIAS}"."{db.sql.tiebreak_column}"'
        order_by = f"{order_by}, {tiebreak}" if order_by else tiebreak
    sql = f'SELECT {_COLUMNS} FROM "_logs" AS "{ALIAS}"{where}'
    if order_by:
        sql += f" ORDER BY {order_by}"
    rows = await db.fetch_all(
        sql + " LIMIT ? OFFSET ?", [*params, *order_params, query.per_page, query.offset]
    )
    total = 0
    if not query.skip_total:
        total = int(await db.fetch_val(f'SELECT COUNT(*) AS n FROM "_logs" AS "{ALIAS}"{where}', params) or 0)
    items = [log_json(r) for r in rows]
    return list_result(query.page, query.per_page, total, items, query.skip_total)


async def find_by_id(db: Executor, log_id: str) -> dict[str, Any] | None:
    row = await db.fetch_one(
        f'SELECT {_COLUMNS} FROM "_logs" AS "{ALIAS}" WHERE "{ALIAS}"."id" = ?', (log_id,)
    )
    return None if row is None else log_json(row)


async def hourly_stats(db: Executor, filter_text: str) -> list[dict[str, Any]]:
    """`[{date, total}]` per hour that has rows matching the filter, oldest first; dates in
    PocketBase's layout. A filter that does not compile raises the rules' error before any query."""
    where, params = compile_where(filter_text, db.dialect)
    hour = f'substr("{ALIAS}"."created", 1, 13) || \':00:00.000Z\''
    sql = (
        f'SELECT {hour} AS "date", COUNT("{ALIAS}"."id") AS "total" FROM "_logs" AS "{ALIAS}"{where}'
        f" GROUP BY 1 ORDER BY 1"
    )
    return [{"date": r["date"], "total": int(r["total"])} for r in await db.fetch_all(sql, params)]
