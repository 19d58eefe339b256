"""Two processes' worth of App on one database: a change made through one is seen by the other."""

from __future__ import annotations

import httpx

from bastion.api.asgi import create_asgi_app
from bastion.app import App


async def test_collection_and_settings_changes_reach_another_worker(api):
    other = await App(api.app.config).start()
    try:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_asgi_app(other, manage_lifecycle=False)),
            base_url="http://worker2",
        )
        async with client:
            headers = {"Authorization": api.superuser_token}
            await api.create_collection(
                {"name": "notes", "listRule": "", "fields": [{"name": "t", "type": "text"}]}
            )
            await api.su("PATCH", "/api/settings", json={"meta": {"appName": "Renamed"}})
            other._synced_at = 0.0  # as if the sync interval had passed
            assert (await client.get("/api/collections/notes/records")).status_code == 200
            settings = await client.get("/api/settings", headers=headers)
            assert settings.json()["meta"]["appName"] == "Renamed"
    finally:
        await other.stop()
