"""HTTP clients for webhook attempts: one per connection identity, so connections are reused.

A checked target's URL names a pinned address, and the original name travels in `Host` and TLS
SNI (url_safety.py). httpx pools connections by scheme, address and port only, so one pool shared
by every webhook could carry a request for one name over a connection opened (and whose
certificate was checked) for another name on the same address. Keying a client by everything
that identifies the connection — the target's scheme, address and port, the `Host` it sends and
the SNI it presents — makes a kept-alive connection safe to reuse, and saves each delivery a TCP
(and TLS) handshake. At most MAX_CLIENTS are kept; the least recently used is closed beyond that.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from urllib.parse import urlsplit

import httpx

from bastion.jobs.webhooks.url_safety import Target

USER_AGENT = "Bastion-Webhooks/1"
MAX_CLIENTS = 64
KEEPALIVE_PER_CLIENT = 8


class WebhookClients:
    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._clients: OrderedDict[tuple[str, ...], httpx.AsyncClient] = OrderedDict()
        self._closing: set[asyncio.Task[None]] = set()

    def for_target(self, target: Target) -> httpx.AsyncClient:
        key = _identity(target)
        client = self._clients.get(key)
        if client is not None:
            self._clients.move_to_end(key)
            return client
        client = self._clients[key] = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(self.timeout),
            trust_env=False,  # no proxy from the environment: the checked address is the one used
            headers={"user-agent": USER_AGENT},
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=KEEPALIVE_PER_CLIENT),
        )
        while len(self._clients) > MAX_CLIENTS:
            _, oldest = self._clients.popitem(last=False)
            task = asyncio.get_running_loop().create_task(oldest.aclose())
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)
        return client

    async def close(self) -> None:
        clients, self._clients = list(self._clients.values()), OrderedDict()
        for client in clients:
            with contextlib.suppress(Exception):
                await client.aclose()
        if self._closing:
            await asyncio.wait(list(self._closing), timeout=5)


def _identity(target: Target) -> tuple[str, ...]:
    parts = urlsplit(target.url)
    host = {k.lower(): v for k, v in target.headers.items()}.get("host", "")
    return (parts.scheme.lower(), parts.netloc.lower(), host, target.extensions.get("sni_hostname", ""))
