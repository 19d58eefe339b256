"""The App: owns configuration, the database, the schema registry, settings and the services.

No HTTP here. `await App(config).start()` opens the database, creates the system tables and the
default collections on first start, and loads the schema; `stop()` closes everything.

This is the composition root: it builds core's services and attaches the features (realtime,
request logs, rate limits, the auth janitor, the job queue with its runner and crons), which see it through core's `App` protocol
(core/app_protocol.py) and never import this module. Only cli/ and api/ import it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from bastion import logs, ratelimit, realtime
from bastion.auth.mfa import AuthStateJanitor, delete_expired
from bastion.auth.oauth2.provider_client import DocumentCache
from bastion.backups import Backups, PostgresSource
from bastion.bus import EventBus
from bastion.config import Config
from bastion.core.auth_index_repair import repair_auth_indexes
from bastion.core.collection_model import Collection
from bastion.core.collection_service import CollectionService
from bastion.core.datetime_format import now_str
from bastion.core.record_service import RecordService
from bastion.core.schema_registry import SchemaRegistry
from bastion.core.settings_sections import Settings
from bastion.core.settings_store import read_settings, write_settings
from bastion.core.system_collections import system_collections
from bastion.files import FileService
from bastion.files.file_thumbs import Thumbnailer
from bastion.hooks import (
    AuthHooks,
    CronEvent,
    HookCron,
    HookRegistry,
    HookReloader,
    MailHookRunner,
    RecordHooks,
    RequestHooks,
    load_hooks,
    run_cron,
    settle_after_hooks,
)
from bastion.jobs import CronScheduler, JobQueue, JobRunner
from bastion.jobs.builtin_crons import add_builtin_crons, sync_auto_backup
from bastion.jobs.mail_jobs import attach_mail_jobs
from bastion.jobs.outbox import Outbox
from bastion.jobs.sinks.route import attach_sinks
from bastion.jobs.wakeup import JobWakeup
from bastion.jobs.webhooks.delivery import WebhookDelivery
from bastion.jobs.webhooks.retention import trim_deliveries
from bastion.jobs.webhooks.setup import attach_webhooks
from bastion.migrations import Automigrate, ensure_table
from bastion.realtime.node_bridge import NodeBridge
from bastion.realtime.oauth2_relay import OAuth2Relay
from bastion.store import Database, Executor, auth_version, open_database
from bastion.store.database import DatabaseTimeouts
from bastion.store.ephemeral_base import Clock, EphemeralStore
from bastion.store.ephemeral_open import open_ephemeral
from bastion.store.leader_lock import LeaderLock, open_leader_lock
from bastion.store.pg_dump import current_schema
from bastion.store.sqlite import SqliteDatabase
from bastion.store.tables import optimize
from bastion.store.version_stamp import SharedStampReader, Stamp, StampKeeper, read_stamp

log = logging.getLogger("bastion.app")

_RELOAD_ATTEMPTS = 3


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
        # its database is known once opened; the store follows settings.backups.s3
        self.backups = Backups(config.data_dir, None, s3=lambda: self.settings.backups.s3)
        # How this process takes up restored files (after_restore): a `bastion serve` worker
        # asks the server to restart (api/server.py sets it); otherwise the App reopens in place.
        self.restart_process: Callable[[], Awaitable[None]] | None = None
        self.records = RecordService(self.registry, self.bus, files=self.files)
        # The version stamp the in-memory schema and settings reflect (store/version_stamp.py);
        # one reload at a time, and whether every commit seen so far has been checked.
        self.stamp = StampKeeper()
        self._reload_lock = asyncio.Lock()
        self._checked = False
        self._auth_seen = ""  # the auth records' version in the last stamp read (store/auth_version.py)
        self._stamp_reader: SharedStampReader | None = None  # PostgreSQL: one read per batch
        # Short-lived state every worker and node shares (bastion/store/ephemeral_base.py):
        # opened at start unless given, and the limiter counting in it.
        self._ephemeral = ephemeral
        self._limiter: ratelimit.Limiter | None = None
        # Whether this process runs the once-per-node housekeeping (log retention, the sweep of
        # expired OTPs and MFA sessions): store/leader_lock.py
        self._leader: LeaderLock | None = None
        # OAuth2: providers' discovery documents and key sets (per process), and the popup's
        # answer handed to the realtime client on whichever process holds its stream
        self.oauth2_documents = DocumentCache()
        self.oauth2_relay = OAuth2Relay(self)
        # Background work (bastion/jobs, docs/jobs.md): the queue in the database, this process's
        # runner, and the cron scheduler every process runs.
        self.jobs: JobQueue
        self.crons: CronScheduler
        self._job_runner: JobRunner | None = None
        self._job_wakeup: JobWakeup | None = None  # other processes' enqueues wake the runner
        self._jobs_started = False
        # Record changes → jobs in the writing transaction (jobs/outbox.py): webhooks' route and
        # their deliveries, wired once the queue is open.
        self.outbox: Outbox
        self.webhook_delivery: WebhookDelivery
        # The user's Python hooks (bastion/hooks/, docs/hooks.md): loaded at start, and again on
        # a file change with `--dev`. Record hooks reach core only when some file has them.
        self.hooks = HookRegistry()
        self.hooks_generation = 0  # counts the loads put in use (caches derived from the hooks key on it)
        self._record_hooks: RecordHooks | None = None
        self.request_hooks: RequestHooks | None = None  # the record routes' (api/records.py)
        self.mail_hooks: MailHookRunner | None = None  # every mail's (mail/mail_send.py)
        self.auth_hooks: AuthHooks | None = None  # the sign-in routes'
        self._hook_reloader: HookReloader | None = None
        self._hook_cron_ids: list[str] = []

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
    def events_cross_processes(self) -> bool:
        """Whether record events reach subscribers through a pub/sub shared with other processes
        (then a write's answer waits for its events to be published: bus/event_barrier.py)."""
        return self._node_bridge is not None

    async def ping_pubsub(self) -> None:
        """Raise when the pub/sub this process shares record events over cannot carry them now
        (readiness: api/ready.py); nothing to ask when it shares none."""
        if self._node_bridge is not None:
            await self._node_bridge.pubsub.ping()

    @property
    def leader(self) -> LeaderLock:
        if self._leader is None:
            raise RuntimeError("App.start() has not run")
        return self._leader

    @property
    def limiter(self) -> ratelimit.Limiter:
        if self._limiter is None:
            raise RuntimeError("App.start() has not run")
        return self._limiter

    @limiter.setter
    def limiter(self, limiter: ratelimit.Limiter) -> None:
        self._limiter = limiter

    def use_hooks(self, registry: HookRegistry) -> None:
        """Put a load of the hook files in use (at start, and on a `--dev` reload)."""
        self.hooks = registry
        self.hooks_generation += 1
        self._record_hooks = RecordHooks(registry, self) if registry.has_record_hooks else None
        self.records.hooks = self._record_hooks
        self.request_hooks = RequestHooks(registry, self) if registry.has_request_hooks else None
        self.mail_hooks = MailHookRunner(registry, self) if registry.has_mail_hooks else None
        self.auth_hooks = AuthHooks(registry, self) if registry.has_auth_hooks else None
        self._sync_hook_crons()

    def _sync_hook_crons(self) -> None:
        """The hook files' crons on this process's scheduler, in place of the previous load's
        (once the scheduler exists: at start, and on a `--dev` reload)."""
        if not self._jobs_started:
            return
        for cron_id in self._hook_cron_ids:
            self.crons.remove(cron_id)
        self._hook_cron_ids = [c.id for c in self.hooks.crons]
        for cron in self.hooks.crons:
            self.crons.add(cron.id, cron.expression, self._cron_run(cron))

    def _cron_run(self, cron: HookCron) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            await run_cron(cron.hook, CronEvent(self, cron.id))

        return run

    async def start(self) -> App:
        cfg = self.config
        # first: a hook file that does not load stops the start before anything is opened
        self.use_hooks(load_hooks(cfg.hooks_path))
        timeouts = DatabaseTimeouts(
            cfg.db_connect_timeout, cfg.db_acquire_timeout, cfg.db_statement_timeout, cfg.db_pool_idle_timeout
        )
        self._db = await open_database(cfg.database_url or None, cfg.data_dir, timeouts, cfg.db_pool_size)
        self.collections = CollectionService(self._db, self.registry, self.stamp)
        if isinstance(self._db, SqliteDatabase):
            self.backups.database = self._db.path
        else:  # backed up with pg_dump (store/pg_dump.py)
            self.backups.postgres = PostgresSource(self._db.url, await current_schema(self._db))
        await self.collections.ensure_system_tables()
        if cfg.automigrates:  # collection changes become migration files (docs/migrations.md)
            await ensure_table(self._db)
            self.collections.changes = Automigrate(cfg.migrations_path)
        loaded = await read_stamp(self._db)  # before what it dates, as in refresh_if_stale
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
        # auth records kept between requests (store/auth_version.py)
        await auth_version.ensure(self._db, [(c.name, c.id) for c in self.registry.all() if c.is_auth])
        await self._load_settings()
        self.stamp.loaded("schema", loaded.schema)
        self.stamp.loaded("settings", loaded.settings)
        self.stamp.loaded("outbox", loaded.outbox)
        if not self._db.sql.runs_inline:  # a read that suspends can serve every request waiting
            self._stamp_reader = SharedStampReader(self._db)
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
        self._leader = await open_leader_lock(self._db, cfg.data_dir)
        self.request_logs = await logs.attach(self)
        # Voids OTPs, MFA sessions, sign-in origins and TOTP secrets when their record's password,
        # tokenKey or existence changes (the hourly sweep of expired ones is a cron job).
        self._auth_janitor = AuthStateJanitor.attach(self)
        await self._start_jobs()
        if cfg.dev:
            self._hook_reloader = HookReloader(cfg.hooks_path, self.use_hooks).start()
        return self

    async def _start_jobs(self) -> None:
        self.jobs = await JobQueue.open(self.db, visibility_margin=self.config.jobs_claim_margin)
        self.crons = CronScheduler(self.jobs)
        self.outbox = Outbox(self.jobs, self.registry)
        self.webhook_delivery = attach_webhooks(self, self.jobs, self.outbox, self.stamp)
        self.records.outbox = self.outbox
        self._close_sinks = attach_sinks(self.jobs, self.outbox, self.config.event_sinks)
        attach_mail_jobs(self, self.jobs)  # verification, reset, OTP and alert mails
        add_builtin_crons(
            self.crons,
            logs_cleanup=self._logs_cleanup,
            db_optimize=lambda: optimize(self.db),
            mfa_cleanup=lambda: self._auth_cleanup(otps=False, mfas=True),
            otp_cleanup=lambda: self._auth_cleanup(otps=True, mfas=False),
        )
        self._jobs_started = True
        self._sync_backup_cron()
        self._hook_cron_ids = []  # a new scheduler
        self._sync_hook_crons()
        if self.config.jobs_concurrency > 0:
            self._job_runner = JobRunner(self.jobs, concurrency=self.config.jobs_concurrency).start()
        self._job_wakeup = await JobWakeup.start(self.jobs, self.config)
        self.crons.start()

    async def _logs_cleanup(self) -> None:
        await self.refresh_if_stale()  # the logs settings (and the schema) as they are now
        if self.request_logs is not None:
            await self.request_logs.writer.apply_retention()
        await trim_deliveries(self.db, self.registry, self.config.webhooks_deliveries_max_days)

    def _sync_backup_cron(self) -> None:
        """Schedule `__pbAutoBackup__` as settings.backups.cron says, whenever settings change
        (on this process, or reloaded from another's commit)."""
        if self._jobs_started and self.backups.supported:
            sync_auto_backup(self.crons, self.settings.backups.cron, self._auto_backup)

    async def _auto_backup(self) -> None:
        await self.refresh_if_stale()  # the backups settings as they are now
        if self.settings.backups.cron:  # turned off since this run was queued
            await self.backups.auto_backup(self.settings.meta.app_name, self.settings.backups.cron_max_keep)

    async def _auth_cleanup(self, *, otps: bool, mfas: bool) -> None:
        await self.refresh_if_stale()  # the auth collections' durations as they are now
        await delete_expired(self, otps=otps, mfas=mfas)

    async def stop(self) -> None:
        if self._hook_reloader is not None:
            await self._hook_reloader.close()
            self._hook_reloader = None
        if self._jobs_started:  # first: running jobs may still use everything below
            await self.crons.stop()
            if self._job_runner is not None:
                await self._job_runner.stop()
                self._job_runner = None
            if self._job_wakeup is not None:
                await self._job_wakeup.close()
                self._job_wakeup = None
            # the outbox stays: a write still in flight enqueues its deliveries for a later run
            await self.webhook_delivery.close()
            await self._close_sinks()
            self._jobs_started = False
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
        if self._leader is not None:
            await self._leader.close()
            self._leader = None
        if self._node_bridge is not None:
            await self._node_bridge.close()
            self._node_bridge = None
        if self.realtime is not None:
            await self.realtime.close()
            self.realtime = None
        await self.files.close()
        if self._stamp_reader is not None:
            await self._stamp_reader.close()
            self._stamp_reader = None
        if self._db is not None:
            await self._db.close()
            self._db = None

    async def after_restore(self) -> None:
        """A backup was restored into the data directory (Backups.restore): serve the restored
        data from now on, by restarting the process or, outside `bastion serve`, by closing
        everything and starting again on the new files."""
        if self.restart_process is not None:
            await self.restart_process()  # the backup lock stays held until this process exits
            return
        try:
            await self.stop()
            self.stamp = StampKeeper()  # the restored database's stamps may be older
            self._checked = False
            await self.start()
        finally:
            self.backups.finish_restore()

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
        if self._record_hooks is not None or self._hook_reloader is not None:
            await settle_after_hooks(opened)  # the after-commit hooks run before the answer

    async def reload_schema(self) -> None:
        """Read every collection and swap the new schema in at once: requests running meanwhile
        keep resolving against the previous one (never an empty or partial registry).

        A change committed here while the read was under way may be missing from what was read;
        the read is then repeated. Should that keep happening, the last read is used all the same
        (the caller then leaves the stamp it had, so the next request reloads again)."""
        await self._reload_schema()

    async def _reload_schema(self) -> bool:
        """`reload_schema`; False when a local change raced every attempt."""
        for _ in range(_RELOAD_ATTEMPTS):
            seen = self.registry.generation
            collections = await self.collections.read_all()
            if self.registry.generation == seen:
                self._replace_schema(collections)
                return True
        self._replace_schema(collections)
        return False

    def _replace_schema(self, collections: list[Collection]) -> None:
        self.registry.replace(collections)
        if self._jobs_started:  # a webhook collection may have appeared: routes look again
            self.outbox.invalidate()

    async def refresh_if_stale(self) -> None:
        """Pick up collection and settings changes other workers or nodes have committed, before
        a request that depends on them proceeds (read-your-writes across processes).

        Each process keeps the schema and settings in memory, dated by a version stamp
        (store/version_stamp.py). On SQLite a check costs no query unless some other connection
        committed since the last look (`PRAGMA data_version`); on PostgreSQL it reads the stamp,
        one primary-key lookup, shared by the requests that arrive while one is under way
        (SharedStampReader). A newer stamp reloads what changed; concurrent requests wait for the
        same reload.
        """
        if self._checked and not self.db.changed_since_last_look():
            # nothing committed since the last stamp was read (SQLite): its auth version holds
            auth_version.request_auth_version.set(self._auth_seen)
            return
        # A commit was seen (or a check is under way or failed): until a check completes, every
        # request reads the stamp itself rather than trusting the look that saw the commit.
        self._checked = False
        reader = self._stamp_reader
        seen = await (reader.read() if reader is not None else read_stamp(self.db))
        # the version this request checks kept auth records against
        auth_version.request_auth_version.set(seen.auth)
        self._auth_seen = seen.auth
        if seen.newer_than(self.stamp.known):
            await self._reload(seen)
        self._checked = True

    async def _reload(self, seen: Stamp) -> None:
        """Bring the in-memory copies up to `seen` (a stamp read before the data is)."""
        async with self._reload_lock:
            known = self.stamp.known  # another request may have reloaded while this one waited
            if seen.schema > known.schema and await self._reload_schema():
                self.stamp.loaded("schema", seen.schema)
            if seen.settings > known.settings:
                await self._load_settings()
                self.stamp.loaded("settings", seen.settings)
            if seen.outbox > known.outbox:  # webhooks changed elsewhere: read them again
                if self._jobs_started:
                    self.outbox.invalidate()
                self.stamp.loaded("outbox", seen.outbox)

    # ---- settings -----------------------------------------------------------------------------

    async def _load_settings(self) -> None:
        stored = await read_settings(self.db)
        if stored is not None:
            self.settings = stored
            self._sync_backup_cron()

    async def save_settings(self, tx: Executor, settings: Settings) -> None:
        stamp = now_str()
        await write_settings(tx, settings, stamp)
        # Swapped in whole (readers hold one document or the other) and only once committed.
        tx.on_commit(lambda: self._use_settings(settings))
        await self.stamp.bump(tx, "settings", stamp)  # other processes reload the settings

    def _use_settings(self, settings: Settings) -> None:
        self.settings = settings
        self._sync_backup_cron()
