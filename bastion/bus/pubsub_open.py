"""The pub/sub backend a `realtime_pubsub` value names.

Apart from pubsub.py so that the backends, which build on its interface, and this factory, which
knows them all, import one way.
"""

from __future__ import annotations

from bastion.bus.pubsub import MemoryPubSub, PubSub, backend_kind
from bastion.bus.pubsub_nats import NatsPubSub
from bastion.bus.pubsub_postgres import PostgresPubSub
from bastion.bus.pubsub_redis import RedisPubSub


def open_pubsub(url: str, database_url: str = "") -> PubSub:
    """The backend a `realtime_pubsub` value names (not yet started)."""
    kind = backend_kind(url)
    if kind == "redis":
        return RedisPubSub(url)
    if kind == "nats":
        return NatsPubSub(url)
    if kind == "postgres":
        return PostgresPubSub(database_url)
    return MemoryPubSub()
