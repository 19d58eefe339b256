"""What the rate-limited API scenarios share: PocketBase's 429 body, turning limits on, and a
Redis key prefix of a test's own (tests/support/redis_service.py). The ephemeral stores' own
contract is tests/contract/ephemeral."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.support.redis_service import drop_keys, skip_without_redis

# what the rate-limited API scenarios share: PocketBase's 429 body, and turning limits on
TOO_MANY = {"data": {}, "message": "Too Many Requests.", "status": 429}


async def enable(api: Any, *rules: dict[str, Any], excluded: list[str] | None = None) -> None:
    body = {"rateLimits": {"enabled": True, "rules": list(rules), "excludedIPs": excluded or []}}
    r = await api.su("PATCH", "/api/settings", json=body)
    assert r.status_code == 200, r.text


def rule(label: str, max_requests: int, duration: int = 60, audience: str = "") -> dict[str, Any]:
    return {"label": label, "audience": audience, "duration": duration, "maxRequests": max_requests}


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A key prefix no other test uses (skips without Redis); its keys are removed afterwards."""
    await skip_without_redis()
    prefix = f"bastion-test:{secrets.token_hex(6)}:"
    yield prefix
    await drop_keys(prefix)
