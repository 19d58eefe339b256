"""OAuth2 sign-in across processes: two Apps on one database stand for two workers (or nodes).

The SDK's popup flow holds a realtime stream on one worker while the provider sends the browser
to `/api/oauth2-redirect`, which a balancer may hand to another worker; the code must still reach
the waiting client, and Apple's one-time name must reach whichever worker exchanges the code."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.api.oauth2.landing import landing
from tests.api.oauth2.test_apple_sign_in import APPLE_USER, MAPPED
from tests.api.oauth2.test_auth_with_oauth2 import (
    REDIRECT,
    USER,
    authorize,
    enable_oauth2,
    id_token_config,
    oidc_config,
    provider_entry,
)
from tests.conftest import client_from, second_app
from tests.support.oidc_provider import OidcProvider
from tests.support.serve_process import serving
from tests.support.sse_stream import SseStream


@pytest.fixture
def idp() -> Iterator[OidcProvider]:
    with OidcProvider(USER) as provider:
        yield provider


@pytest.fixture
def apple_idp() -> Iterator[OidcProvider]:
    with OidcProvider(APPLE_USER) as provider:
        yield provider


def exchange(entry: dict[str, Any], code: str) -> dict[str, Any]:
    return {
        "provider": entry["name"],
        "code": code,
        "codeVerifier": entry["codeVerifier"],
        "redirectURL": REDIRECT,
    }


async def test_a_redirect_on_another_worker_reaches_the_waiting_client(api: Any, idp: OidcProvider) -> None:
    await enable_oauth2(api, oidc_config(idp), {"id": "", "name": "name", "username": "", "avatarURL": ""})
    entry = await provider_entry(api)
    code = await authorize(entry)
    waiting = api.app.realtime.register(ip="127.0.0.1")  # the SDK's stream, held by the first worker
    waiting.set_subscriptions(["@oauth2"])
    async with second_app(api) as worker_two, client_from(worker_two, "127.0.0.1") as two:
        r = await two.get(f"/api/oauth2-redirect?state={waiting.id}&code={code}")
        assert landing(r) == "success"
        message = waiting.outbox.get_nowait()
        assert message.name == "@oauth2"
        assert json.loads(message.data) == {"state": waiting.id, "code": code}
        # the SDK then exchanges the code, here on the second worker too
        r = await two.post("/api/collections/users/auth-with-oauth2", json=exchange(entry, code))
        assert r.status_code == 200, r.text
        assert r.json()["record"]["email"] == USER["email"]
        # one answer per subscription, whichever worker the replay reaches
        for worker in (two, api.http):
            r = await worker.get(f"/api/oauth2-redirect?state={waiting.id}&code=again")
            assert landing(r) == "failure"
        assert waiting.outbox.empty()


async def test_a_redirect_from_another_address_is_refused_on_any_worker(api: Any) -> None:
    waiting = api.app.realtime.register(ip="10.9.9.9")
    waiting.set_subscriptions(["@oauth2"])
    async with second_app(api) as worker_two, client_from(worker_two, "127.0.0.1") as two:
        r = await two.get(f"/api/oauth2-redirect?state={waiting.id}&code=x")
        assert landing(r) == "failure"
        assert waiting.outbox.empty() and "@oauth2" not in waiting.subscriptions


async def test_apples_name_reaches_the_worker_that_exchanges_the_code(
    api: Any, apple_idp: OidcProvider
) -> None:
    """The redirect lands on a served process (its own memory), the code exchange on this one."""
    await enable_oauth2(api, id_token_config(apple_idp, "apple"), MAPPED)
    entry = await provider_entry(api, "apple")
    code = await authorize(entry)
    user_field = json.dumps({"name": {"firstName": "Ada", "lastName": "Lovelace"}})
    database = ("--db", api.app.config.database_url) if api.app.config.database_url else ()
    with serving(api.app.config.data_dir, args=database) as (_, other_worker):
        stream = await asyncio.to_thread(SseStream, other_worker)
        async with httpx.AsyncClient(base_url=other_worker) as two:
            body = {"clientId": stream.client_id, "subscriptions": ["@oauth2"]}
            assert (await two.post("/api/realtime", json=body)).status_code == 204
            r = await two.post(
                "/api/oauth2-redirect", data={"state": stream.client_id, "code": code, "user": user_field}
            )
        assert landing(r) == "success"
        events = await asyncio.to_thread(stream.wait_for, 1)
        stream.close()
        assert events == [("@oauth2", {"state": stream.client_id, "code": code})]
    r = await api.request("POST", "/api/collections/users/auth-with-oauth2", json=exchange(entry, code))
    assert r.status_code == 200, r.text
    assert (r.json()["meta"]["name"], r.json()["record"]["name"]) == ("Ada Lovelace", "Ada Lovelace")


async def test_redirects_waiting_for_another_worker_are_bounded_per_address(api: Any) -> None:
    """A stranger's redirects for states no process holds each wait for a reply; past the
    per-address bound they fail without touching the store, and other addresses still relay."""
    relay = api.app.oauth2_relay
    relay.wait, relay.max_waiting_per_address = 1.0, 2
    store = api.app.ephemeral

    async def redirect(client: Any, state: str) -> str:
        return landing(await client.get(f"/api/oauth2-redirect?state={state}&code=x"))

    async with client_from(api.app, "198.51.100.9") as stranger, client_from(api.app, "203.0.113.9") as other:
        waiting = [asyncio.create_task(redirect(stranger, state)) for state in ("wait1", "wait2")]
        for _ in range(200):  # bounded wait until both are handed over
            if all([await store.get(f"oauth2|redirect|{s}") for s in ("wait1", "wait2")]):
                break
            await asyncio.sleep(0.01)
        assert await redirect(stranger, "third") == "failure"
        assert await store.get("oauth2|redirect|third") is None  # refused before the store
        assert not any(task.done() for task in waiting)
        third_elsewhere = asyncio.create_task(redirect(other, "elsewhere"))
        for _ in range(200):
            if await store.get("oauth2|redirect|elsewhere"):
                break
            await asyncio.sleep(0.01)
        assert await store.get("oauth2|redirect|elsewhere") is not None
        for text in await asyncio.gather(*waiting, third_elsewhere):
            assert text == "failure"  # no process holds these states
        assert await store.get("oauth2|redirect|wait1") is None  # withdrawn when nobody took it
