"""Can one realtime subscriber see one record? The collection rule plus the subscription's filter.

The rule is decided as for REST (`record_access`: superuser, `null`, `""` or the rule for this
caller). Rules that only read the record itself and `@request.*` are checked in memory. Rules that reach
into relations or `@collection` use the same SQL as the REST API, but evaluated against the
event's own values (a one-row CTE standing in for the collection table) rather than
the current row: fan-out runs after later writes may already have changed or deleted the row,
and the subscriber must be judged on exactly the version they would receive.
"""

from __future__ import annotations

from bastion import rules
from bastion.core.app_protocol import App
from bastion.core.record_access import Access, access_condition, access_rule
from bastion.core.record_model import Record, record_to_params
from bastion.core.record_query import ALIAS, compile_condition
from bastion.store.errors import InvalidValueError
from bastion.store.row_select import row_meets


async def can_see(app: App, record: Record, access: Access, rule_name: str) -> bool:
    collection = record.collection
    rule = collection.rule(rule_name)
    decided = access_rule(rule, access)
    if decided.refused:
        return False
    exprs: list[tuple[str, bool]] = []  # (expression, allow_hidden)
    if decided.rule:
        exprs.append((decided.rule, True))
    flt = access.query.get("filter") or ""
    if flt:
        if not access.is_superuser and rules.superuser_only_field(flt):
            return False
        # PocketBase resolves a subscription filter without hidden fields, superusers included
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
        conditions = [access_condition(collection, rule, access, app.registry, db.dialect)]
        if flt:
            conditions.append(
                compile_condition(flt, collection, app.registry, request, db.dialect, allow_hidden=False)
            )
    except (rules.RuleSyntaxError, rules.RuleResolveError):
        return False  # an unusable filter matches nothing, as in PocketBase
    values = record_to_params(collection, record.data, db.dialect)
    columns = [(f.name, f.column_sql(db.dialect)) for f in collection.fields]
    try:
        return await row_meets(
            db,
            columns,
            [values[name] for name, _ in columns],
            ALIAS,
            [c for c in conditions if c is not None],
        )
    except InvalidValueError:
        return False  # the database refused this filter's SQL (too complex, a value it rejects)
