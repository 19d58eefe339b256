"""The node's realtime hub: connected clients and the fan-out of committed record events.

The bus calls `enqueue` synchronously after a commit; the hub only queues the event and one
worker task delivers events in commit order, checking each subscriber's access on its own.
A subscriber whose check or rendering fails loses that one event (logged once per interval,
bastion/realtime/failure_log.py); everyone else still gets it. A long fan-out hands the event
loop back every few milliseconds, so requests keep being served while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bastion.bus.events import RecordEvent
from bastion.core.app_protocol import App
from bastion.core.record_access import Access
from bastion.core.record_model import Record
from bastion.obs import tracing
from bastion.obs.metric_tally import TALLY
from bastion.realtime.client_limits import RealtimeLimits
from bastion.realtime.client_registry import ClientRegistry
from bastion.realtime.client_state import Message, RealtimeClient
from bastion.realtime.failure_log import FailureLog
from bastion.realtime.record_message import render_event
from bastion.realtime.record_visibility import can_see
from bastion.realtime.shutdown_signal import on_stop_signal
from bastion.realtime.subscription_topics import SubscriptionOptions, record_topics

if TYPE_CHECKING:
    from bastion.realtime.client_router import ClientRouter

log = logging.getLogger("bastion.realtime")
# the longest the fan-out keeps the event loop before letting other work run (seconds)
FANOUT_SLICE = 0.005


class RealtimeHub(ClientRegistry):
    def __init__(self, app: App, limits: RealtimeLimits | None = None) -> None:
        super().__init__(limits or RealtimeLimits())
        self.app = app
        self.closed = False
        self.failures = FailureLog(log)
        # sends requests about clients other processes hold to them (None: this process alone)
        self.router: ClientRouter | None = None
        # each event with the trace context of the write that caused it (None: traces are off)
        self._events: asyncio.Queue[tuple[RecordEvent, Any] | None] = asyncio.Queue()
        self._unsubscribe: Callable[[], None] | None = app.bus.subscribe(self.enqueue)
        loop = asyncio.get_running_loop()
        self._worker = loop.create_task(self._run())
        self._unhook_signals = on_stop_signal(loop, self.begin_shutdown)

    # ---- life cycle -------------------------------------------------------------------------

    def begin_shutdown(self) -> None:
        """End every stream now, each with a `retry:` hint, and refuse new ones."""
        self.closed = True
        for client in list(self.clients.values()):
            client.shutting_down = True
            client.discard()

    async def close(self) -> None:
        """End every stream and stop the fan-out (a second call does nothing)."""
        if self._worker.done():
            return
        self.begin_shutdown()
        self._unhook_signals()
        self.listen_to_bus(False)
        await self.stop_sweeping()
        self._events.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(self._worker, timeout=2)
        if not self._worker.done():
            self._worker.cancel()

    # ---- fan-out ----------------------------------------------------------------------------

    def listen_to_bus(self, on: bool) -> None:
        """Take this process's events from its bus (alone), or not (the node bridge hands them
        over as they come back from the pub/sub backend, in order with other processes')."""
        if on and self._unsubscribe is None and not self.closed:
            self._unsubscribe = self.app.bus.subscribe(self.enqueue)
        elif not on and self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def enqueue(self, event: RecordEvent, trace_context: Any = None) -> None:
        """Fan out `event` (a local commit, or another node's via the pub/sub bridge); its
        fan-out is traced under `trace_context`, else under the current span (the write's)."""
        if not self.closed:
            if not event.committed_at:  # a local event, arriving right after its commit
                event = replace(event, committed_at=time.time())
            self._events.put_nowait(
                (event, trace_context if trace_context is not None else tracing.current())
            )

    async def _run(self) -> None:
        while (item := await self._events.get()) is not None:
            event, trace_context = item
            try:
                self._refresh_auth(event)
                if self.clients:
                    attributes = {
                        "bastion.collection": event.record.collection.name,
                        "bastion.action": event.action,
                    }
                    with tracing.span_in(trace_context, "realtime fan-out", attributes):
                        await self._deliver(event)
            except Exception:  # one failing event must not stop realtime for the node
                log.exception("realtime fan-out failed", extra={"action": event.action})
            finally:
                self._events.task_done()

    async def drained(self) -> None:
        """Wait until every event queued so far has been fanned out (tests, benchmarks)."""
        await self._events.join()

    def _refresh_auth(self, event: RecordEvent) -> None:
        """Keep clients' auth in step with their auth record, as PocketBase does: a changed
        tokenKey (password reset, say) or a deleted record leaves the client a guest."""
        record = event.record
        if not record.collection.is_auth or event.action == "create":
            return
        for client in self.clients.values():
            auth = client.auth
            if auth is None or auth.id != record.id or auth.collection.id != record.collection.id:
                continue
            if event.action == "delete" or auth.data.get("tokenKey") != record.data.get("tokenKey"):
                client.auth = None
            else:
                client.auth = record

    async def _deliver(self, event: RecordEvent) -> None:
        record = event.record
        topics = record_topics(record.collection.id, record.collection.name, record.id)
        now = time.time()
        rendered: dict[tuple[Any, ...], bytes | None] = {}
        delivered = 0
        slice_end = time.monotonic() + FANOUT_SLICE
        for client in list(self.clients.values()):
            if time.monotonic() > slice_end:
                await asyncio.sleep(0)  # let requests run; the fan-out resumes right after
                slice_end = time.monotonic() + FANOUT_SLICE
            if client.auth_expires and client.auth_expires <= now:
                client.auth, client.auth_expires = None, 0.0  # an expired token no longer counts
            for sub, options in client.subscriptions_at(event.committed_at):
                if client.discarded.is_set():
                    break
                rule_name = topics.get(options.topic)
                if rule_name is None:
                    continue
                # Subscribers with the same identity and options get the same answer: judge
                # and render once per event for all of them (many guests on one public feed,
                # one user's several tabs).
                key = (_identity(client.auth), rule_name, options.query_key, options.headers_key)
                if key in rendered:
                    data = rendered[key]
                else:
                    data = rendered[key] = await self._render_or_skip(event, rule_name, client, options)
                if data is None:
                    continue
                client.send(Message(sub, data))
                delivered += 1
        TALLY.realtime_delivered += delivered

    async def _render_or_skip(
        self, event: RecordEvent, rule_name: str, client: RealtimeClient, options: SubscriptionOptions
    ) -> bytes | None:
        """`_render`, or None when it fails: the failure costs this subscriber (and any with the
        same identity and options) this event, never the subscribers after it."""
        try:
            return await self._render(event, rule_name, client, options)
        except Exception as exc:
            self.failures.note(options.topic, event.record.collection.name, exc)
            return None

    async def _render(
        self, event: RecordEvent, rule_name: str, client: RealtimeClient, options: SubscriptionOptions
    ) -> bytes | None:
        """The event as this subscriber receives it, or None when they may not see it."""
        access = Access(
            auth=client.auth,
            method="GET",
            query=dict(options.query),
            headers=dict(options.headers),
            context="realtime",
        )
        if not await can_see(self.app, event.record, access, rule_name):
            return None
        exists = event.action != "delete"
        collection = event.record.collection.name
        return await render_event(
            self.app,
            event.action,
            event.record,
            access,
            exists=exists,
            expand_failed=lambda exc: self.failures.note(options.topic, collection, exc),
        )


def _identity(auth: Record | None) -> tuple[str, str, str] | None:
    if auth is None:
        return None
    # `updated` too: two clients could hold different versions of the same auth record
    return (auth.collection.id, auth.id, str(auth.data.get("updated", "")))
