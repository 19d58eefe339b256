"""Waiting, bounded, for something a background task makes true (a job run, a mail sent)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T | None]], what: str = "the condition", timeout: float = 30.0
) -> T:
    """`check()`'s first truthy answer, polled every 50 ms (AssertionError naming `what` after
    `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)
