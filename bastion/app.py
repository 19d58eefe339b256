"""The App: owns configuration, the database, the schema registry, settings and the services.

No HTTP here. `await App(config).start()` opens the database, creates the system tables and the
default collections on first start, and loads the schema; `stop()` closes everything.

This is the composition root: it builds core's services and attaches the features (realtime,
request logs, rate limits, the auth janitor), which see it through core's `App` protocol
(core/app_protocol.py) and never import this module. Only cli/ and api/ import it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bastion import logs, ratelimit, realtime
from bastion.auth.mfa import AuthStateJanitor
from bastion.auth.oauth2.provider_client import DocumentCache
from bastion.bus import EventBus
from bastion.config import Config
from bastion.core.auth_index_repair import repair_auth_indexes
from bastion.core.collection_service import CollectionService
from bastion.core.datetime_format import now_str
from bastion.core.record_service import RecordService
from bastion.core.schema_registry import SchemaRegistry
from bastion.core.settings_sections import Settings
from bastion.core.settings_store import read_settings, write_settings
from bastion.core.system_collections import system_collections
from bastion.files import FileService
from bastion.files.file_thumbs import Thumbnailer
from bastion.realtime.node_bridge import NodeBridge
from bastion.realtime.oauth2_relay import OAuth2Relay
from bastion.store import Database, Executor, open_database
from bastion.store.database import DatabaseTimeouts
from bastion.store.ephemeral_base import Clock, EphemeralStore
from bastion.store.ephemeral_open import open_ephemeral

log = logging.getLogger("bastion.app")

SYNC_INTERVAL = 1.0
_RELOAD_ATTEMPTS = 3
_SIGNATURE_SQL = (
    "SELECT (SELECT CAST(COUNT(*) AS TEXT) || '/' || COALESCE(MAX(\"updated\"), '') FROM \"_collections\") AS schema_sig, "
    '(SELECT "updated" FROM "_params" WHERE "id" = \'settings\') AS settings_sig'
)


class App:
    def __init__(
        self, config: Config, *, clock: Clock = time.time, ephemeral: EphemeralStore | None = None
    ) -> None:
        """`clock` (seconds since the epoch) times rate limits and lockouts; `ephemeral` replaces
        the store the configuration names (tests)."""
        self.config = config
        self.clock = clock
        self.registry = SchemaRegistry()
        self._db: Database | None = None
        # PocketBase's settings; replaced whole on every change, never mutated in place
        self.settings = Settings()
        self.collections: CollectionService
        self.bus = EventBus()
        self.realtime: realtime.RealtimeHub | None = None
        self.request_logs: logs.RequestLogs | None = None
        self._node_bridge: NodeBridge | None = None
        self._auth_janitor: AuthStateJanitor | None = None
        self.files = FileService(config.data_dir, lambda: self.settings)
        self.thumbnailer = Thumbnailer()
        self.records = RecordService(self.registry, self.bus, files=self.files)
        self._synced_at = 0.0
        self._signature: tuple[str, str] = ("", "")
        # Short-lived state every worker and node shares (bastion/store/ephemeral_base.py):
        # opened at start unless given, and the limiter counting in it.
        self._ephemeral = ephemeral
        self._limiter: ratelimit.Limiter | None = None
        # OAuth2: providers' discovery documents and key sets (per process), and the popup's
        # answer handed to the realtime client on whichever process holds its stream
        self.oauth2_documents = DocumentCache()
        self.oauth2_relay = OAuth2Relay(self)

    @property
    def db(self) -> Database:
        if self._db is None:
            raise RuntimeError("App.start() has not run")
        return self._db

    @property
    def ephemeral(self) -> EphemeralStore:
        """Rate-limit counters, lockouts and OAuth2 hand-offs, shared by every process."""
        if self._ephemeral is None:
            raise RuntimeError("App.start() has not run")
        return self._ephemeral

    @property
    def limiter(self) -> ratelimit.Limiter:
        if self._limiter is None:
            raise RuntimeError("App.start() has not run")
        return self._limiter

    @limiter.setter
    def limiter(self, limiter: ratelimit.Limiter) -> None:
        self._limiter = limiter

    async def start(self) -> App:
        cfg = self.config
        timeouts = DatabaseTimeouts(cfg.db_connect_timeout, cfg.db_acquire_timeout, cfg.db_statement_timeout)
        self._db = await open_database(cfg.database_url or None, cfg.data_dir, timeouts)
        self.collections = CollectionService(self._db, self.registry)
        await self.collections.ensure_system_tables()
        collections = await self.collections.read_all()
        if not collections:
            async with self.db.transaction() as tx:
                for collection in system_collections():
                    await self.collections.install(tx, collection)
            collections = await self.collections.read_all()
            log.info("initialised a new database", extra={"database": self._db.dialect})
        # Upgrade: auth collections an older Bastion left without their unique indexes get them
        # back, or the start is refused (DuplicateIdentityError) if accounts already share an email.
        self.registry.replace(await repair_auth_indexes(self._db, collections))
        await self._load_settings()
        self._signature = await self._read_signature()
        self._synced_at = time.monotonic()
        self.realtime = hub = realtime.attach(self)
        if NodeBridge.needed(self.config):
            # an unreachable backend fails here, at start
            self._node_bridge = await NodeBridge.start(self, hub)
        if self._ephemeral is None:
            self._ephemeral = await open_ephemeral(
                cfg.ratelimit_store,
                redis_url=cfg.ratelimit_redis_url,
                db=self._db,
                data_dir=cfg.data_dir,
                clock=self.clock,
            )
        self._limiter = ratelimit.build(self)
        self.oauth2_relay.start()
        self.request_logs = await logs.attach(self)
        # Voids OTPs, MFA sessions, sign-in origins and TOTP secrets when their record's password,
        # tokenKey or existence changes, and sweeps expired OTPs and MFA sessions hourly (as
        # PocketBase does).
        self._auth_janitor = AuthStateJanitor.attach(self, sweep=True)
        return self

    async def stop(self) -> None:
        if self._auth_janitor is not None:
            self._auth_janitor.close()
            await self._auth_janitor.drain()
            self._auth_janitor = None
        await self.oauth2_relay.close()
        if self._ephemeral is not None:
            await self._ephemeral.close()
            self._ephemeral = None
        if self.request_logs is not None:
            await logs.close(self.request_logs)  # writes what is still buffered
            self.request_logs = None
        if self._node_bridge is not None:
            await self._node_bridge.close()
            self._node_bridge = None
        if self.realtime is not None:
            await self.realtime.close()
            self.realtime = None
        await self.files.close()
        if self._db is not None:
            await self._db.close()
            self._db = None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Executor]:
        """A database transaction that also keeps file storage consistent with it: uploads it
        made are removed if it fails, and deletions scheduled on commit finish before returning."""
        opened: Executor | None = None
        try:
            async with self.db.transaction() as tx:
                opened = tx
                yield tx
        except BaseException:
            if opened is not None:
                await self.files.rollback(opened)
            raise
        self.files.committed(opened)
        await self.files.settle()

    async def reload_schema(self) -> None:
        """Read every collection and swap the new schema in at once: requests running meanwhile
        keep resolving against the previous one (never an empty or partial registry).

        A change committed here while the read was under way may be missing from what was read;
        the read is then repeated. Should that keep happening, the last read is used and the
        change signature is forgotten, so the next check reloads again."""
        for _ in range(_RELOAD_ATTEMPTS):
            seen = self.registry.generation
            collections = await self.collections.read_all()
            if self.registry.generation == seen:
                self.registry.replace(collections)
                return
        self.registry.replace(collections)
        self._signature = ("", self._signature[1])

    async def _read_signature(self) -> tuple[str, str]:
        row = await self.db.fetch_one(_SIGNATURE_SQL)
        return (str(row["schema_sig"]), str(row["settings_sig"])) if row else ("", "")

    async def refresh_if_stale(self) -> None:
        """Pick up collection and settings changes made by other workers or nodes.

        Each process caches the schema and settings in memory. At most once per
        `SYNC_INTERVAL` seconds a request pays for one small query comparing change signatures;
        a difference reloads what changed. (The realtime issue's bus can push this instead.)
        """
        now = time.monotonic()
        if now - self._synced_at < SYNC_INTERVAL:
            return
        self._synced_at = now
        signature = await self._read_signature()
        previous, self._signature = self._signature, signature
        if previous == signature:
            return
        if previous[0] != signature[0]:
            await self.reload_schema()
        if previous[1] != signature[1]:
            await self._load_settings()

    # ---- settings -----------------------------------------------------------------------------

    async def _load_settings(self) -> None:
        stored = await read_settings(self.db)
        if stored is not None:
            self.settings = stored

    async def save_settings(self, tx: Executor, settings: Settings) -> None:
        await write_settings(tx, settings, now_str())
        # Swapped in whole (readers hold one document or the other) and only once committed.
        tx.on_commit(lambda: setattr(self, "settings", settings))
