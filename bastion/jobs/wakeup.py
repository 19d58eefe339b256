"""JobWakeup: a job enqueued on one process wakes the runners of the others at once.

A local commit already wakes this process's runner (JobQueue's listeners); other processes would
only find the job at their next poll (0.5-1 s). This tells them through a pub/sub channel:

    PostgreSQL      LISTEN/NOTIFY on the records' database (every process sharing the queue
                    shares the database), whatever `realtime_pubsub` says
    SQLite          the node's pub/sub: the embedded broker `serve` starts for its workers, or
                    Redis/NATS when configured; none for a process alone (memory): nothing to wake

The message is sent after the enqueue's commit (so only for a job that exists), carrying only the
sender's id, which lets the sender ignore its own. Best-effort: a lost message, or a pub/sub that
is down, costs latency (the next poll finds the job), never a job; a failed publish is logged
once per outage and never reaches the write that enqueued.

Coalesced: the first commit after a quiet spell is announced at once; then at most one publish is
in flight per process and the next one waits MIN_GAP after it, taking every commit made
meanwhile. Without the gap, transactions of ~0.5 ms on PostgreSQL each finished after the
previous NOTIFY and a burst of 1,000 sent 1,000 messages; with it, one per MIN_GAP at most. The
last message always follows the last commit (a receiver woken by it sees every job committed
before), so a burst costs at most MIN_GAP of latency, never a poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

from bastion.bus.pubsub import PubSub, backend_kind
from bastion.bus.pubsub_open import node_pubsub_url, open_pubsub
from bastion.config import Config
from bastion.jobs.queue import JobQueue
from bastion.store.params_table import read_or_add_param

log = logging.getLogger("bastion.jobs")

# The id realtime/node_bridge.py names its channel after (shared by every process on this
# database, and only them); this channel is that id with a suffix.
CHANNEL_PARAM = "realtime_channel"
CHANNEL_SUFFIX = "_jobs"
MIN_GAP = 0.005  # seconds between two wake-ups sent by this process


def wakeup_pubsub(queue: JobQueue, config: Config) -> PubSub | None:
    """The backend that reaches the other processes running this queue; None when there are none."""
    if queue.db.dialect == "postgres":
        from bastion.bus.pubsub_postgres import PostgresPubSub  # asyncpg: PostgreSQL servers only

        return PostgresPubSub(config.database_url)
    url = node_pubsub_url(config.realtime_pubsub)
    if backend_kind(url) == "memory":
        return None
    return open_pubsub(url, config.database_url)


class JobWakeup:
    def __init__(self, queue: JobQueue, pubsub: PubSub) -> None:
        self.queue = queue
        self.pubsub = pubsub
        self.origin = secrets.token_hex(8).encode()
        self._pending = False
        self._task: asyncio.Task[None] | None = None
        self._failing = False

    @classmethod
    async def start(cls, queue: JobQueue, config: Config) -> JobWakeup | None:
        """Listen for other processes' enqueues and announce this one's; None for a process alone.
        An unreachable backend fails here, at start, as the realtime bridge does."""
        pubsub = wakeup_pubsub(queue, config)
        if pubsub is None:
            return None
        channel = await read_or_add_param(queue.db, CHANNEL_PARAM, "bastion_" + secrets.token_hex(8))
        wakeup = cls(queue, pubsub)
        await pubsub.start(("bastion" if channel is None else str(channel)) + CHANNEL_SUFFIX, wakeup._heard)
        queue.add_enqueue_listener(wakeup.announce)
        return wakeup

    def _heard(self, payload: bytes) -> None:
        if payload != self.origin:  # our own: the commit already woke the local runner
            self.queue.wake()

    def announce(self) -> None:
        """A job was committed here: tell the other processes (coalesced)."""
        self._pending = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._send(), name="bastion-jobs-wakeup")

    async def _send(self) -> None:
        while self._pending:
            self._pending = False
            try:
                await self.pubsub.publish(self.origin)
            except Exception:  # the backend is down: the others' polls find the job
                if not self._failing:
                    log.warning("job wake-up not sent: other processes poll for it", exc_info=True)
                self._failing = True
            else:
                if self._failing:
                    log.warning("job wake-ups sent again")
                self._failing = False
            await asyncio.sleep(MIN_GAP)  # commits meanwhile share the next message

    async def close(self) -> None:
        self.queue.remove_enqueue_listener(self.announce)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        await self.pubsub.close()
