"""Realtime test fixtures: in-process clients for each transport, and a marker event.

`sse` and `ws` open clients of one transport; `rt` is parametrised over every transport, with
the same client interface (`subscribe`, `next`, `until`), so rule tests run on all of them.
`configured_api` starts an App with chosen settings (the realtime limits, say).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from bastion.api.asgi import create_asgi_app
from bastion.config import Config
from tests.api.realtime.poll_client import PollClient
from tests.api.realtime.sse_client import SseClient
from tests.api.realtime.ws_client import WsClient
from tests.conftest import ApiClient, signed_in_api

TRANSPORTS = {"poll": PollClient, "sse": SseClient, "ws": WsClient}


async def _opener(api: ApiClient, kind: str) -> AsyncIterator[Any]:
    asgi = create_asgi_app(api.app, manage_lifecycle=False)
    opened: list[Any] = []

    async def open_client(token: str | None = None, **kw: Any) -> Any:
        # events of earlier writes may still be on their way: they must not reach this client
        await api.app.realtime.drained()
        client = await TRANSPORTS[kind](api, asgi, token=token, **kw).open()
        opened.append(client)
        return client

    yield open_client
    for client in opened:
        await client.close()


@pytest.fixture
def configured_api(
    database_url: str, tmp_path: Path
) -> Callable[..., AbstractAsyncContextManager[ApiClient]]:
    """`async with configured_api(realtime_max_clients_per_ip=2) as api:` like the `api` fixture
    (same database backend), on an App started with those Config settings."""

    @asynccontextmanager
    async def open_api(**settings: Any) -> AsyncIterator[ApiClient]:
        config = Config(data_dir=tmp_path / "configured", database_url=database_url, **settings)
        async with signed_in_api(config) as api:
            yield api

    return open_api


@asynccontextmanager
async def clients_of(api: ApiClient, kind: str) -> AsyncIterator[Any]:
    """An opener of `kind` ("sse", "ws", "poll") clients on any ApiClient, closed on exit."""
    async for opener in _opener(api, kind):
        yield opener


@pytest.fixture
async def sse(api: ApiClient) -> AsyncIterator[Any]:
    """`await sse(token=None)` opens a connected SSE client; all are closed after the test."""
    async for opener in _opener(api, "sse"):
        yield opener


@pytest.fixture
async def ws(api: ApiClient) -> AsyncIterator[Any]:
    """`await ws(token=None, query="")` opens a connected WebSocket client."""
    async for opener in _opener(api, "ws"):
        yield opener


@pytest.fixture
async def poller(api: ApiClient) -> AsyncIterator[Any]:
    """`await poller(token=None)` creates a long-polling client that polls in the background."""
    async for opener in _opener(api, "poll"):
        yield opener


@pytest.fixture(params=sorted(TRANSPORTS))
async def rt(request: pytest.FixtureRequest, api: ApiClient) -> AsyncIterator[Any]:
    """A client opener for each transport in turn."""
    async for opener in _opener(api, request.param):
        yield opener


async def marker(api: ApiClient, name: str = "rt_marker") -> None:
    """Writes one record to the public marker collection (created on first use)."""
    r = await api.su("GET", f"/api/collections/{name}")
    if r.status_code == 404:
        await api.create_collection(
            {"name": name, "listRule": "", "viewRule": "", "fields": [{"name": "n", "type": "text"}]}
        )
    await api.create_record(name, {"n": "mark"})


async def posts_collection(api: ApiClient, **rules: Any) -> dict[str, Any]:
    """A public `posts` collection with one text field `title` (rules overridable)."""
    data = {"name": "posts", "listRule": "", "viewRule": "", "fields": [{"name": "title", "type": "text"}]}
    data.update(rules)
    return await api.create_collection(data)
