"""Read-your-writes across processes (issue #13): once a change to a collection or to the
settings is acknowledged by one App, the very next request to another App on the same database
(another worker process or node) answers from the new schema or settings, with no poll window.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bastion.api.asgi import create_asgi_app
from bastion.app import App


@asynccontextmanager
async def _other_process(api) -> AsyncIterator[httpx.AsyncClient]:
    app = await App(dataclasses.replace(api.app.config)).start()
    try:
        asgi = create_asgi_app(app, manage_lifecycle=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi), base_url="http://w2") as client:
            yield client
    finally:
        await app.stop()


def _public(name: str, *fields: str) -> dict:
    return {
        "name": name,
        "listRule": "",
        "viewRule": "",
        "createRule": "",
        "fields": [{"name": f, "type": "text"} for f in fields],
    }


async def test_collection_changes_are_in_force_on_the_next_request_elsewhere(api):
    async with _other_process(api) as other:
        assert (await other.get("/api/collections/fresh/records")).status_code == 404  # seen missing
        for i in range(3):
            created = await api.su("POST", "/api/collections", json=_public("fresh", "title"))
            assert created.status_code == 200, created.text
            r = await other.post("/api/collections/fresh/records", json={"title": f"t{i}"})
            assert (r.status_code, r.json().get("title")) == (200, f"t{i}")

            fields = [*created.json()["fields"], {"name": "extra", "type": "text"}]
            patched = await api.su("PATCH", "/api/collections/fresh", json={"fields": fields})
            assert patched.status_code == 200, patched.text
            r = await other.post("/api/collections/fresh/records", json={"title": "t", "extra": "x"})
            assert (r.status_code, r.json().get("extra")) == (200, "x")

            assert (await api.su("DELETE", "/api/collections/fresh")).status_code == 204
            r = await other.get("/api/collections/fresh/records")
            assert r.status_code == 404, r.text


async def test_a_settings_change_is_in_force_on_the_next_request_elsewhere(api):
    await api.create_collection(_public("batched", "title"))
    create = {"method": "POST", "url": "/api/collections/batched/records", "body": {"title": "b"}}
    async with _other_process(api) as other:
        answers = []
        for enabled in (True, False, True, False):
            r = await api.su("PATCH", "/api/settings", json={"batch": {"enabled": enabled, "maxRequests": 5}})
            assert r.status_code == 200, r.text
            r = await other.post("/api/batch", json={"requests": [create]})
            answers.append(r.status_code)
    assert answers == [200, 403, 200, 403]


async def test_a_change_made_here_is_not_reloaded_here(api):
    """The process that made a change has it in memory already: its stamp moves with the commit,
    so its next request does not read every collection again."""
    reloads = []
    real = api.app.collections.read_all

    async def counted():
        reloads.append(1)
        return await real()

    await api.http.get("/api/collections/users/records")  # settles the stamp read at start
    api.app.collections.read_all = counted
    created = await api.su("POST", "/api/collections", json=_public("local", "title"))
    assert created.status_code == 200, created.text
    r = await api.http.post("/api/collections/local/records", json={"title": "t"})
    assert r.status_code == 200, r.text
    assert reloads == []
