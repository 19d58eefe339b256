"""`bastion import-pocketbase PB_DATA_DIR`: a PocketBase 0.23+ data folder becomes a Bastion one.

Carried over: the collections (fields with their ids, rules, indexes, auth options, views) as
`PUT /api/collections/import` would take them (PocketBase's system collections keep Bastion's
definition); every record of every collection, copied as stored (ids, `created`/`updated`, and
the auth collections' bcrypt password hashes and token keys, which Bastion verifies, so users and
superusers sign in with their old password); `_externalAuths` (OAuth2 links) and `_authOrigins`;
the settings (unless PocketBase encrypted them); the files of `storage/` (PocketBase's
`.attrs` sidecars left out: Bastion sniffs content types). Not carried over: `_mfas` and `_otps`
(short-lived), tokens issued by PocketBase (its signing keys differ: users sign in again), the
logs (`auxiliary.db`), backups, `pb_migrations` and `pb_hooks` (JavaScript).

PocketBase must be stopped while its folder is read (the database is opened read-only).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bastion.app import App
from bastion.config import Config
from bastion.core.collection_model import Collection
from bastion.core.collection_service import CollectionService
from bastion.core.datetime_format import now_str
from bastion.core.record_model import record_to_params, row_to_record
from bastion.core.record_query import count
from bastion.core.schema_registry import SchemaRegistry
from bastion.core.settings_binding import bind_settings
from bastion.core.settings_sections import Settings
from bastion.core.settings_store import SETTINGS_PARAM, write_settings
from bastion.errors import ApiError, ValidationError
from bastion.store.database import Executor
from bastion.store.pocketbase_source import PocketBaseSource
from bastion.store.row_write import delete_by_id, insert_row, undo_on_error

# PocketBase's short-lived system collections: their records are not worth carrying over.
_SKIPPED_RECORDS = ("_mfas", "_otps")
BATCH = 1000

Progress = Callable[[int, int], None]


@dataclass
class PocketBaseImport:
    collections: int = 0
    records: dict[str, int] = field(default_factory=dict)
    files: int = 0
    notes: list[str] = field(default_factory=list)


def _reasons(exc: ApiError) -> str:
    if isinstance(exc, ValidationError) and exc.errors:
        return "; ".join(
            f"{k}: {v.get('message', v) if isinstance(v, dict) else v}" for k, v in exc.errors.items()
        )
    return exc.message or type(exc).__name__


def _not_empty(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


async def import_pocketbase(
    config: Config, source_dir: Path, *, force: bool = False, progress: Progress | None = None
) -> PocketBaseImport:
    """See the module's docstring; ValueError (one line for the operator) when refused."""
    if source_dir.resolve() == config.data_dir.resolve():
        raise ValueError("the PocketBase folder and the Bastion data directory must differ")
    source = PocketBaseSource(source_dir)  # NotPocketBase is a ValueError
    try:
        if _not_empty(config.data_dir) and not force:
            raise ValueError(
                f"{config.data_dir} is not empty: import into a new data directory (--dir), or "
                "pass --force to merge into this one (records with the same id are replaced)"
            )
        app = await App(config).start()
        try:
            if not force and await _holds_data(app):
                raise ValueError("the database already holds records: pass --force to merge into it")
            done = PocketBaseImport()
            items = source.collections()
            done.collections = await _import_schema(app, [i for i in items if not i["system"]])
            total = sum(source.count(i["name"]) for i in items if _copies_records(i))
            copied = 0
            for item in items:
                if not _copies_records(item):
                    continue
                collection = app.registry.find_collection(item["id"]) or app.registry.find_collection(
                    item["name"]
                )
                if collection is None:  # a system collection Bastion does not have
                    done.notes.append(f"records of {item['name']} left out: Bastion has no such collection")
                    continue
                n = 0
                for batch in source.rows(item["name"], BATCH):
                    await _copy_rows(app, collection, batch, replace=force)
                    n += len(batch)
                    copied += len(batch)
                    if progress is not None:
                        progress(copied, total)
                done.records[collection.name] = n
            s3 = await _import_settings(app, source, done)
            if s3:
                done.notes.append(
                    "files were not copied: PocketBase keeps them in S3, which the settings point to"
                )
            else:
                done.files = _copy_files(source_dir / "storage", config.data_dir / "storage")
            return done
        finally:
            await app.stop()
    finally:
        source.close()


def _copies_records(item: dict[str, Any]) -> bool:
    return item["type"] != "view" and item["name"] not in _SKIPPED_RECORDS


async def _holds_data(app: App) -> bool:
    for c in app.registry.all():
        if not c.system and c.name != "users":
            return True
        if not c.is_view and await count(app.db, c, []):
            return True
    return False


async def _import_schema(app: App, items: list[dict[str, Any]]) -> int:
    """Create (or update) the collections in one transaction, as the import API does.

    Collections may refer to each other both ways (a relation each way, a rule reading another
    collection), which no order satisfies: first every table collection is made without its rules
    and without the relation fields to collections not made yet (nor the indexes naming them),
    then each gets its whole definition, then the views (one that reads another view is tried
    again after the others, until a pass makes no progress)."""
    staged = app.registry.copy()
    service = app.collections.using(staged)
    tables = [i for i in items if i["type"] != "view"]
    views = [i for i in items if i["type"] == "view"]
    async with app.transaction() as tx:
        made = {c.id for c in staged.all()}
        for item in tables:
            await _put(tx, service, staged, _skeleton(item, made))
            made.add(item["id"])
        for item in tables:
            await _put(tx, service, staged, item)
        pending = views
        while pending:
            failed: list[tuple[dict[str, Any], str]] = []
            for item in pending:
                try:
                    async with undo_on_error(tx):
                        await _put(tx, service, staged, item)
                except ValueError as exc:
                    failed.append((item, str(exc)))
            if len(failed) == len(pending):
                raise ValueError(failed[0][1])
            pending = [item for item, _ in failed]
    await app.reload_schema()
    return len(items)


_RULE_KEYS = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule", "authRule", "manageRule")


def _skeleton(item: dict[str, Any], made: set[str]) -> dict[str, Any]:
    """`item` without its rules, and without the relation fields to collections not in `made`
    (nor the indexes that name them)."""
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for f in item["fields"]:
        later = (
            f.get("type") == "relation"
            and f.get("collectionId") not in made
            and f.get("collectionId") != item["id"]
        )
        (dropped if later else kept).append(f)
    names = [str(f.get("name", "")) for f in dropped]
    indexes = [sql for sql in item["indexes"] if not any(n and n in sql for n in names)]
    body = {**item, "fields": kept, "indexes": indexes}
    for key in _RULE_KEYS:
        if key in body:
            body[key] = None
    return body


async def _put(
    tx: Executor, service: CollectionService, staged: SchemaRegistry, item: dict[str, Any]
) -> None:
    body = {k: v for k, v in item.items() if k not in ("created", "updated")}
    existing = staged.find_collection(item["id"]) or staged.find_collection(item["name"])
    try:
        if existing is None:
            made = await service.create(tx, body)
        else:
            made = await service.update(tx, existing, body)
    except ApiError as exc:
        raise ValueError(f"collection {item['name']!r} cannot be imported: {_reasons(exc)}") from None
    staged.put(made)


async def _copy_rows(app: App, collection: Collection, rows: list[dict[str, Any]], *, replace: bool) -> None:
    async with app.transaction() as tx:
        json_type = tx.sql.json_type
        json_columns = {f.name for f in collection.fields if f.column_sql(tx.dialect).startswith(json_type)}
        for row in rows:
            record = row_to_record(collection, row, "sqlite")  # PocketBase's database is SQLite
            params = record_to_params(collection, record.data, tx.dialect)
            if replace:
                await delete_by_id(tx, collection.name, record.id)
            await insert_row(tx, collection.name, params, json_columns)


async def _import_settings(app: App, source: PocketBaseSource, done: PocketBaseImport) -> bool:
    """Carry the settings over; True when they keep the files in S3."""
    stored = source.param(SETTINGS_PARAM)
    if stored is None:
        done.notes.append("settings not carried over: none stored, or PocketBase encrypted them")
        return False
    try:
        settings = bind_settings(Settings(), stored)
    except ApiError as exc:
        done.notes.append(f"settings not carried over: {exc.message}")
        return False
    async with app.transaction() as tx:
        await write_settings(tx, settings, now_str())
    return bool(settings.s3.enabled)


def _copy_files(source: Path, target: Path) -> int:
    """Copy the stored files (not PocketBase's `.attrs` sidecars); how many."""
    copied = 0
    if not source.is_dir():
        return 0
    for folder, _dirs, names in os.walk(source):
        relative = Path(folder).relative_to(source)
        for name in names:
            if name.endswith(".attrs"):
                continue
            destination = target / relative / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(folder) / name, destination)
            copied += 1
    return copied
