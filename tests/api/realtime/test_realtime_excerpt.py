"""A subscription's `fields` option with `:excerpt`, on every transport.

Realtime events go through the same picker as REST responses: a hostile editor value must give
the subscriber PocketBase's answer (the excerpt, or the whole record where PocketBase's HTML
parser refuses the value), and the subscriber must get its event at all.
"""

from __future__ import annotations

import json

from tests.api.realtime.conftest import marker

MARK = "rt_marker/*"
NESTED = "<b>" * 300 + "nested" + "</b>" * 300  # 2.1 KB: crashed the old HTML tree builder
TOO_DEEP = "<b>" * 700 + "deep"  # past PocketBase's 512 open elements


async def test_excerpt_option_on_hostile_values(api, rt):
    await api.create_collection(
        {
            "name": "docs",
            "listRule": "",
            "viewRule": "",
            "fields": [{"name": "title", "type": "text"}, {"name": "body", "type": "editor"}],
        }
    )
    client = await rt()
    sub = "docs/*?options=" + json.dumps({"query": {"fields": "id,body:excerpt(10,true)"}})
    await client.subscribe(sub, MARK)
    nested = await api.create_record("docs", {"title": "a", "body": NESTED})
    deep = await api.create_record("docs", {"title": "b", "body": TOO_DEEP})
    plain = await api.create_record("docs", {"title": "c", "body": "<p>Hello <b>world</b> again</p>"})
    await marker(api)
    events = await client.until(MARK)
    assert [e.data["record"] for e in events[:-1]] == [
        {"id": nested["id"], "body": "nested"},
        deep,  # sent whole, as PocketBase does when picking fails
        {"id": plain["id"], "body": "Hello worl..."},
    ]
