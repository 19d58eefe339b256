"""Request logs as PocketBase keeps them: one `_logs` row per request, read through /api/logs.

RequestLogs          the App's request log: the HTTP layer's sink, its writer and its store
AppLogSink           the sink handed to the middleware before the App has started
attach(app) / close(app)
log_entry            a request's facts -> a row (PocketBase's `data` keys), pure
log_writer           bounded in-memory buffer, batched background writes, retention
log_store            the `_logs` table: auxiliary.db on SQLite, the same database on PostgreSQL
log_query            list / view / hourly stats with the filter language
"""

from __future__ import annotations

from typing import Protocol

from bastion.auth.auth_record import auth_record_for_token, bearer_value
from bastion.core.app_protocol import App
from bastion.core.settings_sections import LogsSettings
from bastion.http.asgi_headers import Scope, get_header
from bastion.http.request_log import RequestFacts
from bastion.logs.log_entry import INFO, Identity, build_row, level_of, skips_success
from bastion.logs.log_store import LogStore, open_log_store
from bastion.logs.log_writer import LogWriter
from bastion.store.errors import DatabaseUnavailable

__all__ = ["AppLogSink", "LogStore", "LogWriter", "RequestLogs", "attach", "close"]

_AUTH_STATE = "bastion_auth"  # the request-scoped auth cache that api/context.load_access fills


class RequestLogs:
    """Decides which requests to keep (PocketBase's rules), turns them into rows, buffers them."""

    def __init__(self, app: App, store: LogStore, writer: LogWriter) -> None:
        self._app = app
        self.store = store
        self.writer = writer

    def _settings(self) -> LogsSettings:
        return self._app.settings.logs

    def enabled(self) -> bool:
        return self._settings().max_days > 0

    async def record(self, facts: RequestFacts, scope: Scope) -> None:
        settings = self._settings()
        if settings.max_days <= 0:
            return
        level = level_of(facts.status)
        if level < settings.min_level:
            return
        if level == INFO and skips_success(facts.path):
            return
        identity = await self._identity(facts, scope)
        self.writer.add(build_row(facts, identity, settings))

    async def _identity(self, facts: RequestFacts, scope: Scope) -> Identity | None:
        state = scope.get("state") or {}
        auth = state.get(_AUTH_STATE, False)
        if auth is False:
            if not facts.has_token:
                return None
            # The handler never looked at the token (PocketBase loads it for every request):
            # resolve it now, after the response has gone.
            header = get_header(scope["headers"], b"authorization") or b""
            try:
                auth = await auth_record_for_token(self._app, bearer_value(header.decode("latin-1")))
            except DatabaseUnavailable:
                return None  # the request itself has reported the outage: no second line

        if auth is None:
            return None
        return Identity(collection=auth.collection.name, id=auth.id)


class LogsOwner(Protocol):
    """The App as AppLogSink sees it: where its request log is, once started."""

    request_logs: RequestLogs | None


class AppLogSink:
    """The HTTP layer's sink for an App whose request log exists only once the App has started."""

    def __init__(self, app: LogsOwner) -> None:
        self._app = app

    def enabled(self) -> bool:
        logs: RequestLogs | None = self._app.request_logs
        return logs is not None and logs.enabled()

    async def record(self, facts: RequestFacts, scope: Scope) -> None:
        logs: RequestLogs | None = self._app.request_logs
        if logs is not None:
            await logs.record(facts, scope)


async def attach(app: App) -> RequestLogs:
    store = await open_log_store(app.db, app.config.data_dir)
    writer = LogWriter(
        store,
        lambda: app.settings.logs,
        max_pending=app.config.request_log_buffer,
        leads=lambda: app.leader.held,  # retention once per node (per database on PostgreSQL)
        refresh=app.refresh_if_stale,
    )
    writer.start()
    return RequestLogs(app, store, writer)


async def close(logs: RequestLogs) -> None:
    await logs.writer.close()
    await logs.store.close()
