"""What the rate-limit check asks of the shared store: nothing on a request no rule covers (the
rules are decided in memory first), one count per rule on a request one covers. The App takes
its store as a constructor argument, so the test counts the calls through it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bastion.config import Config
from bastion.store.ephemeral_memory import MemoryStore
from tests.api.ratelimit.conftest import enable, rule
from tests.conftest import ApiClient, signed_in_api


class CountingStore(MemoryStore):
    """The memory store, noting each operation the limiter asks of it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    async def incr(self, key: str, ttl: float) -> int:
        self.calls.append("incr")
        return await super().incr(key, ttl)

    async def get(self, key: str) -> str | None:
        self.calls.append("get")
        return await super().get(key)


@pytest.fixture
async def counted(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[ApiClient, CountingStore]]:
    store = CountingStore()
    config = Config(data_dir=tmp_path / "data", database_url=database_url)
    async with signed_in_api(config, ephemeral=store) as api:
        yield api, store


async def test_only_requests_a_rule_covers_reach_the_store(counted: tuple[ApiClient, CountingStore]) -> None:
    api, store = counted
    await api.create_collection(
        {"name": "posts", "type": "base", "listRule": "", "createRule": "", "fields": []}
    )
    await enable(api, rule("*:create", 100))
    store.calls.clear()
    for path in ("/api/collections/posts/records", "/api/health", "/api/collections/posts/records/nothere"):
        await api.request("GET", path)
    assert store.calls == []  # no rule covers these: decided without the store
    assert (await api.request("POST", "/api/collections/posts/records", json={})).status_code == 200
    assert store.calls == ["incr"]  # one count for the one rule
