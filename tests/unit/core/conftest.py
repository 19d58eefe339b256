"""The core services over a real database of each kind, as App.start wires them, without HTTP:
a CollectionService and a RecordService sharing one registry, with the system collections
installed. `Services.create_collection` commits and publishes to the registry as the
collections API does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from bastion.bus.events import EventBus, RecordEvent
from bastion.core.collection_model import Collection
from bastion.core.collection_service import CollectionService
from bastion.core.record_access import Access
from bastion.core.record_model import Record
from bastion.core.record_service import RecordService
from bastion.core.schema_registry import SchemaRegistry
from bastion.core.system_collections import system_collections
from bastion.store.database import Database
from bastion.store.version_stamp import StampKeeper
from tests.conftest import open_test_database


@dataclass
class Services:
    db: Database
    registry: SchemaRegistry
    collections: CollectionService
    records: RecordService
    events: list[RecordEvent] = field(default_factory=list)

    @property
    def superuser(self) -> Access:
        superusers = self.registry.find_collection("_superusers")
        assert superusers is not None
        return Access(auth=Record(superusers, {"id": "su0000000000000", "email": "su@example.com"}))

    async def create_collection(self, data: dict[str, Any]) -> Collection:
        async with self.db.transaction() as tx:
            collection = await self.collections.create(tx, data)
        self.registry.put(collection)
        return collection

    async def row(self, table: str, record_id: str) -> dict[str, Any] | None:
        return await self.db.fetch_one(f'SELECT * FROM "{table}" WHERE "id" = ?', (record_id,))

    async def stored_collection_names(self) -> list[str]:
        return [c.name for c in await self.collections.read_all()]


@pytest.fixture(params=["sqlite", "postgres"])
async def services(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Services]:
    async with open_test_database(request.param, tmp_path) as db:
        registry = SchemaRegistry()
        collections = CollectionService(db, registry, StampKeeper())
        await collections.ensure_system_tables()
        async with db.transaction() as tx:
            for collection in system_collections():
                await collections.install(tx, collection)
        registry.replace(await collections.read_all())
        bus = EventBus()
        found = Services(db, registry, collections, RecordService(registry, bus))
        bus.subscribe(found.events.append)
        yield found
