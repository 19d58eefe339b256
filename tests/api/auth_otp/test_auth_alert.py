"""New-device sign-in alerts (`authAlert`), as PocketBase 0.40.6 sends them (checked against the
binary): no mail on the first sign-in or from a known device, one mail from a new device; origins
are kept per record (5 newest) and forgotten on a password change."""

from __future__ import annotations

from typing import Any

from tests.api.auth_otp.helpers import BASE, configure
from tests.conftest import ApiClient
from tests.support.smtp_server import SmtpSink

EMAIL = "alert@example.com"


async def _sign_in(api: ApiClient, device: str, password: str = "userpass123") -> Any:
    r = await api.request(
        "POST",
        f"{BASE}/auth-with-password",
        json={"identity": EMAIL, "password": password},
        headers={"User-Agent": device},
    )
    assert r.status_code == 200, r.text
    return r.json()


async def _origins(api: ApiClient, user_id: str) -> list[dict[str, Any]]:
    r = await api.su(
        "GET", "/api/collections/_authOrigins/records", params={"filter": f'recordRef="{user_id}"'}
    )
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_new_device_gets_an_alert(mail_api: ApiClient, smtp: SmtpSink) -> None:
    user, token = await mail_api.create_user(EMAIL)  # the first sign-in: remembered, no mail
    assert smtp.to(EMAIL) == []
    await _sign_in(mail_api, "laptop-browser")
    [alert] = smtp.to(EMAIL)
    assert alert.subject == "New sign-in to your Acme account"
    assert "laptop-browser" in alert.html and "127.0.0.1" in alert.html
    await _sign_in(mail_api, "laptop-browser")  # known now
    assert len(smtp.to(EMAIL)) == 1
    # a refresh is not a sign-in by a method: no alert from a new device
    r = await mail_api.request(
        "POST", f"{BASE}/auth-refresh", token=token, headers={"User-Agent": "yet-another-device"}
    )
    assert r.status_code == 200 and len(smtp.to(EMAIL)) == 1
    assert len(await _origins(mail_api, user["id"])) >= 2


async def test_origins_are_capped_and_forgotten_on_password_change(
    mail_api: ApiClient, smtp: SmtpSink
) -> None:
    user, _ = await mail_api.create_user(EMAIL)
    for i in range(7):
        await _sign_in(mail_api, f"device-{i}")
    assert len(smtp.to(EMAIL)) == 7
    rows = await _origins(mail_api, user["id"])
    assert len(rows) == 5
    r = await mail_api.su(
        "PATCH",
        f"{BASE}/records/{user['id']}",
        json={"password": "newpass1234", "passwordConfirm": "newpass1234"},
    )
    assert r.status_code == 200, r.text
    await mail_api.app._auth_janitor.drain()  # the janitor deletes after commit, in a task
    assert await _origins(mail_api, user["id"]) == []
    # no origin left: the next sign-in counts as a first one again
    await _sign_in(mail_api, "device-new", password="newpass1234")
    assert len(smtp.to(EMAIL)) == 7


async def test_disabled_alert_sends_nothing(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await configure(mail_api, authAlert={"enabled": False})
    user, _ = await mail_api.create_user(EMAIL)
    await _sign_in(mail_api, "elsewhere")
    assert smtp.to(EMAIL) == []
    assert await _origins(mail_api, user["id"]) == []
