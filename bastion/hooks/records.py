"""`e.records`: reading and writing records from a hook, with the collection rules bypassed or
applied, said explicitly.

    post = await e.records.find("posts", post_id)                  # as a superuser: no rule
    mine = await e.records.as_auth(e.auth).list("posts", filter="published = true")  # rules apply
    await e.records.create("audit", {"action": e.action, "record": e.record.id})

`e.records` acts as a superuser (hidden fields seen, every rule passed, validation still applies);
`as_auth(record)` (None: a guest) acts as that caller, the collection's rules deciding what is
found and allowed, as for an API request. In a before-hook, reads and writes run in the write's
own transaction (they commit or roll back with it: never `App.transaction()` there, which would
wait for the lock the write holds); elsewhere each write is a transaction of its own. Writes run
the record hooks too: a hook that writes the collection it listens to must stop the recursion
itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bastion import rules
from bastion.core.record_access import Access, access_rule, required_condition
from bastion.core.record_model import Record
from bastion.core.record_query import ALIAS, Condition, compile_condition, find_by_id, find_page
from bastion.errors import ApiError, BadRequestError, ForbiddenError, NotFoundError

if TYPE_CHECKING:
    from bastion.core.app_protocol import App
    from bastion.core.collection_model import Collection
    from bastion.store.database import Executor


class HookRecords:
    __slots__ = ("_app", "_tx", "_access")

    def __init__(self, app: App, tx: Executor | None = None, access: Access | None = None) -> None:
        self._app = app
        self._tx = tx
        self._access = access if access is not None else _superuser(app)

    def as_auth(self, auth: Record | None) -> HookRecords:
        """The same, acting as `auth` (an auth record; None: a guest): rules apply."""
        return HookRecords(self._app, self._tx, Access(auth=auth, method="GET"))

    @property
    def _db(self) -> Executor:
        return self._tx if self._tx is not None else self._app.db

    def _collection(self, name_or_id: str) -> Collection:
        collection = self._app.registry.find_collection(name_or_id)
        if collection is None:
            raise LookupError(f"no collection {name_or_id!r}")
        return collection

    async def find(self, collection: str, record_id: str) -> Record | None:
        """The record, or None when there is none (or the caller's viewRule hides it)."""
        found = self._collection(collection)
        if self._access.is_superuser:
            return await find_by_id(self._db, found, record_id)
        try:
            return await self._app.records.view(self._db, found, record_id, self._access)
        except (NotFoundError, ForbiddenError):
            return None

    async def list(
        self, collection: str, filter: str = "", sort: str = "", limit: int = 100, offset: int = 0
    ) -> list[Record]:
        """Records matching `filter` (the API's filter language), ordered by `sort` (`-created,id`),
        that the caller's listRule lets it see; ForbiddenError when the rule is superusers-only."""
        found = self._collection(collection)
        access = self._access
        registry, dialect = self._app.registry, self._db.dialect
        rule = found.rule("listRule")
        if access_rule(rule, access).refused:
            raise ForbiddenError()
        conditions: list[Condition] = []
        try:
            cond = required_condition(found, rule, access, registry, dialect)
            if cond.sql:
                conditions.append(cond)
            info = access.request_info()
            hidden = access.is_superuser
            if filter:
                conditions.append(
                    compile_condition(filter, found, registry, info, dialect, allow_hidden=hidden)
                )
            order = (
                rules.compile_sort(
                    sort, found, registry, info, dialect=dialect, table_alias=ALIAS, allow_hidden=hidden
                )
                if sort
                else None
            )
        except (rules.RuleSyntaxError, rules.RuleResolveError) as exc:
            raise BadRequestError(f"Invalid filter or sort: {exc}") from None
        if order is not None and order.where is not None:
            conditions.append(Condition(order.where.sql, list(order.where.params)))
        return await find_page(
            self._db,
            found,
            conditions,
            order.order_by if order else "",
            order.params if order else [],
            limit,
            offset,
        )

    async def create(self, collection: str, data: dict[str, Any]) -> Record:
        """A new record from `data` (validated as an API create; the caller's createRule applies
        unless acting as a superuser)."""
        found = self._collection(collection)
        if self._tx is not None:
            return await self._app.records.create(self._tx, found, dict(data), self._access)
        async with self._app.transaction() as tx:
            return await self._app.records.create(tx, found, dict(data), self._access)

    async def update(self, collection: str, record_id: str, data: dict[str, Any]) -> Record:
        """The record with `data` applied (modifiers such as `tags+` included)."""
        found = self._collection(collection)
        if self._tx is not None:
            return (await self._app.records.update(self._tx, found, record_id, dict(data), self._access))[1]
        async with self._app.transaction() as tx:
            return (await self._app.records.update(tx, found, record_id, dict(data), self._access))[1]

    async def delete(self, collection: str, record_id: str) -> None:
        found = self._collection(collection)
        if self._tx is not None:
            await self._app.records.delete(self._tx, found, record_id, self._access)
            return
        async with self._app.transaction() as tx:
            await self._app.records.delete(tx, found, record_id, self._access)


def _superuser(app: App) -> Access:
    superusers = app.registry.find_collection("_superusers")
    if superusers is None:  # every database has it (system_collections)
        raise ApiError("The _superusers collection is missing.")
    return Access(auth=Record(superusers, {"id": ""}), method="POST")
