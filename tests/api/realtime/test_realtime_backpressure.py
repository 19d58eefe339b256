"""A subscriber that stops reading is dropped once its bounded queue is full."""

from __future__ import annotations

from bastion.realtime import client_state
from tests.api.realtime.conftest import marker

MARK = "rt_marker/*"


async def test_slow_consumer_is_dropped(api, sse, monkeypatch):
    await api.create_collection(
        {"name": "posts", "listRule": "", "viewRule": "", "fields": [{"name": "title", "type": "text"}]}
    )
    healthy = await sse()  # the default queue: room for every event below
    monkeypatch.setattr(client_state, "OUTBOX_SIZE", 3)
    slow = await sse()
    assert await slow.subscribe("posts/*") == 204
    assert await healthy.subscribe("posts/*", MARK) == 204
    slow.reading.clear()  # stops reading: the server's writes now stall
    for i in range(10):
        await api.create_record("posts", {"title": f"t{i}"})
    await marker(api)
    events = await healthy.until(MARK)
    assert len(events) == 11  # the healthy client got everything
    assert await slow.subscribe("posts/*") == 404  # the slow one is gone ...
    slow.reading.set()
    assert await slow.ended()  # ... and its stream ends instead of buffering
