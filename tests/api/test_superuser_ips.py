"""The `superuserIPs` setting is in force, as PocketBase 0.40.6 answers (checked against the
binary): from an address it does not list, a superuser's token gets 403 on every route and a
superuser's sign-in gets 403 once the password is right; other callers are not affected. The
test client's address is 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, ApiClient

NOT_ALLOWED = {"data": {}, "message": "You are not allowed to perform this request.", "status": 403}


async def sign_in(api: ApiClient, password: str = SUPERUSER_PASSWORD) -> tuple[int, dict]:
    r = await api.request(
        "POST",
        "/api/collections/_superusers/auth-with-password",
        json={"identity": SUPERUSER_EMAIL, "password": password},
    )
    return r.status_code, r.json()


@pytest.mark.parametrize("listed", [["127.0.0.1"], ["10.0.0.1", "127.0.0.0/8"], ["::1", "127.0.0.1/32"]])
async def test_a_listed_address_keeps_every_superuser_power(api: ApiClient, listed: list[str]) -> None:
    assert (await api.su("PATCH", "/api/settings", json={"superuserIPs": listed})).status_code == 200
    assert (await api.su("GET", "/api/collections")).status_code == 200
    status, body = await sign_in(api)
    assert status == 200 and body["token"]


async def test_from_an_unlisted_address_a_superuser_is_refused_everywhere(api: ApiClient) -> None:
    _, user_token = await api.create_user("someone@example.com")
    r = await api.su("PATCH", "/api/settings", json={"superuserIPs": ["10.0.0.1", "192.168.0.0/16"]})
    assert r.status_code == 200 and r.json()["superuserIPs"] == ["10.0.0.1", "192.168.0.0/16"]
    for method, path in [
        ("GET", "/api/collections"),
        ("GET", "/api/settings"),
        ("GET", "/api/health"),
        ("GET", "/api/collections/users/records"),
        ("POST", "/api/collections/_superusers/auth-refresh"),
    ]:
        r = await api.su(method, path)
        assert (r.status_code, r.json()) == (403, NOT_ALLOWED), (method, path)
    assert await sign_in(api) == (403, NOT_ALLOWED)
    assert (await sign_in(api, "wrong-password"))[0] == 400  # the password is checked first
    # everyone else is as before
    assert (await api.request("GET", "/api/health")).status_code == 200
    r = await api.request("GET", "/api/collections/users/records", token=user_token)
    assert r.status_code == 200
