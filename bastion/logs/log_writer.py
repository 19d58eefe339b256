"""Buffered log writes: requests hand rows over in memory, a background task stores them in batches.

A request never waits for the log database. `add()` appends to a bounded in-memory buffer and
returns; when the buffer is full the row is dropped and counted (`dropped`), and a warning says
how many were lost, at most once per flush. The task writes whatever is buffered every
`interval` seconds, or as soon as `batch_size` rows are waiting; `close()` writes the rest.

Retention runs after a flush when due: rows older than `logs.maxDays` days and rows below
`logs.minLevel` are deleted at start, every `RETENTION_EVERY` seconds and at the first flush
after those settings change (PocketBase: a cron every 6 hours and on settings reload). With
`maxDays` 0 logging is off and every row is deleted. Several workers each write their own
batches, but only the one that `leads` (the App's leader lock) runs retention; it brings the
settings up to date first (`refresh`), as it may be serving no requests that would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bastion.core.datetime_format import format_dt
from bastion.core.settings_sections import LogsSettings
from bastion.logs.log_entry import LogRow
from bastion.logs.log_store import LogStore
from bastion.store.errors import DatabaseUnavailable

log = logging.getLogger("bastion.logs")

DEFAULT_MAX_PENDING = 10_000
BATCH_SIZE = 1000  # one commit per thousand rows keeps the commit's own cost out of the way
FLUSH_INTERVAL = 2.0
RETENTION_EVERY = 6 * 3600.0


class LogWriter:
    def __init__(
        self,
        store: LogStore,
        settings: Callable[[], LogsSettings],
        *,
        max_pending: int = DEFAULT_MAX_PENDING,
        batch_size: int = BATCH_SIZE,
        interval: float = FLUSH_INTERVAL,
        leads: Callable[[], bool] = lambda: True,
        refresh: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self._settings = settings
        self._leads = leads
        self._refresh = refresh
        self.max_pending = max_pending
        self.batch_size = batch_size
        self.interval = interval
        self.dropped = 0
        """Rows lost because the buffer was full (or their batch failed to write), since start."""
        self._reported = 0
        self._pending: list[LogRow] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        self._retention_key: tuple[int, int] | None = None
        self._retention_at = 0.0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def add(self, row: LogRow) -> bool:
        """Buffer a row; False (and counted in `dropped`) when the buffer is full. Never blocks."""
        if len(self._pending) >= self.max_pending:
            self.dropped += 1
            return False
        self._pending.append(row)
        if len(self._pending) >= self.batch_size:
            self._wake.set()
        return True

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="bastion-request-logs")

    async def stop(self) -> None:
        """Stop the background task; buffered rows stay until `flush()` or `start()`."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        await self.stop()
        await self.flush()

    async def flush(self) -> int:
        """Write everything buffered now, then apply retention when due; returns how many rows
        were written."""
        async with self._flush_lock:
            written = 0
            if self._settings().max_days <= 0:
                self._pending = []  # logging was switched off while these waited (PocketBase too)
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await self.store.insert(batch)
                    written += len(batch)
                except DatabaseUnavailable as exc:  # an outage: one line a round, no traceback
                    self.dropped += len(batch)
                    log.warning("writing %d request logs failed; they are lost: %s", len(batch), exc)
                except Exception:
                    self.dropped += len(batch)
                    log.exception("writing %d request logs failed; they are lost", len(batch))
            self._report_drops()
            if self._leads():
                if self._refresh is not None:
                    await self._refresh()
                if self._retention_due():  # after the batch: rows buffered under older settings go too
                    await self.apply_retention()
            else:
                self._retention_key = None  # should this process come to lead: at once, as at start
            return written

    def _report_drops(self) -> None:
        if self.dropped > self._reported:
            log.warning(
                "request logs dropped (buffer full or write failed): %d rows (%d since start)",
                self.dropped - self._reported,
                self.dropped,
                extra={"dropped_total": self.dropped},
            )
            self._reported = self.dropped

    async def apply_retention(self, now: datetime | None = None) -> int:
        """Delete the rows the current `logs` settings no longer keep; returns how many."""
        settings = self._settings()
        max_days, min_level = settings.max_days, settings.min_level
        cutoff = format_dt((now or datetime.now(UTC)) - timedelta(days=max_days))
        deleted = await self.store.delete_expired(cutoff, min_level)
        if max_days == 0 and deleted:
            await self.store.reclaim()
        self._retention_key = (max_days, min_level)
        self._retention_at = time.monotonic()
        return deleted

    def _retention_due(self) -> bool:
        settings = self._settings()
        key = (settings.max_days, settings.min_level)
        return key != self._retention_key or time.monotonic() - self._retention_at >= RETENTION_EVERY

    async def _run(self) -> None:
        while True:
            try:
                await self.flush()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval)
                self._wake.clear()
            except asyncio.CancelledError:
                raise
            except DatabaseUnavailable as exc:
                log.warning("request log task: %s", exc)
                await asyncio.sleep(self.interval)
            except Exception:
                # Never let the log task die: a failed round is logged and retried next round.
                log.exception("request log task failed")
                await asyncio.sleep(self.interval)
