"""The pub/sub backend a `realtime_pubsub` value names.

Apart from pubsub.py so that the backends, which build on its interface, and this factory, which
knows them all, import one way.
"""

from __future__ import annotations

import os

from bastion.bus.pubsub import MemoryPubSub, PubSub, backend_kind


def open_pubsub(url: str, database_url: str = "") -> PubSub:
    """The backend a `realtime_pubsub` value names (not yet started).

    Each backend is imported when named: its client library (redis, nats, asyncpg) would cost
    every worker of a server that uses another one memory for nothing.
    """
    kind = backend_kind(url)
    if kind == "redis":
        from bastion.bus.pubsub_redis import RedisPubSub

        return RedisPubSub(url)
    if kind == "nats":
        from bastion.bus.pubsub_nats import NatsPubSub

        return NatsPubSub(url)
    if kind == "postgres":
        from bastion.bus.pubsub_postgres import PostgresPubSub

        return PostgresPubSub(database_url)
    if kind == "embedded":
        from bastion.bus.pubsub_embedded import EmbeddedPubSub

        return EmbeddedPubSub(url)
    return MemoryPubSub()


# Set by `serve` (broker_launch.py) in the workers' environment when it started a broker for them.
BROKER_ENV = "BASTION_REALTIME_BROKER"


def node_pubsub_url(url: str) -> str:
    """The backend this process uses for `realtime_pubsub = url`: `memory` means this node, which
    is the embedded broker when `serve` started workers with one, else this process alone."""
    if backend_kind(url) == "memory" and os.environ.get(BROKER_ENV):
        return "embedded:" + os.environ[BROKER_ENV]
    return url
