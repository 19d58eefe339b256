"""The first start: the banner names the dashboard and, while there is no superuser, a link that
creates the first one; the link's token can do that and nothing else, once (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import re
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bastion.api.asgi import create_asgi_app
from bastion.api.installer import installer_link
from bastion.app import App
from bastion.auth.tokens import issue_token
from bastion.config import Config
from bastion.core.system_collections import SUPERUSERS_ID
from tests.support.serve_process import BASTION, serving

LINK = re.compile(r"^(http://\S+)/_/#/pbinstall/(\S+)$", re.M)
FIRST = {"email": "first@example.com", "password": "first-pass-123", "passwordConfirm": "first-pass-123"}


def test_first_start_prints_the_dashboard_and_an_installer_link(tmp_path: Path):
    data = tmp_path / "data"
    with serving(data) as (proc, base):
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    banner = err.decode()
    assert f"REST API:  {base}/api/" in banner and f"Dashboard: {base}/_/" in banner
    link = LINK.search(banner)
    assert link is not None and link.group(1) == base, banner
    assert "superuser upsert EMAIL PASSWORD" in banner

    subprocess.run(
        [BASTION, "superuser", "upsert", "root@example.com", "a-long-password", "--dir", str(data)],
        check=True,
        capture_output=True,
    )
    with serving(data) as (proc, base):
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert f"Dashboard: {base}/_/" in err.decode() and "pbinstall" not in err.decode()


@pytest.fixture
async def fresh(database_url: str, tmp_path: Path) -> AsyncIterator[tuple[App, httpx.AsyncClient]]:
    """An app with no superuser, served in-process."""
    app = await App(Config(data_dir=tmp_path / "data", database_url=database_url)).start()
    transport = httpx.ASGITransport(app=create_asgi_app(app, manage_lifecycle=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        try:
            yield app, client
        finally:
            await app.stop()


async def _token(app: App) -> str:
    link = await installer_link(app, "http://testserver")
    assert link is not None
    return link.rsplit("/", 1)[1]


async def test_the_token_creates_the_first_superuser_once(fresh):
    app, client = fresh
    token = await _token(app)
    auth = {"Authorization": token}
    assert (await client.get("/api/bastion/installer", headers=auth)).status_code == 204
    created = await client.post("/api/bastion/installer", headers=auth, json=FIRST)
    assert created.status_code == 200, created.text
    assert created.json()["email"] == FIRST["email"] and created.json()["verified"] is True
    login = await client.post(
        "/api/collections/_superusers/auth-with-password",
        json={"identity": FIRST["email"], "password": FIRST["password"]},
    )
    assert login.status_code == 200
    # single use: the link is dead once a superuser exists, and says so
    again = await client.post(
        "/api/bastion/installer", headers=auth, json={**FIRST, "email": "x@example.com"}
    )
    assert again.status_code == 400 and "already exists" in again.json()["message"]
    assert (await client.get("/api/bastion/installer", headers=auth)).status_code == 400
    assert await installer_link(app, "http://testserver") is None


async def test_the_token_is_no_superuser_token(fresh):
    """PocketBase's installer token is a full superuser token for 30 minutes; this one is not."""
    app, client = fresh
    auth = {"Authorization": await _token(app)}
    for method, url in (
        ("GET", "/api/collections"),
        ("GET", "/api/collections/_superusers/records"),
        ("GET", "/api/settings"),
        ("POST", "/api/collections/_superusers/auth-refresh"),
    ):
        r = await client.request(method, url, headers=auth)
        assert r.status_code in (401, 403), (url, r.status_code, r.text)
    direct = await client.post("/api/collections/_superusers/records", headers=auth, json=FIRST)
    assert direct.status_code in (401, 403), direct.text


async def test_bad_tokens_and_bad_input(fresh):
    app, client = fresh
    superusers = app.registry.find_collection(SUPERUSERS_ID)
    assert superusers is not None
    secret = superusers.token_secret("authToken")
    forged = issue_token(
        "installer", SUPERUSERS_ID, "installer:", "not-the-secret-" * 4, 600, token_type="installer"
    )
    expired = issue_token("installer", SUPERUSERS_ID, "installer:", secret, -10, token_type="installer")
    wrong_kind = issue_token("installer", SUPERUSERS_ID, "installer:", secret, 600)  # an "auth" token
    for token in ("", "nonsense", forged, expired, wrong_kind):
        r = await client.post("/api/bastion/installer", headers={"Authorization": token}, json=FIRST)
        assert r.status_code == 401, (token, r.text)
        assert "invalid or has expired" in r.json()["message"]
    auth = {"Authorization": await _token(app)}
    short = await client.post(
        "/api/bastion/installer",
        headers=auth,
        json={**FIRST, "password": "short", "passwordConfirm": "short"},
    )
    assert short.status_code == 400 and "password" in short.json()["data"]
    mismatch = await client.post(
        "/api/bastion/installer", headers=auth, json={**FIRST, "passwordConfirm": "other"}
    )
    assert mismatch.status_code == 400 and "passwordConfirm" in mismatch.json()["data"]
    assert (await client.get("/api/bastion/installer", headers=auth)).status_code == 204  # nothing written


async def test_two_browsers_at_once_make_one_superuser(fresh):
    app, client = fresh
    auth = {"Authorization": await _token(app)}
    answers = await asyncio.gather(
        *(
            client.post("/api/bastion/installer", headers=auth, json={**FIRST, "email": f"u{i}@example.com"})
            for i in range(4)
        )
    )
    assert sorted(r.status_code for r in answers) == [200, 400, 400, 400]
    count = await app.db.fetch_val('SELECT COUNT(*) FROM "_superusers"')
    assert int(count) == 1
