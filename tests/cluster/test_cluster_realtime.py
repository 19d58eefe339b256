"""Realtime anywhere (issue #13): a client's SSE stream, its subscription requests and the writes
it hears about may each land on a different node or worker process; every subscriber gets each
event exactly once, and an unsubscribe reaches the process that holds the stream. Long polling
too: every poll of a poll client may land on another process than the one holding it.

Behind nginx the stream, the subscription POST and the write are consecutive requests, so they
reach three different nodes. Between workers, each stream and each POST is a new connection the
kernel deals out; with STREAMS_PER_WORKER_RUN streams, a run where all of a stream's requests
reach its own worker every time has a chance of (1/2)^STREAMS_PER_WORKER_RUN.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.cluster.cluster_harness import RunningCluster, settle, superuser_headers
from tests.cluster.scenario import collections_are_there, new_name, public_collection
from tests.support.sse_stream import WAIT, SseStream, wait_all

STREAMS_PER_WORKER_RUN = 12


def stream_count(cluster: RunningCluster) -> int:
    if cluster.proxy is not None:
        return len(cluster.nodes)  # one stream per node
    return STREAMS_PER_WORKER_RUN if cluster.fresh_connections else 2


@pytest.fixture
def open_streams(scaled: RunningCluster) -> Iterator[Callable[[], list[SseStream]]]:
    """Opens the test's streams when called (after its set-up requests), closes them after."""
    opened: list[SseStream] = []

    def open_them() -> list[SseStream]:
        for _ in range(stream_count(scaled)):
            opened.append(SseStream(scaled.base_url))
        # Behind nginx, stream i went to node i; one request more, so that the subscription POST
        # i that follows goes to node i + 1, and the POST never reaches its stream's own node.
        httpx.get(f"{scaled.base_url}/api/health", timeout=10)
        return list(opened)

    try:
        yield open_them
    finally:
        for stream in opened:
            stream.close()


def two_public_collections(scaled: RunningCluster) -> tuple[str, str]:
    su = superuser_headers(scaled)
    names = new_name("rt"), new_name("marker")
    with scaled.client(headers=su) as client:
        for name in names:
            r = client.post("/api/collections", json=public_collection(name))
            assert r.status_code == 200, r.text
    settle(scaled, collections_are_there(list(names), su))
    return names


def test_subscriptions_and_writes_on_other_processes_reach_the_stream(scaled, open_streams):
    name, _ = two_public_collections(scaled)
    streams = open_streams()
    with scaled.client() as client:
        answers = [stream.subscribe(client, name).status_code for stream in streams]
        r = client.post(f"/api/collections/{name}/records", json={"title": "hello"})
        assert r.status_code == 200, r.text
        record_id = r.json()["id"]
    refused = [a != 204 for a in answers]
    received = [
        [(n, d["action"], d["record"]["id"]) for n, d in got] for got in wait_all(streams, 1, refused)
    ]
    assert answers == [204] * len(streams)
    assert received == [[(name, "create", record_id)]] * len(streams)


def test_each_event_once_and_an_unsubscribe_reaches_the_stream(scaled, open_streams):
    """Subscribed to two collections, then to the marker one only: the next write to the first
    collection must not arrive, the marker's must, and every event arrives once."""
    name, marker = two_public_collections(scaled)
    streams = open_streams()
    with scaled.client() as client:
        answers = [stream.subscribe(client, name, marker).status_code for stream in streams]
        first = client.post(f"/api/collections/{name}/records", json={"title": "one"}).json()["id"]
        answers += [stream.subscribe(client, marker).status_code for stream in streams]
        client.post(f"/api/collections/{name}/records", json={"title": "unheard"})
        last = client.post(f"/api/collections/{marker}/records", json={"title": "end"}).json()["id"]
    count = len(streams)
    refused = [a != 204 or b != 204 for a, b in zip(answers[:count], answers[count:], strict=True)]
    received = [[(n, d["record"]["id"]) for n, d in got] for got in wait_all(streams, 2, refused)]
    assert answers == [204] * 2 * len(streams)
    assert received == [[(name, first), (marker, last)]] * len(streams)


POLL_TIMEOUT = 5  # seconds a poll waits for its first event


def poll_events(client: httpx.Client, client_id: str, count: int) -> list[Any]:
    """(topic, record id) of the events the poll client gets, polling until `count` arrived and
    once more without waiting (so a duplicate would show); a poll answered otherwise than 200
    ends the list with ("status", code). Bounded by WAIT seconds."""
    got: list[Any] = []
    cursor = 0
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        wait = 0 if len(got) >= count else POLL_TIMEOUT
        r = client.post("/api/realtime/poll", json={"clientId": client_id, "cursor": cursor, "timeout": wait})
        if r.status_code != 200:
            return [*got, ("status", r.status_code)]
        answer = r.json()
        got += [(e["topic"], e["record"]["id"]) for e in answer["events"]]
        cursor = answer["cursor"]
        if wait == 0:
            break
    return got


def test_long_polls_on_other_processes_get_each_event_once(scaled):
    """Poll clients are created (subscribed in their first poll), two records are written, then
    each client polls until both events came. Behind nginx the polls of a client reach other
    nodes than the one that created it; between workers, each poll is a new connection. Events
    written on two processes may arrive in either order."""
    name, marker = two_public_collections(scaled)
    count = stream_count(scaled)
    with scaled.client() as client:
        client_ids = []
        for _ in range(count):
            r = client.post("/api/realtime/poll", json={"subscriptions": [name, marker]})
            assert r.status_code == 200, r.text
            client_ids.append(r.json()["clientId"])
        first = client.post(f"/api/collections/{name}/records", json={"title": "one"}).json()["id"]
        last = client.post(f"/api/collections/{marker}/records", json={"title": "end"}).json()["id"]
        received = [sorted(poll_events(client, client_id, 2)) for client_id in client_ids]
    assert received == [sorted([(name, first), (marker, last)])] * count
