"""/api/collections — superusers only: list, view, create, update, delete, truncate, import, scaffolds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from bastion import rules
from bastion.api.context import JSONResponse, get_app, load_access, picked, read_body
from bastion.api.records import collection_or_404
from bastion.core import collection_scaffolds
from bastion.core.collection_import_errors import import_load_failure, import_validation_failure
from bastion.core.collection_model import Collection
from bastion.core.fields import field_from_dict
from bastion.core.ids import collection_id_for
from bastion.core.list_result import list_result, parse_list_query
from bastion.core.record_access import Access
from bastion.core.schema_registry import SchemaRegistry
from bastion.errors import BadRequestError, ForbiddenError, UnauthorizedError, ValidationError, field_error

NOT_FOUND = "The requested resource wasn't found."


def _sort_key(name: str) -> Callable[[dict[str, Any]], tuple[str, str]]:
    """Order collections by one of their JSON keys, ties broken by id."""
    return lambda item: (str(item.get(name, "")), item["id"])


async def superuser_access(request: Request, body: dict[str, Any] | None = None) -> Access:
    access = await load_access(request, body)
    if access.auth is None:
        raise UnauthorizedError("The request requires valid record authorization token.")
    if not access.is_superuser:
        raise ForbiddenError("The authorized record is not allowed to perform this action.")
    return access


def _collections_schema() -> Collection:
    """Collections are filtered in memory, as records of this pseudo-collection."""
    fields = [{"name": n, "type": "text"} for n in ("id", "name", "type", "created", "updated")]
    fields.append({"name": "system", "type": "bool"})
    return Collection(id="_collections", name="_collections", fields=[field_from_dict(f) for f in fields])


_COLLECTIONS_SCHEMA = _collections_schema()


def _filter_collections(expr: str, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    registry = SchemaRegistry([_COLLECTIONS_SCHEMA])
    try:
        tree = rules.parse(expr)
        return [i for i in items if rules.evaluate(tree, i, _COLLECTIONS_SCHEMA, registry, None)]
    except (rules.RuleSyntaxError, rules.RuleResolveError):
        raise BadRequestError("Something went wrong while processing your request.") from None


async def list_collections(request: Request) -> Response:
    app = get_app(request)
    access = await superuser_access(request)
    q = parse_list_query(access.query)
    items = [c.to_dict() for c in app.registry.all()]
    if q.filter:
        items = _filter_collections(q.filter, items)
    sort = q.sort or "created"
    for key in reversed([s.strip() for s in sort.split(",") if s.strip()]):
        desc = key.startswith("-")
        name = key.lstrip("+-")
        items.sort(key=_sort_key(name), reverse=desc)
    total = len(items)
    start = (q.page - 1) * q.per_page
    page = items[start : start + q.per_page]
    return JSONResponse(
        picked(
            list_result(q.page, q.per_page, -1 if q.skip_total else total, page, q.skip_total),
            request.query_params,
        )
    )


async def view_collection(request: Request) -> Response:
    app = get_app(request)
    await superuser_access(request)
    return JSONResponse(
        picked(
            collection_or_404(app, request.path_params["collection"], NOT_FOUND).to_dict(),
            request.query_params,
        )
    )


async def create_collection(request: Request) -> Response:
    app = get_app(request)
    body = await read_body(request)
    await superuser_access(request, body)
    async with app.transaction() as tx:
        collection = await app.collections.create(tx, body)
    app.registry.put(collection)
    return JSONResponse(collection.to_dict())


async def update_collection(request: Request) -> Response:
    app = get_app(request)
    body = await read_body(request)
    await superuser_access(request, body)
    existing = collection_or_404(app, request.path_params["collection"], NOT_FOUND)
    async with app.transaction() as tx:
        collection = await app.collections.update(tx, existing, body)
        views = await app.collections.refresh_views(tx, collection)
    for changed in (collection, *views):
        app.registry.put(changed)
    return JSONResponse(collection.to_dict())


async def delete_collection(request: Request) -> Response:
    app = get_app(request)
    await superuser_access(request)
    existing = collection_or_404(app, request.path_params["collection"], NOT_FOUND)
    async with app.transaction() as tx:
        await app.collections.delete(tx, existing)
        app.files.forget_collection_after_commit(tx, existing.id)
    app.registry.remove(existing.id)
    return Response(status_code=204)


async def truncate_collection(request: Request) -> Response:
    app = get_app(request)
    await superuser_access(request)
    collection = collection_or_404(app, request.path_params["collection"], NOT_FOUND)
    async with app.transaction() as tx:
        await app.records.truncate(tx, collection)
    return Response(status_code=204)


async def import_collections(request: Request) -> Response:
    """Replace/merge many collections in one transaction (`deleteMissing` drops the others)."""
    app = get_app(request)
    body = await read_body(request)
    await superuser_access(request, body)
    items = body.get("collections")
    if not isinstance(items, list) or not items:
        raise ValidationError(
            {"collections": field_error("validation_required", "Cannot be blank.")},
            "An error occurred while validating the submitted data.",
        )
    delete_missing = bool(body.get("deleteMissing"))
    # Each item is checked against the ones before it, on a staged copy of the schema: requests
    # running meanwhile keep the committed schema, and a failed import leaves nothing to undo.
    staged = app.registry.copy()
    service = app.collections.using(staged)
    async with app.transaction() as tx:
        imported_ids = set()
        for item in items:
            if not isinstance(item, dict):
                raise BadRequestError("Invalid collection data.")
            existing = staged.find_collection(str(item.get("id") or "")) or staged.find_collection(
                str(item.get("name") or "")
            )
            try:
                if existing is None:
                    collection = await service.create(tx, item)
                else:
                    collection = await service.update(tx, existing, item)
            except ValidationError as exc:
                name = str(item.get("name") or "")
                cid = existing.id if existing else str(item.get("id") or collection_id_for(name, _type(item)))
                raise import_validation_failure(name, cid, exc.errors) from exc
            except BadRequestError as exc:  # unreadable (a value of the wrong type) or unsaved
                raise import_load_failure(exc.message) from exc
            staged.put(collection)
            imported_ids.add(collection.id)
        if delete_missing:
            for c in staged.all():
                if c.id not in imported_ids and not c.system:
                    await service.delete(tx, c)
                    app.files.forget_collection_after_commit(tx, c.id)
                    staged.remove(c.id)
    await app.reload_schema()
    return Response(status_code=204)


def _type(item: dict[str, Any]) -> str:
    value = item.get("type")
    return value if isinstance(value, str) and value else "base"


async def scaffolds(request: Request) -> Response:
    await superuser_access(request)
    return JSONResponse(picked(collection_scaffolds.scaffolds(), request.query_params))
