"""Webhook scenarios: an App whose webhooks may reach this machine's receivers (loopback), with
short timeouts and retry delays, and a real receiver verifying signatures (tests/support)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bastion.config import Config
from tests.conftest import ApiClient, importorskip_or_fail, signed_in_api
from tests.support.polling import eventually  # noqa: F401 - the webhook tests import it from here

FAST = {
    "webhooks_allow_private": True,
    "webhooks_timeout": 1.0,
    "webhooks_retry_delay": 0.1,
    "webhooks_max_attempts": 3,
}


def hooks_config(data_dir: Path, database_url: str, **overrides: Any) -> Config:
    return Config(data_dir=data_dir, database_url=database_url, **{**FAST, **overrides})


@pytest.fixture
async def hooks(database_url: str, tmp_path: Path) -> AsyncIterator[ApiClient]:
    async with signed_in_api(hooks_config(tmp_path / "data", database_url)) as client:
        yield client


@pytest.fixture
def receiver() -> Iterator[Any]:
    importorskip_or_fail("standardwebhooks", "standardwebhooks (the receiver's verifier) is not installed")
    from tests.support.webhook_receiver import WebhookReceiver

    server = WebhookReceiver().start()
    try:
        yield server
    finally:
        server.stop()


async def add_webhook(api: ApiClient, receiver: Any, **fields: Any) -> dict[str, Any]:
    """A webhook on `receiver` (active unless said otherwise); the receiver learns its secret."""
    data = {"name": "test", "url": receiver.url, "active": True, **fields}
    r = await api.su("POST", "/api/collections/_webhooks/records", json=data)
    assert r.status_code == 200, r.text
    webhook: dict[str, Any] = r.json()
    receiver.secret = webhook["secret"]
    return webhook


async def posts(api: ApiClient, name: str = "posts") -> dict[str, Any]:
    return await api.create_collection({"name": name, "fields": [{"name": "title", "type": "text"}]})


async def received(receiver: Any, count: int, timeout: float = 20.0) -> list[Any]:
    """`receiver.wait_for` without blocking the event loop the App's runner needs."""
    return await asyncio.to_thread(receiver.wait_for, count, timeout)


async def delivery_rows(api: ApiClient, webhook_id: str) -> list[dict[str, Any]]:
    r = await api.su(
        "GET",
        "/api/collections/_webhookDeliveries/records",
        params={"filter": f"webhook = '{webhook_id}'", "sort": "created", "perPage": 200},
    )
    assert r.status_code == 200, r.text
    return list(r.json()["items"])
