"""Notice SIGTERM/SIGINT as soon as they arrive, so open streams can end before the server drains.

Granian finishes in-flight requests before it runs the ASGI lifespan shutdown, and an SSE stream
never finishes by itself: without this, `hub.close()` would only run after the kill timeout. The
hook chains to the handler the server installed (it still runs, unchanged) and is only installed
when such a handler exists, so tests and one-off commands keep the default signal behaviour.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any


def on_stop_signal(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` on `loop` when a stop signal arrives; returns a function that unhooks."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    restores: list[Callable[[], None]] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(sig)
        if not callable(previous) or previous is signal.default_int_handler:
            continue  # no server is handling this signal here: leave the default alone
        restores.append(_chain(sig, previous, loop, callback))

    def unhook() -> None:
        for restore in restores:
            restore()

    return unhook


def _chain(
    sig: signal.Signals,
    previous: Callable[[int, FrameType | None], Any],
    loop: asyncio.AbstractEventLoop,
    callback: Callable[[], None],
) -> Callable[[], None]:
    def handler(signum: int, frame: FrameType | None) -> None:
        loop.call_soon_threadsafe(callback)
        previous(signum, frame)

    signal.signal(sig, handler)

    def restore() -> None:
        if signal.getsignal(sig) is handler:
            signal.signal(sig, previous)

    return restore
