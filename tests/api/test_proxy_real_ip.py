"""PocketBase's `trustedProxy` settings decide the client address behind a proxy (issue #12):
health's `realIP`, the rate limiter and the request log all use it, a change applies on the next
request of every worker, and with `trusted_proxies` configured only those peers are believed.
Expected answers are PocketBase 0.40.6's, taken from the binary."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bastion.api.asgi import create_asgi_app
from bastion.app import App
from bastion.cli.superusers import upsert_superuser_in
from bastion.config import Config
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD


async def health(client, token: str, headers=()) -> dict:
    r = await client.request("GET", "/api/health", headers=[("Authorization", token), *headers])
    assert r.status_code == 200, r.text
    return r.json()["data"]


async def trust(api, headers: list[str], leftmost: bool = False) -> None:
    body = {"trustedProxy": {"headers": headers, "useLeftmostIP": leftmost}}
    assert (await api.su("PATCH", "/api/settings", json=body)).status_code == 200


async def test_trusted_proxy_headers_give_the_real_ip(api):
    su = api.superuser_token
    forwarded = [("X-Forwarded-For", "6.6.6.6, 1.2.3.4")]
    # not configured: the peer, with a hint that a proxy is in front
    data = await health(api.http, su, forwarded)
    assert data == {"canBackup": True, "realIP": "127.0.0.1", "possibleProxyHeader": "X-Forwarded-For"}
    assert (await health(api.http, su))["possibleProxyHeader"] == ""
    cf = await health(api.http, su, [("CF-Connecting-IP", "5.5.5.5"), ("Fly-Client-IP", "7.7.7.7")])
    assert cf["possibleProxyHeader"] == "CF-Connecting-IP"

    await trust(api, ["X-Real-IP", "X-Forwarded-For"])
    data = await health(api.http, su, forwarded)
    assert (data["realIP"], data["possibleProxyHeader"]) == ("1.2.3.4", "X-Forwarded-For")
    # junk and address:port are skipped; a header without an address passes to the next one
    data = await health(api.http, su, [("X-Real-IP", "junk"), ("X-Forwarded-For", "1.2.3.4, 8.8.8.8:80")])
    assert (data["realIP"], data["possibleProxyHeader"]) == ("1.2.3.4", "X-Real-IP")
    # the last occurrence is the one the nearest proxy wrote
    two = [("X-Forwarded-For", "9.9.9.9"), ("X-Forwarded-For", "6.6.6.6, 2001:db8::1")]
    assert (await health(api.http, su, two))["realIP"] == "2001:db8::1"
    assert (await health(api.http, su))["realIP"] == "127.0.0.1"

    await trust(api, ["X-Forwarded-For"], leftmost=True)
    assert (await health(api.http, su, forwarded))["realIP"] == "6.6.6.6"


async def test_rate_limits_count_the_real_client(api):
    await trust(api, ["X-Forwarded-For"])
    rules = [{"label": "GET /api/health", "audience": "", "duration": 60, "maxRequests": 1}]
    r = await api.su("PATCH", "/api/settings", json={"rateLimits": {"enabled": True, "rules": rules}})
    assert r.status_code == 200, r.text

    async def hit(address: str) -> int:
        return (await api.request("GET", "/api/health", headers={"X-Forwarded-For": address})).status_code

    assert await hit("203.0.113.1") == 200
    assert await hit("203.0.113.1") == 429
    assert await hit("203.0.113.2") == 200  # another client behind the same proxy


async def test_request_logs_record_the_real_client_and_the_proxy(api):
    await trust(api, ["X-Forwarded-For"])
    await api.request(
        "GET", "/api/health", headers={"X-Forwarded-For": "198.51.100.4", "User-Agent": "via-proxy"}
    )
    await api.app.request_logs.writer.flush()
    r = await api.su("GET", "/api/logs", params={"filter": "data.userAgent = 'via-proxy'"})
    [entry] = r.json()["items"]
    assert (entry["data"]["userIP"], entry["data"]["remoteIP"]) == ("198.51.100.4", "127.0.0.1")


async def test_a_settings_change_reaches_another_worker(api):
    other = await App(api.app.config).start()  # its HTTP stack is built before the change
    try:
        transport = httpx.ASGITransport(app=create_asgi_app(other, manage_lifecycle=False))
        async with httpx.AsyncClient(transport=transport, base_url="http://worker2") as client:
            headers = [("X-Forwarded-For", "1.2.3.4")]
            assert (await health(client, api.superuser_token, headers))["realIP"] == "127.0.0.1"
            await trust(api, ["X-Forwarded-For"])
            other._synced_at = 0.0  # as if the sync interval had passed
            # the worker picks settings up on a request that reads the schema (health never waits
            # on the database), and from then on resolves the client with them
            assert (await client.get("/api/collections/users/auth-methods")).status_code == 200
            assert (await health(client, api.superuser_token, headers))["realIP"] == "1.2.3.4"
    finally:
        await other.stop()


@asynccontextmanager
async def server_behind(
    database_url: str, tmp_path, peer: str
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """An App whose config trusts 10.0.0.0/8 as its proxies, reached from `peer`."""
    app = await App(
        Config(data_dir=tmp_path / "data", database_url=database_url, trusted_proxies="10.0.0.0/8")
    ).start()
    try:
        await upsert_superuser_in(app, SUPERUSER_EMAIL, SUPERUSER_PASSWORD)
        transport = httpx.ASGITransport(app=create_asgi_app(app, manage_lifecycle=False), client=(peer, 4711))
        async with httpx.AsyncClient(transport=transport, base_url="http://bastion") as client:
            r = await client.post(
                "/api/collections/_superusers/auth-with-password",
                json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
            )
            yield client, r.json()["token"]
    finally:
        await app.stop()


async def test_configured_proxies_are_the_only_peers_believed(database_url, tmp_path):
    settings = {"trustedProxy": {"headers": ["X-Real-IP"], "useLeftmostIP": False}}
    async with server_behind(database_url, tmp_path, peer="10.0.0.2") as (client, token):
        r = await client.patch("/api/settings", json=settings, headers={"Authorization": token})
        assert r.status_code == 200, r.text
        assert (await health(client, token, [("X-Real-IP", "1.2.3.4")]))["realIP"] == "1.2.3.4"
        # without the settings' header, the proxy's own X-Forwarded-For walk still applies
        xff = [("X-Forwarded-For", "6.6.6.6, 5.6.7.8")]
        assert (await health(client, token, xff))["realIP"] == "5.6.7.8"
    async with server_behind(database_url, tmp_path, peer="203.0.113.9") as (client, token):
        forged = [("X-Real-IP", "1.2.3.4"), ("X-Forwarded-For", "1.2.3.4")]
        assert (await health(client, token, forged))["realIP"] == "203.0.113.9"
