"""Shared helpers for the HTTP middleware tests: an in-process client over ASGI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

ClientFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture
def client_for() -> ClientFactory:
    """`client_for(app, peer="127.0.0.1", base_url="http://testserver")` -> httpx.AsyncClient."""

    def make(app: Any, peer: str = "127.0.0.1", base_url: str = "http://testserver") -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(peer, 50000))
        return httpx.AsyncClient(transport=transport, base_url=base_url)

    return make
