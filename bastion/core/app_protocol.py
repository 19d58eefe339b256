"""What a feature may ask of the App: PocketBase's `core.App` interface, as a typing Protocol.

bastion/app.py builds the one implementation; it composes the features (auth, realtime, files,
logs, ratelimit, mail), so it sits above them, and they receive an `App` typed with this
protocol and never import bastion.app. Imports one way: docs/architecture.md.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bastion.bus.events import EventBus
    from bastion.config import Config
    from bastion.core.collection_service import CollectionService
    from bastion.core.job_sink import JobSink
    from bastion.core.record_files import RecordFiles
    from bastion.core.record_service import RecordService
    from bastion.core.schema_registry import SchemaRegistry
    from bastion.core.settings_sections import Settings
    from bastion.mail.mail_send import MailHooks
    from bastion.store.database import Database, Executor
    from bastion.store.ephemeral_base import Clock, EphemeralStore
    from bastion.store.leader_lock import LeaderLock


class App(Protocol):
    """Read-only members: a feature reads them, only the App itself replaces them."""

    @property
    def config(self) -> Config:
        """The process's configuration (file, environment, flags)."""

    @property
    def db(self) -> Database:
        """The open database (once started)."""

    @property
    def registry(self) -> SchemaRegistry:
        """The collections, in memory."""

    @property
    def settings(self) -> Settings:
        """PocketBase's settings, typed; swapped in whole on commit, never changed in place."""

    @property
    def clock(self) -> Clock:
        """Seconds since the epoch; what rate limits and lockouts are timed by (tests pass their own)."""

    @property
    def ephemeral(self) -> EphemeralStore:
        """Short-lived state every worker and node shares: counters, lockouts, hand-offs."""

    @property
    def leader(self) -> LeaderLock:
        """`leader.held`: this process runs the housekeeping done once for all workers/nodes."""

    @property
    def bus(self) -> EventBus:
        """Committed record changes."""

    @property
    def records(self) -> RecordService: ...

    @property
    def collections(self) -> CollectionService: ...

    @property
    def files(self) -> RecordFiles:
        """File storage, kept consistent with transactions."""

    @property
    def jobs(self) -> JobSink:
        """The durable job queue (once started): work that must outlive the request, e.g. mail."""

    @property
    def mail_hooks(self) -> MailHooks | None:
        """The hook files' mail hooks (bastion/mail/mail_send.py); None when there are none."""

    def transaction(self) -> AbstractAsyncContextManager[Executor]:
        """A database transaction that also keeps file storage consistent with it."""

    async def reload_schema(self) -> None:
        """Read every collection again and swap the new schema in at once."""

    async def refresh_if_stale(self) -> None:
        """Pick up collection and settings changes made by other workers or nodes."""
