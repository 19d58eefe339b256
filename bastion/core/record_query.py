"""Read records: one by id, a filtered/sorted page, and a count — rules compiled into the WHERE
(the statements around the conditions are the store's: store/row_select.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bastion import rules
from bastion.core.collection_model import Collection
from bastion.core.record_model import Record, row_to_record, select_columns
from bastion.core.schema_registry import SchemaRegistry
from bastion.store import auth_version
from bastion.store.database import Executor
from bastion.store.ddl import quote
from bastion.store.row_select import Condition as Condition  # re-exported: rules' SQL in core's terms
from bastion.store.row_select import column_holds, count_sql, count_where, id_in, id_is, select_rows

ALIAS = "__r"


ALWAYS = Condition("", [])  # no restriction (an empty condition is left out of the WHERE)
NEVER = Condition("1 = 0", [])


def compile_condition(
    expr: str,
    collection: Collection,
    registry: SchemaRegistry,
    request: rules.RequestInfo,
    dialect: str,
    *,
    allow_hidden: bool,
) -> Condition:
    tree = rules.parse(expr)
    if rules.is_request_only(tree):
        # Decided in memory: no SQL to build or run, and an unconditional rule drops out of the WHERE.
        ok = _decide(expr, tree, collection, registry, request, allow_hidden)
        return ALWAYS if ok else NEVER
    values = _request_values(tree, request, strict=True) if len(expr) <= _MEMO_EXPR_LIMIT else None
    # `@request.auth.<field>` compiles to a join on the caller's record: the key names the caller
    auth = request.auth
    caller = (auth.get("collectionId"), auth.get("id")) if auth is not None else None
    key = ("compiled", expr, collection.id, allow_hidden, dialect, caller, values)
    memoized = registry.memo.get(key) if values is not None else None
    found = memoized if isinstance(memoized, Condition) else None
    if found is None:
        frag = rules.compile_filter(
            tree, collection, registry, request, dialect=dialect, table_alias=ALIAS, allow_hidden=allow_hidden
        )
        found = Condition(frag.sql, list(frag.params))
        if values is not None:
            # The SQL and its parameters follow from the rule, the schema and the request values
            # it reads, nothing else: the same user's next request reuses them (compiling was a
            # fifth of a record view). The memo lives on the registry: any schema change forgets it.
            registry.remember(key, found, derived_from=collection)
    return Condition(found.sql, list(found.params))


_MEMO_VALUE_LIMIT = 200
_MEMO_EXPR_LIMIT = 1000  # longer filters (rare, and user-made) are compiled every time
_MISSING = object()


def _decide(
    expr: str,
    tree: rules.Expr,
    collection: Collection,
    registry: SchemaRegistry,
    request: rules.RequestInfo,
    allow_hidden: bool,
) -> bool:
    """A request-only rule's answer, remembered per distinct request values it reads (the same
    user asking again gets the answer without re-evaluating); the memo lives on the registry,
    so any schema change forgets it."""
    values = _request_values(tree, request)
    if values is None:  # reads the clock (@now …) or a long value: decide every time
        return rules.evaluate(tree, {}, collection, registry, request, allow_hidden=allow_hidden)
    key = ("request-only", expr, collection.id, allow_hidden, values)
    found = registry.memo.get(key)
    if found is None:
        found = rules.evaluate(tree, {}, collection, registry, request, allow_hidden=allow_hidden)
        registry.remember(key, found, derived_from=collection)
    return bool(found)


def _request_values(
    tree: rules.Expr, request: rules.RequestInfo, *, strict: bool = False
) -> tuple[str, ...] | None:
    """repr() of every `@request.*` value the rule reads (a missing key differs from null);
    None when the answer must not be remembered. `strict` (for compiled SQL): also None for a
    path through a relation or JSON value, on either side (`author.name`,
    `@request.auth.someRelation.field`): its SQL applies the related collection's rules, which
    may read request values this rule does not name."""
    data = request.static_data()
    out = []
    for cmp_ in rules.iter_comparisons(tree):
        for side in (cmp_.left, cmp_.right):
            for tok in rules.iter_tokens(side):
                if tok.type != "identifier":
                    continue
                if not tok.literal.startswith("@"):
                    if strict and "." in tok.literal:
                        return None  # a relation (or JSON) path: its SQL brings in other rules
                    continue
                if not tok.literal.startswith("@request."):
                    return None
                value: Any = data
                for part in tok.literal.partition(":")[0].split(".")[1:]:
                    if not isinstance(value, dict):
                        if strict:
                            return None
                        value = _MISSING
                        break
                    value = value.get(part, _MISSING)
                text = "<missing>" if value is _MISSING else repr(value)
                if len(text) > _MEMO_VALUE_LIMIT:  # a long body value: not worth a memo entry
                    return None
                out.append(f"{tok.literal}={text}")
    return tuple(out)


async def find_by_id(
    db: Executor,
    collection: Collection,
    record_id: str,
    conditions: Sequence[Condition] = (),
    *,
    lock: bool = False,
) -> Record | None:
    """`lock`: the caller writes the record back from what it read (a read-modify-write in `db`,
    a transaction): see `_select`."""
    rows = await _select(db, collection, [id_is(ALIAS, record_id), *conditions], limit=1, lock=lock)
    return rows[0] if rows else None


async def find_by_ids(
    db: Executor, collection: Collection, ids: Sequence[str], conditions: Sequence[Condition] = ()
) -> list[Record]:
    if not ids:
        return []
    return await _select(db, collection, [id_in(ALIAS, ids), *conditions])


async def find_page(
    db: Executor,
    collection: Collection,
    conditions: Sequence[Condition],
    order_by: str,
    order_params: Sequence[Any],
    limit: int,
    offset: int,
) -> list[Record]:
    # a view has no row-order column: ties come out as its query gives them
    return await _select(
        db,
        collection,
        conditions,
        order_by=order_by,
        order_params=order_params,
        break_ties=not collection.is_view,
        limit=limit,
        offset=offset,
    )


async def count(db: Executor, collection: Collection, conditions: Sequence[Condition]) -> int:
    return await count_where(db, collection.name, ALIAS, conditions)


TOTAL_COLUMN = "__bastion_total"


async def find_page_and_count(
    db: Executor,
    collection: Collection,
    conditions: Sequence[Condition],
    order_by: str,
    order_params: Sequence[Any],
    limit: int,
    offset: int,
) -> tuple[list[Record], int]:
    """A page (as `find_page`) and how many records meet `conditions` in all.

    Where each statement is a round trip (PostgreSQL), the count rides in the page's statement
    as a scalar subquery (run once; its `__r` is its own), so both come from one snapshot and one
    round trip: an empty page past the first still asks for the count alone. SQLite keeps
    counts between commits (store/read_cache.py), so there it stays a statement of its own."""
    if db.sql.runs_inline:
        page = await find_page(db, collection, conditions, order_by, order_params, limit, offset)
        return page, await count(db, collection, conditions)
    counting, count_params = count_sql(collection.name, ALIAS, conditions)
    rows = await select_rows(
        db,
        collection.name,
        f"{select_columns(collection, ALIAS)}, ({counting}) AS {quote(TOTAL_COLUMN)}",
        ALIAS,
        conditions,
        column_params=count_params,
        order_by=order_by,
        order_params=order_params,
        break_ties=not collection.is_view,
        limit=limit,
        offset=offset,
    )
    if not rows:
        return [], (await count(db, collection, conditions) if offset else 0)
    return [row_to_record(collection, r, db.dialect) for r in rows], int(rows[0][TOTAL_COLUMN])


async def find_where(
    db: Executor,
    collection: Collection,
    column: str,
    value: Any,
    multiple: bool = False,
    limit: int | None = None,
    *,
    lock: bool = False,
) -> list[Record]:
    """Records whose `column` equals `value` (or, for JSON array columns, contains it); `lock`:
    see `_select`."""
    cond = column_holds(db, ALIAS, column, value, json_array=multiple)
    return await _select(db, collection, [cond], limit=limit or None, lock=lock)


async def find_all(db: Executor, collection: Collection) -> list[Record]:
    return await _select(db, collection)


async def _select(
    db: Executor,
    collection: Collection,
    conditions: Sequence[Condition] = (),
    *,
    lock: bool = False,
    **options: Any,
) -> list[Record]:
    """`lock`: on PostgreSQL, the rows read are locked (`FOR UPDATE`) until `db`'s transaction
    ends, so that a concurrent read-modify-write of them waits for this one to commit and then
    reads what it wrote (READ COMMITTED: without it, both read the old row and the second write
    undoes the first's). SQLite needs none: a write transaction holds the whole database from
    BEGIN IMMEDIATE. A view's rows cannot be locked (nor written)."""
    lock = lock and db.dialect == "postgres" and not collection.is_view
    if lock and collection.is_auth:
        # every write to an auth record takes the counter's lock first (store/auth_version.py):
        # taken before the record's, so two transactions never hold them in opposite orders
        await auth_version.lock_counter(db)
    rows = await select_rows(
        db, collection.name, select_columns(collection, ALIAS), ALIAS, conditions, lock=lock, **options
    )
    return [row_to_record(collection, r, db.dialect) for r in rows]
