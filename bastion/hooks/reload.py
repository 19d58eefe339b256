"""`--dev`: reload the hook files when one changes, in each worker.

A task looks at the folder's `*.py` files (names, sizes, modification times) once a second: a
few `stat` calls, no dependency. On a change the files are loaded again into a new registry,
which replaces the old one at once; a file that does not load is logged (naming file and line)
and the hooks loaded before stay in place.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from bastion.hooks.errors import HookLoadError
from bastion.hooks.loader import load_hooks
from bastion.hooks.registry import HookRegistry

log = logging.getLogger("bastion.hooks")

Snapshot = frozenset[tuple[str, int, int]]


def snapshot(directory: Path) -> Snapshot:
    try:
        entries = list(directory.glob("*.py"))
    except OSError:
        return frozenset()
    seen: set[tuple[str, int, int]] = set()
    for path in entries:
        with contextlib.suppress(OSError):
            stat = path.stat()
            seen.add((path.name, stat.st_mtime_ns, stat.st_size))
    return frozenset(seen)


class HookReloader:
    def __init__(self, directory: Path, use: Callable[[HookRegistry], None], interval: float = 1.0) -> None:
        self.directory = directory
        self.use = use
        self.interval = interval
        self._seen = snapshot(directory)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> HookReloader:
        self._task = asyncio.create_task(self._watch(), name="hook-reload")
        return self

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self.check()

    def check(self) -> bool:
        """Reload if the files changed since the last look; whether new hooks are in use."""
        now = snapshot(self.directory)
        if now == self._seen:
            return False
        self._seen = now
        try:
            registry = load_hooks(self.directory)
        except HookLoadError as exc:
            log.error("hooks not reloaded, the previous ones stay: %s", exc)
            return False
        self.use(registry)
        log.info("hooks reloaded", extra={"fields": {"hook_files": len(registry.files)}})
        return True

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
