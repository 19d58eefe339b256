"""/api/collections/{collection}/records — list, view, create, update, delete."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bastion import rules
from bastion.api.answer_cache import AnswerCache
from bastion.api.context import JSONResponse, get_app, load_access, picked, read_body
from bastion.app import App
from bastion.bus.events import Action
from bastion.core.collection_model import Collection
from bastion.core.list_result import first_value, list_result, parse_list_query
from bastion.core.record_access import SUPERUSER_ONLY, Access, access_rule, required_condition
from bastion.core.record_email_visibility import managed_records
from bastion.core.record_expand import expand_records
from bastion.core.record_export import export_record
from bastion.core.record_model import Record
from bastion.core.record_passwords import PasswordCrypto, prepare_crypto
from bastion.core.record_query import ALIAS, Condition, compile_condition, find_page, find_page_and_count
from bastion.core.record_search import RecordSearch, record_search, split_rank
from bastion.errors import ApiError, BadRequestError, ForbiddenError, NotFoundError, PreconditionFailedError
from bastion.http.conditional import etag_for, if_match_satisfied
from bastion.store.database import Executor

INVALID_FILTER = "Something went wrong while processing your request."


def collection_or_404(app: App, name_or_id: str, message: str = "Missing collection context.") -> Collection:
    collection = app.registry.find_collection(name_or_id)
    if collection is None:
        raise NotFoundError(message)
    return collection


WRITE_CONTEXT = "Missing or invalid collection context."


def _check_superuser_only_params(access: Access) -> None:
    """Non-superusers may not filter or sort by @collection.* or @request.* (as in PocketBase)."""
    if access.is_superuser:
        return
    for param in ("filter", "sort"):
        field = rules.superuser_only_field(access.query.get(param) or "")
        if field:
            raise ForbiddenError(f"Only superusers can filter by {field}")


async def render_records(
    app: App, db: Executor, records: list[Record], access: Access, query: dict[str, Any]
) -> list[dict[str, Any]]:
    expand = query.get("expand") or ""
    if expand:
        await expand_records(db, app.registry, records, expand, access)
    # a caller passing an auth collection's manageRule sees its records' email, as in PocketBase
    managed = await managed_records(db, app.registry, records, access)
    return [export_record(r, access, managed=managed) for r in records]


async def list_records(request: Request) -> Response:
    app = get_app(request)
    collection = collection_or_404(app, request.path_params["collection"])
    access = await load_access(request)
    return await _answer(
        request, app, collection, access, "list", None, lambda: list_page(app, collection, access)
    )


async def list_page(app: App, collection: Collection, access: Access) -> dict[str, Any]:
    """A page of records as the list route answers it, for `access` (its query: filter, sort,
    page, perPage, skipTotal, search, expand, fields); the gRPC List calls it too."""
    list_rule = collection.rule("listRule")
    if access_rule(list_rule, access).refused:  # before anything else is read, as PocketBase
        raise ForbiddenError(SUPERUSER_ONLY)
    _check_superuser_only_params(access)
    q = parse_list_query(access.query)
    db = app.db
    conditions: list[Condition] = []
    search_text = first_value(access.query, "search")
    search = record_search(collection, search_text, db.dialect, ALIAS) if search_text else None
    if search is not None:
        conditions.append(search.condition())
    try:
        cond = required_condition(collection, list_rule, access, app.registry, db.dialect)
        if cond.sql:
            conditions.append(cond)
        if q.filter:
            conditions.append(
                compile_condition(
                    q.filter,
                    collection,
                    app.registry,
                    access.request_info(),
                    db.dialect,
                    allow_hidden=access.is_superuser,
                )
            )
        order_by, order_params = _order(app, collection, access, q.sort, search, conditions)
    except (rules.RuleSyntaxError, rules.RuleResolveError):
        raise BadRequestError(INVALID_FILTER) from None
    offset = (q.page - 1) * q.per_page
    page = (db, collection, conditions, order_by, order_params, q.per_page, offset)
    items, total = (await find_page(*page), -1) if q.skip_total else await find_page_and_count(*page)
    rendered = await render_records(app, db, items, access, access.query)
    result = list_result(q.page, q.per_page, total, rendered, q.skip_total)
    return picked(result, access.query)


def _order(
    app: App,
    collection: Collection,
    access: Access,
    sort: str,
    search: RecordSearch | None,
    conditions: list[Condition],
) -> tuple[str, list[Any]]:
    """ORDER BY text and values for `sort`, whose `@rank` entries (with `search=`) order by
    relevance; a relation sort adds its condition to `conditions`."""
    parts: list[str] = []
    params: list[Any] = []
    for piece in split_rank(sort) if sort else []:
        if isinstance(piece, bool):
            if search is None:
                raise BadRequestError("Sorting by @rank needs a search.")
            sql, values = search.rank(best_first=piece)
            parts.append(sql)
            params.extend(values)
            continue
        order = rules.compile_sort(
            piece,
            collection,
            app.registry,
            access.request_info(),
            dialect=app.db.dialect,
            table_alias=ALIAS,
            allow_hidden=access.is_superuser,
        )
        if order.order_by:
            parts.append(order.order_by)
            params.extend(order.params)
        if order.where is not None:
            # a relation sort shows only records whose related rows the caller may list
            conditions.append(Condition(order.where.sql, list(order.where.params)))
    return ", ".join(parts), params


async def view_record(request: Request) -> Response:
    app = get_app(request)
    collection = collection_or_404(app, request.path_params["collection"])
    access = await load_access(request)
    record_id = request.path_params["id"]
    return await _answer(
        request,
        app,
        collection,
        access,
        "view",
        record_id,
        lambda: view_one(app, collection, record_id, access),
    )


async def _answer(
    request: Request,
    app: App,
    collection: Collection,
    access: Access,
    kind: str,
    record_id: str | None,
    compute: Callable[[], Awaitable[dict[str, Any]]],
) -> Response:
    """A read's JSON answer, from api/answer_cache.py while the database has not changed."""
    version = app.db.read_version()  # before the answer is read, as store/read_cache.py requires
    answers: AnswerCache = request.app.state.answers
    query = request.scope.get("query_string", b"")
    key = None if version is None else answers.key(app, collection, access, kind, record_id, query)
    if key is None or version is None:  # PostgreSQL, or a read that must be computed
        return JSONResponse(await compute())
    kept = answers.recall(key, version)
    if kept is not None:
        return kept
    response = JSONResponse(await compute())
    answers.keep(key, version, response)
    return response


async def view_one(app: App, collection: Collection, record_id: str, access: Access) -> dict[str, Any]:
    record = await app.records.view(app.db, collection, record_id, access)
    [data] = await render_records(app, app.db, [record], access, access.query)
    return picked(data, access.query)


async def create_in_tx(
    app: App,
    tx: Executor,
    collection: Collection,
    body: dict[str, Any],
    access: Access,
    crypto: PasswordCrypto | None = None,
) -> dict[str, Any]:
    record = await app.records.create(tx, collection, body, access, crypto=crypto)
    [data] = await render_records(app, tx, [record], access, access.query)
    return picked(data, access.query)


async def update_in_tx(
    app: App,
    tx: Executor,
    collection: Collection,
    record_id: str,
    body: dict[str, Any],
    access: Access,
    if_match: str | None = None,
    crypto: PasswordCrypto | None = None,
) -> dict[str, Any]:
    if if_match is not None:
        await _check_if_match(app, tx, collection, record_id, access, if_match)
    _, record = await app.records.update(tx, collection, record_id, body, access, crypto=crypto)
    [data] = await render_records(app, tx, [record], access, access.query)
    return picked(data, access.query)


async def delete_in_tx(
    app: App,
    tx: Executor,
    collection: Collection,
    record_id: str,
    access: Access,
    if_match: str | None = None,
) -> None:
    if if_match is not None:
        await _check_if_match(app, tx, collection, record_id, access, if_match)
    await app.records.delete(tx, collection, record_id, access)


async def _check_if_match(
    app: App, tx: Executor, collection: Collection, record_id: str, access: Access, if_match: str
) -> None:
    """Optimistic concurrency: the ETag the client saw must still be the record's current one."""
    plain = Access(access.auth, "GET", {}, access.headers, {}, access.context)
    try:
        current = await app.records.view(tx, collection, record_id, plain)
    except ApiError:
        if if_match.strip() == "*":
            raise PreconditionFailedError() from None
        raise
    managed = await managed_records(tx, app.registry, [current], plain)
    body = JSONResponse(export_record(current, plain, managed=managed)).body
    if not if_match_satisfied(if_match, etag_for(bytes(body))):
        raise PreconditionFailedError()


async def request_hooks(
    app: App,
    action: Action,
    collection: Collection,
    body: dict[str, Any],
    access: Access,
    record_id: str | None = None,
) -> None:
    """The hook files' `on_record_*_request` hooks (bastion/hooks/), before anything is read or
    written; what they leave in `body` is what the rules and the write see."""
    if app.request_hooks is not None:
        await app.request_hooks.run(action, collection, body, access, record_id)
        access.body = body


async def create_record(request: Request) -> Response:
    app = get_app(request)
    collection = collection_or_404(app, request.path_params["collection"], WRITE_CONTEXT)
    body = await read_body(request)
    access = await load_access(request, body)
    return JSONResponse(await create_one(app, collection, body, access))


async def create_one(
    app: App, collection: Collection, body: dict[str, Any], access: Access
) -> dict[str, Any]:
    """The create route's work after the request is read (the gRPC Create calls it too)."""
    await request_hooks(app, "create", collection, body, access)
    # password hashing and checking before the transaction, not inside it (core/record_passwords.py)
    crypto = await prepare_crypto(app.records, app.db, collection, body, access)
    async with app.transaction() as tx:
        return await create_in_tx(app, tx, collection, body, access, crypto)


async def update_record(request: Request) -> Response:
    app = get_app(request)
    collection = collection_or_404(app, request.path_params["collection"], WRITE_CONTEXT)
    body = await read_body(request)
    access = await load_access(request, body)
    record_id = request.path_params["id"]
    if_match = request.headers.get("if-match")
    return JSONResponse(await update_one(app, collection, record_id, body, access, if_match))


async def update_one(
    app: App,
    collection: Collection,
    record_id: str,
    body: dict[str, Any],
    access: Access,
    if_match: str | None = None,
) -> dict[str, Any]:
    await request_hooks(app, "update", collection, body, access, record_id)
    crypto = await prepare_crypto(app.records, app.db, collection, body, access, record_id)
    async with app.transaction() as tx:
        return await update_in_tx(app, tx, collection, record_id, body, access, if_match, crypto)


async def delete_record(request: Request) -> Response:
    app = get_app(request)
    collection = collection_or_404(app, request.path_params["collection"])
    access = await load_access(request)
    await delete_one(app, collection, request.path_params["id"], access, request.headers.get("if-match"))
    return Response(status_code=204)


async def delete_one(
    app: App, collection: Collection, record_id: str, access: Access, if_match: str | None = None
) -> None:
    await request_hooks(app, "delete", collection, {}, access, record_id)
    async with app.transaction() as tx:
        await delete_in_tx(app, tx, collection, record_id, access, if_match)
