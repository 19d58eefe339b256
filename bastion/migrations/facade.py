"""`app`, what a migration's `up(app)` and `down(app)` are given.

    async def up(app: MigrationApp) -> None:
        posts = await app.collections.save({"name": "posts", "type": "base", "fields": [...]})
        await app.records.create("posts", {"title": "hello"})
        await app.db.execute('UPDATE "posts" SET "title" = ? WHERE "title" = ?', ("hi", "hello"))

Everything runs in the migration's one transaction (`app.db` is it): the migration commits whole
or not at all. Collections are changed as through the API (`PUT /api/collections/import`'s
rules: the same validation, the real tables altered); records are written as a superuser (rules
bypassed, fields still validated, record hooks run). A plain `def up(app)` gets the same methods,
blocking (SyncMigrationApp): it runs in a thread while the transaction waits for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from bastion.core.record_access import Access
from bastion.core.record_model import Record
from bastion.core.record_query import find_by_id

if TYPE_CHECKING:
    from bastion.core.app_protocol import App
    from bastion.core.collection_model import Collection
    from bastion.core.collection_service import CollectionService
    from bastion.store.database import Executor

T = TypeVar("T")


class MigrationCollections:
    """Collections, in the API's JSON shape (`GET /api/collections/{name}`'s)."""

    __slots__ = ("_app", "_tx")

    def __init__(self, app: App, tx: Executor) -> None:
        self._app = app
        self._tx = tx

    def _service(self) -> CollectionService:
        service = self._app.collections.using(self._app.registry)
        service.changes = None  # applying a migration writes no new one (automigrate)
        return service

    def _existing(self, data: dict[str, Any]) -> Collection | None:
        registry = self._app.registry
        found = registry.find_collection(str(data["id"])) if data.get("id") else None
        if found is None and data.get("name"):
            found = registry.find_collection(str(data["name"]))
        return found

    def find(self, name_or_id: str) -> dict[str, Any] | None:
        """The collection of that name or id (as this migration has left it so far), or None."""
        found = self._app.registry.find_collection(name_or_id)
        return None if found is None else found.to_dict()

    def all(self) -> list[dict[str, Any]]:
        """Every collection, system ones included, in creation order."""
        return [c.to_dict() for c in self._app.registry.all()]

    async def save(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create the collection `data` describes, or update the one of its id (else its name):
        the keys it has replace the stored ones. Raises the API's ValidationError when invalid."""
        registry = self._app.registry
        service = self._service()
        existing = self._existing(data)
        if existing is None:
            collection = await service.create(self._tx, dict(data))
            registry.put(collection)
        else:
            collection = await service.update(self._tx, existing, dict(data))
            registry.put(collection)
            for view in await service.refresh_views(self._tx, collection):
                registry.put(view)
        return collection.to_dict()

    async def delete(self, name_or_id: str) -> None:
        """Drop the collection and its table (LookupError when there is none)."""
        found = self._app.registry.find_collection(name_or_id)
        if found is None:
            raise LookupError(f"no collection {name_or_id!r}")
        await self._service().delete(self._tx, found)
        self._app.registry.remove(found.id)

    async def import_collections(self, items: list[dict[str, Any]], delete_missing: bool = False) -> None:
        """`PUT /api/collections/import`: save each in turn; with `delete_missing`, drop every
        other collection but the system ones (the last created first).

        Collections may reference each other in any order (users → posts → users): the new
        tables are first created bare (their relations to collections still missing, rules and
        indexes left out), then every item is saved whole, in the order given."""
        for item in items:
            if self._existing(item) is None and item.get("type") != "view":
                await self.save(self._bare(item))
        kept = set()
        for item in items:
            kept.add((await self.save(item))["id"])
        if delete_missing:
            for c in reversed(self._app.registry.all()):
                if c.id not in kept and not c.system:
                    await self.delete(c.id)

    def _bare(self, item: dict[str, Any]) -> dict[str, Any]:
        """`item` without what may name a collection not created yet: relation fields to
        collections neither stored nor `item` itself, rules, indexes."""
        own = {item.get("id"), item.get("name")}

        def known(target: Any) -> bool:
            return target in own or self._app.registry.find_collection(str(target)) is not None

        bare = {k: v for k, v in item.items() if k not in ("indexes", "authRule", "manageRule")}
        bare["fields"] = [
            f for f in item.get("fields") or [] if f.get("type") != "relation" or known(f.get("collectionId"))
        ]
        bare["indexes"] = []
        for rule in ("listRule", "viewRule", "createRule", "updateRule", "deleteRule"):
            bare[rule] = None
        return bare


class MigrationRecords:
    """Records, read and written as a superuser (rules bypassed, fields validated)."""

    __slots__ = ("_app", "_tx")

    def __init__(self, app: App, tx: Executor) -> None:
        self._app = app
        self._tx = tx

    def _collection(self, name_or_id: str) -> Collection:
        found = self._app.registry.find_collection(name_or_id)
        if found is None:
            raise LookupError(f"no collection {name_or_id!r}")
        return found

    def _access(self) -> Access:
        superusers = self._collection("_superusers")
        return Access(auth=Record(superusers, {"id": ""}), method="POST")

    async def find(self, collection: str, record_id: str) -> Record | None:
        return await find_by_id(self._tx, self._collection(collection), record_id)

    async def create(self, collection: str, data: dict[str, Any]) -> Record:
        return await self._app.records.create(
            self._tx, self._collection(collection), dict(data), self._access()
        )

    async def update(self, collection: str, record_id: str, data: dict[str, Any]) -> Record:
        found = self._collection(collection)
        return (await self._app.records.update(self._tx, found, record_id, dict(data), self._access()))[1]

    async def delete(self, collection: str, record_id: str) -> None:
        await self._app.records.delete(self._tx, self._collection(collection), record_id, self._access())


class MigrationApp:
    """What an `async def up(app)` / `down(app)` is given."""

    __slots__ = ("db", "collections", "records")

    def __init__(self, app: App, tx: Executor) -> None:
        self.db: Executor = tx  # raw SQL, in the migration's transaction
        self.collections = MigrationCollections(app, tx)
        self.records = MigrationRecords(app, tx)


class _Blocking:
    """Runs the event loop's coroutines from the migration's thread, waiting for each."""

    __slots__ = ("_loop",)

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()


class SyncCollections:
    """MigrationCollections for a plain `def`: the same methods, blocking."""

    __slots__ = ("_of", "_run")

    def __init__(self, of: MigrationCollections, run: _Blocking) -> None:
        self._of = of
        self._run = run

    def find(self, name_or_id: str) -> dict[str, Any] | None:
        return self._of.find(name_or_id)

    def all(self) -> list[dict[str, Any]]:
        return self._of.all()

    def save(self, data: dict[str, Any]) -> dict[str, Any]:
        return self._run.run(self._of.save(data))

    def delete(self, name_or_id: str) -> None:
        self._run.run(self._of.delete(name_or_id))

    def import_collections(self, items: list[dict[str, Any]], delete_missing: bool = False) -> None:
        self._run.run(self._of.import_collections(items, delete_missing))


class SyncRecords:
    """MigrationRecords for a plain `def`: the same methods, blocking."""

    __slots__ = ("_of", "_run")

    def __init__(self, of: MigrationRecords, run: _Blocking) -> None:
        self._of = of
        self._run = run

    def find(self, collection: str, record_id: str) -> Record | None:
        return self._run.run(self._of.find(collection, record_id))

    def create(self, collection: str, data: dict[str, Any]) -> Record:
        return self._run.run(self._of.create(collection, data))

    def update(self, collection: str, record_id: str, data: dict[str, Any]) -> Record:
        return self._run.run(self._of.update(collection, record_id, data))

    def delete(self, collection: str, record_id: str) -> None:
        self._run.run(self._of.delete(collection, record_id))


class SyncDb:
    """The transaction's SQL for a plain `def`: execute, fetch_all, fetch_one, fetch_val."""

    __slots__ = ("_db", "_run")

    def __init__(self, db: Executor, run: _Blocking) -> None:
        self._db = db
        self._run = run

    def execute(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> int:
        return self._run.run(self._db.execute(sql, params))

    def fetch_all(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self._run.run(self._db.fetch_all(sql, params))]

    def fetch_one(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> dict[str, Any] | None:
        row = self._run.run(self._db.fetch_one(sql, params))
        return None if row is None else dict(row)

    def fetch_val(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
        return self._run.run(self._db.fetch_val(sql, params))


class SyncMigrationApp:
    """What a plain `def up(app)` / `down(app)` is given: MigrationApp's methods, blocking."""

    __slots__ = ("db", "collections", "records")

    def __init__(self, app: MigrationApp, loop: asyncio.AbstractEventLoop) -> None:
        run = _Blocking(loop)
        self.db = SyncDb(app.db, run)
        self.collections = SyncCollections(app.collections, run)
        self.records = SyncRecords(app.records, run)
