"""Superuser management for the command line (`bastion superuser upsert|delete`), outside any request."""

from __future__ import annotations

from bastion.app import App
from bastion.config import Config
from bastion.core.record_access import Access
from bastion.core.record_model import Record
from bastion.core.record_query import find_where
from bastion.core.system_collections import SUPERUSERS_ID
from bastion.errors import ValidationError


async def upsert_superuser(config: Config, email: str, password: str) -> bool:
    """Returns True when a new superuser was created. Raises ValueError with a readable message."""
    app = await App(config).start()
    try:
        return await upsert_superuser_in(app, email, password)
    finally:
        await app.stop()


async def upsert_superuser_in(app: App, email: str, password: str) -> bool:
    """Create or update a superuser in a running App; True when created."""
    collection = app.registry.find_collection(SUPERUSERS_ID)
    assert collection is not None
    root = Access(auth=Record(collection, {"id": "cli"}))  # acting as a superuser
    existing = await find_where(app.db, collection, "email", email, limit=1)
    body = {"email": email, "password": password, "passwordConfirm": password, "verified": True}
    try:
        async with app.transaction() as tx:
            if existing:
                await app.records.update(tx, collection, existing[0].id, body, root)
            else:
                await app.records.create(tx, collection, body, root)
    except ValidationError as exc:
        details = "; ".join(f"{k}: {v.get('message', v)}" for k, v in exc.errors.items())
        raise ValueError(details or exc.message) from None
    return not existing


async def delete_superuser(config: Config, email: str) -> bool:
    app = await App(config).start()
    try:
        collection = app.registry.find_collection(SUPERUSERS_ID)
        assert collection is not None
        existing = await find_where(app.db, collection, "email", email, limit=1)
        if not existing:
            return False
        async with app.transaction() as tx:
            await app.records.delete_record(tx, existing[0])
        return True
    finally:
        await app.stop()
