"""Every typed system route, called on a live server: its real answer (and the body sent) matches
what GET /api/openapi.json says of it.

One scenario walks the routes in an order that gives each what it needs (a collection, a user,
a TOTP secret, a backup …) and checks each answer against the superuser's document. Most routes
are reached with a success; the few whose success needs the outside world (a mail server, an
OAuth2 provider, an S3 bucket, a restart) are reached with their error answer, which is checked
against the document as well, and listed in ERROR_ONLY so the list stays honest.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import httpx
import pytest

from bastion.api.openapi_routes import openapi_path
from bastion.api.openapi_system import SYSTEM_OPERATIONS
from bastion.auth import totp
from tests.api.openapi.answer_check import answer_errors, body_errors
from tests.conftest import ApiClient

C = "/api/collections/{collection}"
# reached only with an error answer here: their success needs a mail server, a provider's code,
# a code mailed to the user, an S3 bucket, a dead job, a webhook endpoint or an installer token
ERROR_ONLY = {
    ("POST", f"{C}/auth-with-otp"),
    ("POST", f"{C}/auth-with-totp"),
    ("POST", f"{C}/auth-with-oauth2"),
    ("POST", f"{C}/confirm-verification"),
    ("POST", f"{C}/confirm-password-reset"),
    ("POST", f"{C}/request-email-change"),
    ("POST", f"{C}/confirm-email-change"),
    ("POST", "/api/settings/test/email"),
    ("POST", "/api/settings/test/s3"),
    ("POST", "/api/jobs/{id}/retry"),
    ("POST", "/api/webhooks/{id}/test"),
    ("POST", "/api/webhooks/deliveries/{id}/redeliver"),
    ("GET", "/api/bastion/installer"),
    ("POST", "/api/bastion/installer"),
}
# not called at all: a restore swaps the data directory and restarts the server
NOT_CALLED = {("POST", "/api/backups/{key}/restore")}

AUTH_SUBS = (
    "/auth-methods", "/auth-with-password", "/auth-refresh", "/request-otp", "/auth-with-otp",
    "/request-verification", "/confirm-verification", "/request-password-reset",
    "/confirm-password-reset", "/request-email-change", "/confirm-email-change", "/auth-with-oauth2",
)  # fmt: skip


class Walk:
    """Calls routes and checks each answer against the document; remembers what it reached."""

    def __init__(self, api: ApiClient, doc: dict[str, Any]) -> None:
        self.api, self.doc = api, doc
        self.reached: dict[tuple[str, str], int] = {}

    async def __call__(
        self, method: str, path: str, url: str = "", token: str | None = None, expect: int = 0, **kw: Any
    ) -> httpx.Response:
        template = openapi_path(path)
        if "json" in kw and kw["json"] is not None:
            assert body_errors(self.doc, method, template, kw["json"]) == [], (method, path, kw["json"])
        r = await self.api.request(method, url or path, token=token, **kw)
        assert answer_errors(self.doc, method, template, r) == [], (method, path, r.status_code, r.text[:500])
        if expect:
            assert r.status_code == expect, (method, path, r.status_code, r.text[:500])
        self.reached[(method, path)] = r.status_code
        return r


async def test_system_answers_match_the_document(api: ApiClient) -> None:
    su = api.superuser_token
    doc = (await api.su("GET", "/api/openapi.json")).json()
    call = Walk(api, doc)
    await call("GET", "/api/health", expect=200)
    await call("GET", "/api/health", token=su, expect=200)
    await call("GET", "/api/ready", expect=200)
    await call("GET", "/api/openapi.json", token=su, expect=200)

    # collections
    things = {"name": "things", "type": "base", "listRule": "", "createRule": "",
              "fields": [{"name": "t", "type": "text"}]}  # fmt: skip
    created = (await call("POST", "/api/collections", token=su, expect=200, json=things)).json()
    await call("GET", "/api/collections", token=su, expect=200)
    await call("GET", C, "/api/collections/things", token=su, expect=200)
    await call("PATCH", C, "/api/collections/things", token=su, expect=200, json={"viewRule": ""})
    await call("GET", "/api/collections/meta/scaffolds", token=su, expect=200)
    imported = {"collections": [{**created, "viewRule": None}], "deleteMissing": False}
    await call("PUT", "/api/collections/import", token=su, expect=204, json=imported)
    await api.create_record("things", {"t": "one"})
    await call("DELETE", f"{C}/truncate", "/api/collections/things/truncate", token=su, expect=204)

    # auth flows on the generic path
    users = f"{C.replace('{collection}', 'users')}"
    r = await api.su("PATCH", users, json={"otp": {"enabled": True}, "mfa": {"enabled": False}})
    assert r.status_code == 200, r.text
    user, token = await api.create_user("walker@example.com")
    await call("GET", f"{C}/auth-methods", f"{users}/auth-methods", expect=200)
    await call("POST", f"{C}/auth-with-password", f"{users}/auth-with-password", expect=200,
               json={"identity": "walker@example.com", "password": "userpass123"})  # fmt: skip
    await call("POST", f"{C}/auth-refresh", f"{users}/auth-refresh", token=token, expect=200)
    otp = await call("POST", f"{C}/request-otp", f"{users}/request-otp", expect=200,
                     json={"email": "walker@example.com"})  # fmt: skip
    await call("POST", f"{C}/auth-with-otp", f"{users}/auth-with-otp", expect=400,
               json={"otpId": otp.json()["otpId"], "password": "00000000"})  # fmt: skip
    for sub, body in (
        ("/request-verification", {"email": "walker@example.com"}),
        ("/request-password-reset", {"email": "walker@example.com"}),
    ):
        await call("POST", C + sub, users + sub, expect=204, json=body)
    for sub, body in (
        ("/confirm-verification", {"token": "not-a-token"}),
        (
            "/confirm-password-reset",
            {"token": "x", "password": "newpass1234", "passwordConfirm": "newpass1234"},
        ),
        ("/confirm-email-change", {"token": "x", "password": "userpass123"}),
        ("/auth-with-oauth2", {"provider": "nope", "code": "c", "codeVerifier": "v", "redirectURL": "u"}),
    ):
        await call("POST", C + sub, users + sub, expect=400 if sub != "/auth-with-oauth2" else 0, json=body)
    await call("POST", f"{C}/request-email-change", f"{users}/request-email-change", token=token,
               expect=400, json={"newEmail": "walker2@example.com"})  # fmt: skip
    await call("POST", f"{C}/impersonate/{{id}}", f"{users}/impersonate/{user['id']}", token=su,
               expect=200, json={"duration": 60})  # fmt: skip

    # TOTP
    setup = await call("POST", f"{C}/totp-setup", f"{users}/totp-setup", token=token, expect=200)
    code = totp.code_at(setup.json()["secret"], totp.current_step())
    await call(
        "POST", f"{C}/totp-confirm", f"{users}/totp-confirm", token=token, expect=204, json={"code": code}
    )
    await call("GET", f"{C}/totp", f"{users}/totp", token=token, expect=200)
    await call("POST", f"{C}/auth-with-totp", f"{users}/auth-with-totp", expect=400,
               json={"mfaId": "none", "code": "123456"})  # fmt: skip
    await call("DELETE", f"{C}/totp", f"{users}/totp", token=token, expect=204)

    # files, batch, settings
    await call("POST", "/api/files/token", token=token, expect=200)
    await call("GET", "/api/settings", token=su, expect=200)
    await call("PATCH", "/api/settings", token=su, expect=200, json={"batch": {"enabled": True}})
    batch = {"requests": [{"method": "POST", "url": "/api/collections/things/records", "body": {"t": "x"}},
                          {"method": "DELETE", "url": "/api/collections/things/records/nope"}]}  # fmt: skip
    await call("POST", "/api/batch", token=su, expect=400, json=batch)
    await call("POST", "/api/batch", token=su, expect=200, json={"requests": batch["requests"][:1]})
    await call("POST", "/api/settings/test/email", token=su, expect=400,
               json={"email": "to@example.com", "template": "verification"})  # fmt: skip
    await call("POST", "/api/settings/test/s3", token=su, expect=400, json={"filesystem": "storage"})

    # logs, crons, jobs
    await api.app.request_logs.writer.flush()
    logs = (await call("GET", "/api/logs", token=su, expect=200)).json()
    await call("GET", "/api/logs/{id}", f"/api/logs/{logs['items'][0]['id']}", token=su, expect=200)
    await call("GET", "/api/logs/stats", token=su, expect=200)
    await call("DELETE", "/api/logs", token=su, expect=204)
    crons = (await call("GET", "/api/crons", token=su, expect=200)).json()
    await call("POST", "/api/crons/{id}", f"/api/crons/{crons[0]['id']}", token=su, expect=204)
    jobs = (await call("GET", "/api/jobs", token=su, expect=200)).json()
    await call("GET", "/api/jobs/stats", token=su, expect=200)
    await call(
        "POST", "/api/jobs/{id}/retry", f"/api/jobs/{jobs['items'][0]['id']}/retry", token=su, expect=400
    )

    # realtime by long polling
    first = (await call("POST", "/api/realtime/poll", expect=200, json={})).json()
    subscribe = {"clientId": first["clientId"], "subscriptions": ["things", "@oauth2"]}
    await call("POST", "/api/realtime", expect=204, json=subscribe)
    await call("POST", "/api/realtime/poll", expect=200, json={"clientId": first["clientId"], "timeout": 0})
    # the OAuth2 popup's landing hands the code to that client (a state naming none waits for
    # another process to claim it)
    state = first["clientId"]
    await call("GET", "/api/oauth2-redirect", f"/api/oauth2-redirect?state={state}&code=c", expect=307)
    await call("POST", "/api/oauth2-redirect", data={"state": state, "code": "c"}, expect=303)

    # backups: an uploaded archive is listed, then deleted
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("data.db", b"")
    files = {"file": ("uploaded.zip", archive.getvalue(), "application/zip")}
    await call("POST", "/api/backups/upload", token=su, expect=204, files=files)
    await call("POST", "/api/backups", token=su, json={"name": "made.zip"})  # 400 where pg_dump is missing
    listed = (await call("GET", "/api/backups", token=su, expect=200)).json()
    assert "uploaded.zip" in {b["key"] for b in listed}
    await call("DELETE", "/api/backups/{key}", "/api/backups/uploaded.zip", token=su, expect=204)

    # Bastion's own
    await call("POST", "/api/webhooks/{id}/test", "/api/webhooks/nope/test", token=su, expect=404)
    await call("POST", "/api/webhooks/deliveries/{id}/redeliver", "/api/webhooks/deliveries/nope/redeliver",
               token=su, expect=404)  # fmt: skip
    await call("POST", "/api/bastion/rules/check", token=su, expect=200, json={"rule": "t = 'x' && t != ''"})
    await call("GET", "/api/bastion/installer", expect=401)
    await call("POST", "/api/bastion/installer", expect=401,
               json={"email": "a@example.com", "password": "p" * 10, "passwordConfirm": "p" * 10})  # fmt: skip

    # every typed route was called: with a success, or (ERROR_ONLY) with an error
    typed = set(SYSTEM_OPERATIONS) | {(m.upper(), C + sub) for sub in AUTH_SUBS
                                      for m in doc["paths"][C + sub] if m != "parameters"}  # fmt: skip
    assert typed - NOT_CALLED <= set(call.reached), sorted(typed - NOT_CALLED - set(call.reached))
    succeeded = {key for key, status in call.reached.items() if status < 400}
    assert succeeded >= typed - ERROR_ONLY - NOT_CALLED - {("POST", "/api/backups")}, sorted(
        typed - ERROR_ONLY - NOT_CALLED - succeeded
    )


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
async def test_what_the_document_refuses_the_server_refuses(api: ApiClient) -> None:
    """Bodies outside a system route's schema are refused by the server too (400)."""
    doc = (await api.su("GET", "/api/openapi.json")).json()
    for method, path, body in (
        ("POST", "/api/realtime", {"subscriptions": ["x"]}),  # no clientId
        ("POST", "/api/realtime/poll", {"timeout": 31}),
        ("POST", "/api/backups", {"name": "Not A Zip"}),
        ("POST", "/api/settings/test/s3", {"filesystem": "elsewhere"}),
        ("POST", "/api/bastion/rules/check", {}),
        ("PUT", "/api/collections/import", {"collections": []}),
    ):
        assert body_errors(doc, method, path, body), (path, body)
        r = await api.su(method, path, json=body)
        assert r.status_code == 400, (path, body, r.text)
