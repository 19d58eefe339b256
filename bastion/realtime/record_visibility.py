"""Can one realtime subscriber see one record? The collection rule plus the subscription's filter.

Rules that only read the record itself and `@request.*` are checked in memory. Rules that reach
into relations or `@collection` use the same SQL as the REST API, but evaluated against the
event's own values (a one-row derived table standing in for the collection table) rather than
the current row: fan-out runs after later writes may already have changed or deleted the row,
and the subscriber must be judged on exactly the version they would receive.
"""

from __future__ import annotations

import re
from typing import Any

from bastion import rules
from bastion.core.collection_model import Collection
from bastion.core.record_access import Access
from bastion.core.record_model import Record, record_to_params
from bastion.core.record_query import ALIAS, compile_condition
from bastion.store.ddl import quote

# "DOUBLE PRECISION DEFAULT 0 NOT NULL" -> "DOUBLE PRECISION"
_TYPE_END = re.compile(
    r"\s+(DEFAULT|NOT|NULL|PRIMARY|UNIQUE|CHECK|REFERENCES|COLLATE)\b.*$", re.IGNORECASE | re.S
)


async def can_see(app: Any, record: Record, access: Access, rule_name: str) -> bool:
    collection = record.collection
    exprs: list[tuple[str, bool]] = []  # (expression, allow_hidden)
    if not access.is_superuser:
        rule = collection.rules.get(rule_name)
        if rule is None:
            return False
        if rule:
            exprs.append((rule, True))
    flt = access.query.get("filter") or ""
    if flt:
        if not access.is_superuser and rules.superuser_only_field(flt):
            return False
        exprs.append((flt, False))
    if not exprs:
        return True
    request = access.request_info()
    try:
        predicates = [
            rules.RecordPredicate(e, collection, app.registry, request, allow_hidden=hidden)
            for e, hidden in exprs
        ]
        if not any(p.needs_data for p in predicates):
            row = {**record.data, "id": record.id}
            return all(p.matches(row) for p in predicates)
        db = app.db
        conditions = [
            compile_condition(e, collection, app.registry, request, db.dialect, allow_hidden=hidden)
            for e, hidden in exprs
        ]
    except (rules.RuleSyntaxError, rules.RuleResolveError):
        return False  # an unusable filter matches nothing, as in PocketBase
    source, params = _row_source(collection, record, db.dialect)
    where = " AND ".join(f"({c.sql})" for c in conditions if c.sql) or "1=1"
    for c in conditions:
        params.extend(c.params)
    sql = f"SELECT 1 FROM ({source}) AS {quote(ALIAS)} WHERE {where} LIMIT 1"
    return await db.fetch_one(sql, params) is not None


def _row_source(collection: Collection, record: Record, dialect: str) -> tuple[str, list[Any]]:
    """`SELECT ? AS "col", …` holding the record's stored values, typed like the real table."""
    values = record_to_params(collection, record.data, dialect)
    parts = []
    for f in collection.fields:
        mark = "?"
        if dialect == "postgres":  # parameters need the column's type to compare as the table does
            mark = f"CAST(? AS {_TYPE_END.sub('', f.column_sql(dialect))})"
        parts.append(f"{mark} AS {quote(f.name)}")
    return "SELECT " + ", ".join(parts), [values[f.name] for f in collection.fields]
