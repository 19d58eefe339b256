"""One contract for every pub/sub backend (memory, the embedded broker, Redis, NATS, PostgreSQL),
on the real services.

Each test opens two instances on a fresh channel, as two nodes would; a service that is absent
skips its cases (fails with BASTION_REQUIRE_SERVICES=1). The embedded broker runs in the test's
event loop, as `serve` runs it in a process of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bastion.bus.broker import Broker
from bastion.bus.pubsub import PubSub
from bastion.bus.pubsub_open import open_pubsub
from tests.conftest import PG_DSN, skip_or_fail

URLS = {
    "memory": "memory",
    "redis": "redis://127.0.0.1:6379/0",
    "nats": "nats://127.0.0.1:4222",
    "postgres": "postgres",
    "embedded": "embedded:",  # + the socket of the broker the fixture starts
}
SAFETY_TIMEOUT = 10.0


class Node:
    def __init__(self, pubsub: PubSub) -> None:
        self.pubsub = pubsub
        self.received: asyncio.Queue[bytes] = asyncio.Queue()

    async def take(self, n: int) -> list[bytes]:
        return [await asyncio.wait_for(self.received.get(), SAFETY_TIMEOUT) for _ in range(n)]


Opener = Callable[[str], Awaitable[Node]]


@pytest.fixture(params=sorted(URLS))
async def open_node(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[Opener]:
    opened: list[Node] = []
    url, broker = URLS[request.param], None
    if request.param == "embedded":
        url += str(tmp_path / "broker.sock")
        broker = await Broker().serve(url.removeprefix("embedded:"))

    async def opener(channel: str) -> Node:
        node = Node(open_pubsub(url, database_url=PG_DSN))
        try:
            await node.pubsub.start(channel, node.received.put_nowait)
        except Exception as exc:  # the service is not running here
            skip_or_fail(f"{request.param} pub/sub is not reachable: {exc!r}")
        opened.append(node)
        return node

    yield opener
    for node in opened:
        await node.pubsub.close()
    if broker is not None:
        await broker.close()


def _channel() -> str:
    return "bastion_test_" + secrets.token_hex(6)


async def test_every_subscriber_gets_every_message_in_order(open_node):
    channel = _channel()
    a, b = await open_node(channel), await open_node(channel)
    sent = [f'{{"n":{i}}}'.encode() for i in range(20)]
    for payload in sent:
        await a.pubsub.publish(payload)
    assert await b.take(20) == sent
    assert await a.take(20) == sent  # the publisher's own messages too: the origin filters them


async def test_large_payloads_arrive_whole(open_node):
    channel = _channel()
    a, b = await open_node(channel), await open_node(channel)
    # beyond PostgreSQL's 8,000-byte NOTIFY limit, with multi-byte characters across the cuts
    big = ('{"text":"' + "ß€😀x" * 30_000 + '"}').encode()
    await a.pubsub.publish(big)
    await a.pubsub.publish(b'{"after":1}')
    assert await b.take(2) == [big, b'{"after":1}']


async def test_channels_are_separate(open_node):
    a, other = await open_node(_channel()), await open_node(_channel())
    await a.pubsub.publish(b'{"for":"a"}')
    await other.pubsub.publish(b'{"for":"other"}')
    assert await other.take(1) == [b'{"for":"other"}']
    assert await a.take(1) == [b'{"for":"a"}']
    assert other.received.empty()


async def test_a_message_sent_to_another_channel_reaches_that_channel_only(open_node):
    """How a process sends a command to another one's inbox: from its own instance."""
    here, there = _channel(), _channel()
    a, other, also_a = await open_node(here), await open_node(there), await open_node(here)
    await a.pubsub.publish(b'{"to":"there"}', channel=there)
    await a.pubsub.publish(b'{"to":"here"}')
    assert await other.take(1) == [b'{"to":"there"}']
    assert await also_a.take(1) == [b'{"to":"here"}']  # sent after: "there" had its chance
    assert await a.take(1) == [b'{"to":"here"}']
    assert other.received.empty() and also_a.received.empty() and a.received.empty()


async def test_a_closed_subscriber_gets_nothing(open_node):
    channel = _channel()
    a, b = await open_node(channel), await open_node(channel)
    await b.pubsub.close()
    await a.pubsub.publish(b'{"n":1}')
    assert await a.take(1) == [b'{"n":1}']  # delivered: b would have had it by now
    await a.pubsub.publish(b'{"n":2}')
    assert await a.take(1) == [b'{"n":2}']
    assert b.received.empty()


async def test_postgres_listens_and_publishes_again_after_its_connections_drop():
    import asyncpg

    from bastion.bus.pubsub_postgres import PostgresPubSub

    try:
        conn = await asyncpg.connect(PG_DSN, timeout=3)
    except (OSError, asyncpg.PostgresError) as exc:
        skip_or_fail(f"PostgreSQL is not reachable: {exc}")
    channel = _channel()
    a, b = Node(PostgresPubSub(PG_DSN)), Node(PostgresPubSub(PG_DSN))
    for node in (a, b):
        await node.pubsub.start(channel, node.received.put_nowait)
    try:
        pids = [b.pubsub._listen.get_server_pid(), a.pubsub._notify.get_server_pid()]
        await conn.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", pids)
        # b listens again after a moment; until then a's messages may be missed (at most once)
        for _ in range(100):
            # the first publish may still find its connection dying (the bridge logs that error)
            with contextlib.suppress(Exception):
                await a.pubsub.publish(b'{"again":1}')
            try:
                assert await asyncio.wait_for(b.received.get(), 0.1) == b'{"again":1}'
                break
            except TimeoutError:
                continue
        else:
            pytest.fail("no message after the connections dropped")
    finally:
        await conn.close()
        for node in (a, b):
            await node.pubsub.close()
        gc.collect()  # a dropped connection left unclosed warns here, in this test, not later


async def test_embedded_subscribers_reconnect_when_the_broker_comes_back(tmp_path):
    path = str(tmp_path / "broker.sock")
    broker = await Broker().serve(path)
    a, b = Node(open_pubsub("embedded:" + path)), Node(open_pubsub("embedded:" + path))
    channel = _channel()
    for node in (a, b):
        await node.pubsub.start(channel, node.received.put_nowait)
    try:
        await broker.close()
        broker = await Broker().serve(path)  # a restarted broker: empty, on the same socket
        for _ in range(100):
            # until both have subscribed again, publishes fail or reach nobody (at most once)
            with contextlib.suppress(ConnectionError):
                await a.pubsub.publish(b'{"again":1}')
            try:
                assert await asyncio.wait_for(b.received.get(), 0.1) == b'{"again":1}'
                break
            except TimeoutError:
                continue
        else:
            pytest.fail("no message after the broker came back")
    finally:
        for node in (a, b):
            await node.pubsub.close()
        await broker.close()


async def test_a_message_published_after_anothers_publish_returned_arrives_after_it_everywhere(open_node):
    """What the node bridge relies on for event order: once `publish` returns, whatever any
    instance publishes next reaches every subscriber after it (here three instances take turns,
    each publishing only once the previous one's publish has returned)."""
    channel = _channel()
    nodes = [await open_node(channel) for _ in range(3)]
    sent = [f'{{"n":{i}}}'.encode() for i in range(300)]
    for i, payload in enumerate(sent):
        await nodes[i % 3].pubsub.publish(payload)
    for node in nodes:
        assert await node.take(300) == sent


async def test_ping_answers_while_the_service_does(open_node):
    """Readiness (api/ready.py) asks for one round trip."""
    node = await open_node(_channel())
    await asyncio.wait_for(node.pubsub.ping(), SAFETY_TIMEOUT)


async def test_ping_fails_once_the_embedded_broker_is_gone(tmp_path):
    path = str(tmp_path / "broker.sock")
    broker = await Broker().serve(path)
    node = Node(open_pubsub("embedded:" + path))
    await node.pubsub.start(_channel(), node.received.put_nowait)
    try:
        await node.pubsub.ping()
        await broker.close()
        with pytest.raises((ConnectionError, TimeoutError)):
            await asyncio.wait_for(node.pubsub.ping(), 2.0)
    finally:
        await node.pubsub.close()


async def test_a_burst_of_redis_publishes_shares_a_few_connections() -> None:
    """Two hundred concurrent publishes through one process's Redis pub/sub all arrive, over at
    most the pool's eight connections, the subscription's included (a connection per publish
    made a burst open two hundred sockets at once)."""
    from tests.support.redis_service import REDIS_URL, skip_without_redis

    await skip_without_redis()
    import redis.asyncio as redis_asyncio

    from bastion.bus.pubsub_redis import MAX_CONNECTIONS, RedisPubSub

    name = "bastion-test-" + secrets.token_hex(6)  # "bastion-pubsub" in production; ours alone here
    node = Node(RedisPubSub(REDIS_URL, client_name=name))
    observer = redis_asyncio.Redis.from_url(REDIS_URL, decode_responses=True)
    held: list[int] = []

    async def count_connections() -> int:
        held.append(sum(c.get("name") == name for c in await observer.client_list()))
        return held[-1]

    try:
        await node.pubsub.start(_channel(), node.received.put_nowait)
        sent = [f'{{"n":{i}}}'.encode() for i in range(200)]
        publishing = asyncio.gather(*(node.pubsub.publish(payload) for payload in sent))
        while not publishing.done():  # sampled while the publishes are in flight
            await count_connections()
            await asyncio.sleep(0)
        await publishing
        await count_connections()  # and after: a pool keeps what it opened
        assert sorted(await node.take(200)) == sorted(sent)
        assert 1 <= max(held) <= MAX_CONNECTIONS == 8, held
    finally:
        await node.pubsub.close()
        await observer.aclose()


async def test_redis_pubsub_connections_are_named_for_client_list() -> None:
    from tests.support.redis_service import REDIS_URL, skip_without_redis

    await skip_without_redis()
    import redis.asyncio as redis_asyncio

    from bastion.bus.pubsub_redis import RedisPubSub

    node = Node(RedisPubSub(REDIS_URL))
    observer = redis_asyncio.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        await node.pubsub.start(_channel(), node.received.put_nowait)
        mine = await node.pubsub._redis.client_id()  # a publishing connection's id
        named = {int(c["id"]) for c in await observer.client_list() if c.get("name") == "bastion-pubsub"}
        assert mine in named
    finally:
        await node.pubsub.close()
        await observer.aclose()


async def test_an_idle_redis_subscription_outlives_the_socket_timeout(caplog) -> None:
    """The pool's socket_timeout bounds commands, not the subscriber's wait for the next message:
    a quiet spell longer than it neither logs a failed read nor delays the next message by the
    reader's one-second pause."""
    from tests.support.redis_service import REDIS_URL, skip_without_redis

    await skip_without_redis()
    from bastion.bus.pubsub_redis import RedisPubSub

    node = Node(RedisPubSub(REDIS_URL, timeout=0.3))
    try:
        await node.pubsub.start(_channel(), node.received.put_nowait)
        await asyncio.sleep(1.0)  # three socket timeouts with nothing to read
        await node.pubsub.publish(b'{"after":"quiet"}')
        assert await asyncio.wait_for(node.received.get(), 5.0) == b'{"after":"quiet"}'
        assert "redis pub/sub read failed" not in caplog.text  # the read was never cut
    finally:
        await node.pubsub.close()


async def test_a_redis_publish_that_cannot_be_sent_raises_connection_error() -> None:
    """Callers tell "the pub/sub is unavailable" by the built-in ConnectionError (a forwarded
    realtime command then answers 503); redis-py's own errors are not one. Here the one
    connection of the pool is the subscription's, so a publish finds none free in time."""
    from tests.support.redis_service import REDIS_URL, skip_without_redis

    await skip_without_redis()
    from bastion.bus.pubsub_redis import RedisPubSub

    node = Node(RedisPubSub(REDIS_URL, max_connections=1, timeout=0.2))
    try:
        await node.pubsub.start(_channel(), node.received.put_nowait)
        with pytest.raises(ConnectionError):
            await node.pubsub.publish(b"{}")
    finally:
        await node.pubsub.close()
