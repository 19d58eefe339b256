"""Rate limits per route group and per user or IP (filled in by the rate-limit work)."""

from __future__ import annotations

from typing import Any


async def check_request(app: Any, request: Any) -> None:
    """Raise TooManyRequestsError when `request` is over a limit; no limits yet."""
    return None
