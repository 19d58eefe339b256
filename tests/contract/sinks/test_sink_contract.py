"""One contract for every event sink (RabbitMQ, NATS JetStream, Redis Streams), on the real
brokers at their usual ports; a broker that is absent skips its cases (fails with
BASTION_REQUIRE_SERVICES=1).

Faults are made with a TCP proxy between the sink and the broker (tests/support/tcp_proxy.py):
dropping its connections is a network fault or a broker restart as the client sees it; stopping
it is a broker that is down. Where the broker can cut a client itself (Redis CLIENT KILL,
rabbitmqctl close_connection) that is tested too.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
from collections.abc import AsyncIterator, Callable

import pytest

from bastion.config_sinks import EventSinkConfig
from bastion.jobs.sinks.route import open_sink
from bastion.jobs.sinks.sink import EventSink, SinkError, SinkMessage
from tests.conftest import skip_or_fail
from tests.contract.sinks.brokers import HOST, PORTS, SAFETY_TIMEOUT, Consumer, new_target, open_consumer, url
from tests.support.tcp_proxy import TcpProxy

BROKERS = sorted(PORTS)


def message(n: int, event_id: str | None = None, action: str = "created") -> SinkMessage:
    body = {"type": f"record.{action}", "timestamp": "2026-12-02T16:47:41.123Z", "data": {"n": n}}
    return SinkMessage(event_id or f"evt_test{n:04d}", f"record.{action}", "posts", json.dumps(body).encode())


class Harness:
    def __init__(self, broker: str, consumer: Consumer, target: str) -> None:
        self.broker, self.consumer, self.target = broker, consumer, target
        self.sinks: list[EventSink] = []
        self.proxies: list[TcpProxy] = []

    def sink(self, port: int | None = None, *, timeout: float = 5.0, name: str = "test-sink") -> EventSink:
        config = EventSinkConfig(name, url(self.broker, port), self.target)
        sink = open_sink(config, timeout=timeout)
        self.sinks.append(sink)
        return sink

    async def proxy(self) -> TcpProxy:
        proxy = await TcpProxy(HOST, PORTS[self.broker]).start()
        self.proxies.append(proxy)
        return proxy


@pytest.fixture(params=BROKERS)
async def harness(request: pytest.FixtureRequest) -> AsyncIterator[Harness]:
    broker, target = request.param, new_target(request.param)
    try:
        consumer = await asyncio.wait_for(open_consumer(broker, target), SAFETY_TIMEOUT)
    except Exception as exc:
        skip_or_fail(f"{broker} at {HOST}:{PORTS[broker]} is not reachable: {exc!r}")
    h = Harness(broker, consumer, target)
    yield h
    for sink in h.sinks:
        await sink.close()
    for proxy in h.proxies:
        await proxy.stop()
    await consumer.close()


async def publish(sink: EventSink, msg: SinkMessage) -> None:
    await asyncio.wait_for(sink.publish(msg), SAFETY_TIMEOUT)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])  # nothing listens once it is closed


async def test_a_consumer_receives_each_event_with_its_id_body_and_routing(harness):
    sink = harness.sink()
    sent = [message(1), message(2, action="updated"), message(3, action="deleted")]
    for m in sent:
        await publish(sink, m)
    got = await harness.consumer.wait_for(3)
    assert [(i, json.loads(b)) for i, b, _ in got] == [(m.id, json.loads(m.body)) for m in sent]
    assert [r.split(".")[-2:] for _, _, r in got] == [
        ["posts", "created"],
        ["posts", "updated"],
        ["posts", "deleted"],
    ]


async def test_the_same_event_twice_is_dropped_or_carries_the_same_id(harness):
    sink = harness.sink()
    await publish(sink, message(1, "evt_twice"))
    await publish(sink, message(1, "evt_twice"))  # a retried job: the first ack was lost
    await publish(sink, message(2))
    if harness.broker == "nats":  # JetStream de-duplicates by Nats-Msg-Id
        got = await harness.consumer.wait_for(2)
        assert [i for i, _, _ in got] == ["evt_twice", "evt_test0002"]
    else:
        got = await harness.consumer.wait_for(3)
        assert [i for i, _, _ in got] == ["evt_twice", "evt_twice", "evt_test0002"]
        assert got[0][1] == got[1][1]


async def test_concurrent_publishes_share_one_connection_and_all_arrive(harness):
    sink = harness.sink()
    sent = [message(n) for n in range(40)]
    await asyncio.wait_for(asyncio.gather(*(sink.publish(m) for m in sent)), SAFETY_TIMEOUT)
    got = await harness.consumer.wait_for(40)
    assert sorted(i for i, _, _ in got) == sorted(m.id for m in sent)


async def test_an_unreachable_broker_fails_fast_naming_the_sink_and_the_cause(harness):
    port = closed_port()
    sink = harness.sink(port, timeout=SAFETY_TIMEOUT * 3, name="down-sink")
    with pytest.raises(SinkError) as caught:
        await publish(sink, message(1))  # bounded well below the sink's own timeout
    text = str(caught.value)
    assert "'down-sink'" in text and f"{HOST}:{port}" in text and "evt_test0001" in text
    assert "refused" in text.lower() or "connect call failed" in text.lower(), text
    assert "guest:guest" not in text  # the password is not in messages or logs


async def test_a_broker_down_at_start_is_used_once_it_is_up(harness):
    proxy = await harness.proxy()
    await proxy.stop()  # the broker is down
    sink = harness.sink(proxy.port)
    with pytest.raises(SinkError):
        await publish(sink, message(1))
    await proxy.start()  # it is back, on the same address
    await publish(sink, message(1))  # the job's retry
    got = await harness.consumer.wait_for(1)
    assert [i for i, _, _ in got] == ["evt_test0001"]


async def test_a_connection_dropped_mid_stream_recovers_on_the_next_publish(harness):
    proxy = await harness.proxy()
    sink = harness.sink(proxy.port)
    await publish(sink, message(1))
    await proxy.drop()  # every connection through it is cut, as by a network fault
    await publish(sink, message(2))
    await proxy.drop()
    await publish(sink, message(3))
    got = await harness.consumer.wait_for(3)
    assert [i for i, _, _ in got] == ["evt_test0001", "evt_test0002", "evt_test0003"]


async def test_publishing_while_the_broker_is_gone_fails_and_loses_nothing_after(harness):
    proxy = await harness.proxy()
    sink = harness.sink(proxy.port)
    await publish(sink, message(1))
    await proxy.stop()  # goes down mid-stream: connections cut, new ones refused
    with pytest.raises(SinkError):
        await publish(sink, message(2))
    await proxy.start()
    await publish(sink, message(2))  # the retry
    await publish(sink, message(3))
    got = await harness.consumer.wait_for(3)
    assert [i for i, _, _ in got] == ["evt_test0001", "evt_test0002", "evt_test0003"]


async def _redis_kill(sink_name: str) -> None:
    import redis.asyncio as redis_asyncio

    admin = redis_asyncio.from_url(url("redis"))
    try:
        clients = await admin.client_list()
        ids = [c["id"] for c in clients if c.get("name") == f"bastion-sink:{sink_name}"]
        assert ids, "the sink's connection is not in CLIENT LIST"
        for client_id in ids:
            await admin.client_kill_filter(_id=client_id)
    finally:
        await admin.aclose()


async def _rabbitmq_kill(sink_name: str) -> None:
    rabbitmqctl = shutil.which("rabbitmqctl")
    if rabbitmqctl is None:
        skip_or_fail("rabbitmqctl is not installed (it closes a connection from the broker's side)")

    async def run(*args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            rabbitmqctl, "-q", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        assert proc.returncode == 0, err.decode()
        return out.decode()

    listing = await run("list_connections", "pid", "client_properties")
    names = [
        line.split("\t")[0]
        for line in listing.splitlines()
        if f'{{"connection_name","bastion sink {sink_name}"}}' in line
    ]
    assert names, f"the sink's connection is not listed: {listing!r}"
    for name in names:
        await run("close_connection", name, "closed by the sink contract test")


KILLERS: dict[str, Callable[[str], object]] = {"redis": _redis_kill, "rabbitmq": _rabbitmq_kill}


# NATS cuts a client only through its system account: the proxy test covers it there.
@pytest.mark.parametrize("harness", sorted(KILLERS), indirect=True)
async def test_a_connection_the_broker_closes_recovers_on_the_next_publish(harness):
    name = f"kill-{harness.target.replace(':', '-')}"
    sink = harness.sink(name=name)
    await publish(sink, message(1))
    await KILLERS[harness.broker](name)
    await publish(sink, message(2))
    got = await harness.consumer.wait_for(2)
    assert [i for i, _, _ in got] == ["evt_test0001", "evt_test0002"]


@pytest.mark.parametrize("harness", ["nats"], indirect=True)
async def test_a_jetstream_stream_that_does_not_cover_the_prefix_is_named(harness):
    stream = harness.target.partition(":")[0]
    await harness.consumer.js.add_stream(name=stream, subjects=[f"other_{stream.lower()}.>"])
    sink = harness.sink()
    with pytest.raises(
        SinkError, match=rf"no JetStream stream takes subject .* \(stream {stream} must cover"
    ):
        await publish(sink, message(1))
