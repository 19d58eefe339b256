"""`migrate up`, `down`, `history-sync`: apply and revert migration files, each in its own
transaction (SQLite and PostgreSQL both run DDL in transactions, so a migration that fails
leaves nothing behind and is not recorded)."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from bastion.errors import ApiError
from bastion.migrations import files, history, templates
from bastion.migrations.facade import MigrationApp, SyncMigrationApp
from bastion.store.tables import lock_against_writers

if TYPE_CHECKING:
    from bastion.core.app_protocol import App
    from bastion.store.database import Executor


class MigrationError(Exception):
    """A migration file failed to load or run; `file` names it."""

    def __init__(self, file: str, message: str) -> None:
        self.file = file
        super().__init__(f"migration {file} failed: {message}")


def describe(exc: BaseException) -> str:
    """The error as one line a person can act on (an API error with its field errors)."""
    if isinstance(exc, ApiError):
        return f"{exc.message} {json.dumps(exc.data)}" if exc.data else exc.message
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


async def pending(app: App, directory: Path) -> list[Path]:
    await history.ensure_table(app.db)
    applied = set(await history.applied_files(app.db))
    return [p for p in files.migration_files(directory) if p.name not in applied]


async def up(app: App, directory: Path, report: Callable[[str], None] | None = None) -> list[str]:
    """Apply the pending files in name order; the names applied (each also given to `report`
    once applied). Stops at the first failure (MigrationError), the ones before it staying
    applied."""
    done = []
    for path in await pending(app, directory):
        if not await _run(app, path, "up"):
            continue  # another process applied it meanwhile
        done.append(path.name)
        if report is not None:
            report(path.name)
    await app.refresh_if_stale()  # what other processes applied, should they have been first
    return done


async def down(
    app: App, directory: Path, count: int = 1, report: Callable[[str], None] | None = None
) -> list[str]:
    """Revert the last `count` applied files, the last applied first; the names reverted (each
    also given to `report` once reverted)."""
    await history.ensure_table(app.db)
    applied = await history.applied_files(app.db)
    done = []
    for name in reversed(applied[-count:] if count > 0 else []):
        path = directory / name
        if not path.is_file():
            raise MigrationError(
                name, f"the file is not in {directory} (bastion migrate history-sync forgets it)"
            )
        if not await _run(app, path, "down"):
            continue
        done.append(name)
        if report is not None:
            report(name)
    return done


async def history_sync(app: App, directory: Path) -> list[str]:
    """Forget the applied entries whose file no longer exists; the names forgotten."""
    await history.ensure_table(app.db)
    gone = [n for n in await history.applied_files(app.db) if not (directory / n).is_file()]
    if gone:
        async with app.transaction() as tx:
            for name in gone:
                await history.forget(tx, name)
    return gone


async def _run(app: App, path: Path, direction: Literal["up", "down"]) -> bool:
    """Apply or revert one file in a transaction of its own; False when another process did
    first (nodes starting together: `_migrations` is locked against writers for the
    transaction, so each file runs once, and the others see it done)."""
    try:
        module = files.load(path)
    except Exception as exc:  # noqa: BLE001 - any error of the user's file is reported as its own
        raise MigrationError(path.name, describe(exc)) from exc
    step = getattr(module, direction, None)
    if not callable(step):
        raise MigrationError(path.name, f"it has no {direction}(app) function")
    try:
        async with app.transaction() as tx:
            await lock_against_writers(tx, history.TABLE)
            done_elsewhere = (path.name in await history.applied_files(tx)) == (direction == "up")
            if not done_elsewhere:
                await _step(app, tx, step)
                if direction == "up":
                    await history.record_applied(tx, path.name)
                else:
                    await history.forget(tx, path.name)
    except Exception as exc:  # noqa: BLE001 - rolled back; the in-memory schema follows
        await app.reload_schema()
        raise MigrationError(path.name, describe(exc)) from exc
    await app.reload_schema()  # what committed, here or in the process that did it first
    return not done_elsewhere


async def _step(app: App, tx: Executor, step: Callable[..., Any]) -> None:
    facade = MigrationApp(app, tx)
    if inspect.iscoroutinefunction(step):
        await step(facade)
        return
    result = await asyncio.to_thread(step, SyncMigrationApp(facade, asyncio.get_running_loop()))
    if inspect.isawaitable(result):
        await result


def create(directory: Path, name: str) -> Path:
    """`migrate create NAME`: a blank file to fill in."""
    return files.write_new(directory, name, templates.blank(name))


async def snapshot(app: App, directory: Path) -> Path:
    """`migrate collections`: a file whose up() makes the collections exactly as they are now
    (creating, updating and deleting), as PocketBase's `migrate collections`. It already
    describes this database, so it is recorded as applied here."""
    await history.ensure_table(app.db)
    path = files.write_new(directory, "collections_snapshot", templates.snapshot(app.registry.all()))
    await history.record_applied(app.db, path.name)
    return path
