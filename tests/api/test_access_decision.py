"""One access decision: every entry point that can show a record agrees on who may see it.

The same rule goes on a collection's listRule, viewRule and updateRule, and each entry point is
asked whether a caller reaches one record through it: REST list, view and update, expand (of one
record and of a list), a relation sort and a relation filter from another collection, a batch
update, and a realtime SSE subscription. The answers must be the rule's answer everywhere
(PocketBase's CanAccessRecord: a superuser always, `null` nobody else, `""` everyone, otherwise
the records the rule matches for that caller), on both databases.
"""

from __future__ import annotations

from typing import Any

from bastion.api.asgi import create_asgi_app
from tests.api.realtime.conftest import marker
from tests.api.realtime.sse_client import SseClient

RULES: dict[str, str | None] = {
    "null": None,
    "public": "",
    "true": 'title != ""',
    "false": 'title = "nomatch"',
    "owner": "owner = @request.auth.id",  # reads the record: compiled to SQL
    "signed_in": '@request.auth.id != ""',  # reads the request only: decided in memory
}
CALLERS = ("superuser", "guest", "user")
MARK = "rt_marker"


def expected(rule: str, caller: str) -> bool:
    if caller == "superuser" or rule in ("public", "true"):
        return True
    return caller == "user" and rule in ("owner", "signed_in")


async def _setup(api: Any) -> dict[str, Any]:
    user, token = await api.create_user("reader@example.com")
    docs = await api.create_collection(
        {
            "name": "docs",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
            ],
        }
    )
    await api.create_collection(
        {
            "name": "refs",
            "listRule": "",
            "viewRule": "",
            "fields": [
                {"name": "label", "type": "text"},
                {"name": "doc", "type": "relation", "collectionId": docs["id"], "maxSelect": 1},
            ],
        }
    )
    doc = await api.create_record("docs", {"title": "hello", "owner": user["id"]})
    ref = await api.create_record("refs", {"label": "r", "doc": doc["id"]})
    r = await api.su("PATCH", "/api/settings", json={"batch": {"enabled": True}})
    assert r.status_code == 200, r.text
    await marker(api, MARK)
    return {"doc": doc["id"], "ref": ref["id"], "tokens": {"superuser": api.superuser_token, "user": token}}


async def _rest(api: Any, w: dict[str, Any], token: str | None) -> dict[str, bool]:
    """What one caller reaches through each REST entry point."""
    doc, ref = w["doc"], w["ref"]
    docs, refs = "/api/collections/docs/records", "/api/collections/refs/records"

    async def get(url: str, **params: str) -> Any:
        r = await api.request("GET", url, token=token, params=params)
        assert r.status_code in (200, 400, 403, 404), r.text
        return r.json() if r.status_code == 200 else None

    def has(body: Any, record_id: str) -> bool:
        return body is not None and record_id in [i["id"] for i in body["items"]]

    seen = {
        "list": has(await get(docs), doc),
        "view": await get(f"{docs}/{doc}") is not None,
        "expand": "doc" in ((await get(f"{refs}/{ref}", expand="doc")) or {}).get("expand", {}),
        "expand in a list": "doc" in ((await get(refs, expand="doc"))["items"][0].get("expand", {})),
        "relation sort": has(await get(refs, sort="-doc.title"), ref),
        "relation filter": has(await get(refs, filter='doc.title != "zzz"'), ref),
    }
    r = await api.request("PATCH", f"{docs}/{doc}", token=token, json={"title": "hello"})
    assert r.status_code in (200, 403, 404), r.text
    seen["update"] = r.status_code == 200
    batch = {"requests": [{"method": "PATCH", "url": f"{docs}/{doc}", "body": {"title": "hello"}}]}
    r = await api.request("POST", "/api/batch", token=token, json=batch)
    assert r.status_code in (200, 400), r.text
    seen["batch update"] = r.status_code == 200
    return seen


async def test_every_entry_point_makes_the_same_decision(api):
    w = await _setup(api)
    asgi = create_asgi_app(api.app, manage_lifecycle=False)
    streams = {}
    for caller in CALLERS:
        client = await SseClient(api, asgi, token=w["tokens"].get(caller)).open()
        assert await client.subscribe("docs/*", f"{MARK}/*") == 204
        streams[caller] = client
    try:
        decisions: dict[tuple[str, str], dict[str, bool]] = {}
        for name, rule in RULES.items():
            rules = {"listRule": rule, "viewRule": rule, "updateRule": rule}
            assert (await api.su("PATCH", "/api/collections/docs", json=rules)).status_code == 200
            # realtime: a superuser's write, then a marker that proves the fan-out is done
            await api.su("PATCH", f"/api/collections/docs/records/{w['doc']}", json={"title": "hello"})
            await marker(api, MARK)
            for caller, client in streams.items():
                events = await client.until(f"{MARK}/*")
                decisions[(name, caller)] = {"realtime SSE": any(e.name == "docs/*" for e in events)}
            for caller in CALLERS:
                decisions[(name, caller)].update(await _rest(api, w, w["tokens"].get(caller)))
            await marker(api, MARK)  # the REST writes' events: read past them
            for client in streams.values():
                await client.until(f"{MARK}/*")
    finally:
        for client in streams.values():
            await client.close()
    wrong = {
        (rule, caller, entry): seen
        for (rule, caller), by_entry in decisions.items()
        for entry, seen in by_entry.items()
        if seen != expected(rule, caller)
    }
    assert not wrong, f"entry points disagree with the rule: {wrong}"
    assert len(next(iter(decisions.values()))) == 9  # every entry point was asked
