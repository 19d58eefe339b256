"""Answer a request only once the record events it caused are on their way, in order.

With several processes (workers, nodes) record events reach subscribers through the pub/sub
backend, and every process delivers them in the backend's order, its own events included. A
client that writes through one process and then, having had the answer, through another expects
every subscriber to see the two events in that order. That holds when the first event had been
taken by the backend before its answer left: the guard around every route (api/asgi.py) opens a
scope for the request, the node bridge adds the future of each event it publishes inside it, and
the guard waits for those (bounded by a timeout: a stalled backend delays answers, never stops
them) before answering. One process alone has no bridge, adds nothing, and waits for nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

# the longest an answer waits for its events to be taken by the pub/sub backend (seconds)
SETTLE_TIMEOUT = 2.0

_pending: ContextVar[list[asyncio.Future[None]] | None] = ContextVar("bastion_event_barrier", default=None)


@contextmanager
def request_scope() -> Iterator[None]:
    """Collect, until the scope ends, the publishes of events this request's writes cause."""
    token = _pending.set([])
    try:
        yield
    finally:
        _pending.reset(token)


def hold(published: asyncio.Future[None]) -> None:
    """Make the current request (if any) wait for `published` before it is answered. The future
    must end with a result, never an exception (the bridge resolves it whatever happens)."""
    pending = _pending.get()
    if pending is not None:
        pending.append(published)


async def settle(timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait for the publishes the current request held (none: return at once)."""
    pending = _pending.get()
    if not pending:
        return
    waiting = [f for f in pending if not f.done()]
    pending.clear()
    if waiting:
        await asyncio.wait(waiting, timeout=timeout)


T = TypeVar("T")


async def answered_after_events(cross_processes: bool, work: Awaitable[T]) -> T:
    """`work`'s result, returned once the events it caused are taken by the pub/sub backend:
    the answer may lead the client to write through another process, which must see them
    first. One process alone (`cross_processes` False) waits for nothing. The REST routes'
    guard (api/asgi.py) and the gRPC service (api/grpc_records.py) both answer through it."""
    if not cross_processes:
        return await work
    with request_scope():
        result = await work
        await settle()
    return result
