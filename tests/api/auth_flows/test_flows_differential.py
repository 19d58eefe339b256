"""The same mail-flow scenario against the real PocketBase 0.40.6 and a live `bastion serve`.

Every answer (status and JSON body) must be identical, and so must the effects: which addresses
received mail, and the final state of the record. Each server gets its own SMTP server; the
tokens come out of the mails, as a user's would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.compat.servers import (
    BASTION_BIN,
    POCKETBASE_BIN,
    RunningServer,
    ServerStartError,
    start_server,
    stop_server,
)
from tests.conftest import skip_or_fail
from tests.support.smtp_server import Received, SmtpSink

pytestmark = pytest.mark.compat

Case = tuple[str, Any, Any]


def _server(name: str, binary: Path, tmp: Path) -> RunningServer:
    try:
        return start_server(name, binary, tmp / name)
    except ServerStartError as exc:
        skip_or_fail(str(exc))


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[RunningServer, RunningServer]]:
    pocketbase = _server("pocketbase", POCKETBASE_BIN, tmp_path)
    try:
        bastion = _server("bastion", BASTION_BIN, tmp_path)
        try:
            yield pocketbase, bastion
        finally:
            stop_server(bastion)
    finally:
        stop_server(pocketbase)


def _wait(sink: SmtpSink, address: str) -> Received:
    """PocketBase sends in a goroutine after answering: give the mail a moment to arrive."""
    for _ in range(200):
        if sink.to(address):
            return sink.to(address)[-1]
        time.sleep(0.025)
    raise AssertionError(f"no mail for {address}")


def _scenario(server: RunningServer, sink: SmtpSink, c: httpx.Client) -> list[Case]:
    out: list[Case] = []
    su = {"Authorization": server.superuser_token()}
    users = "/api/collections/users"

    def post(
        label: str, path: str, body: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> None:
        r = c.post(path, json=body, headers=headers or {}, **kw)
        out.append((label, r.status_code, r.json() if r.content else None))

    settings = {**sink.settings_patch(), "rateLimits": {"excludedIPs": ["127.0.0.1"]}}
    assert c.patch("/api/settings", json=settings, headers=su).status_code == 200
    c.post("/api/collections", json={"name": "posts", "fields": [{"name": "t", "type": "text"}]}, headers=su)
    user: dict[str, Any] = {}
    for email in ("u1@example.com", "u2@example.com"):
        body = {"email": email, "password": "pass12345", "passwordConfirm": "pass12345"}
        user = user or c.post(f"{users}/records", json=body, headers=su).json()
        if email != "u1@example.com":
            c.post(f"{users}/records", json=body, headers=su)
    login = {"identity": "u1@example.com", "password": "pass12345"}
    auth = {"Authorization": c.post(f"{users}/auth-with-password", json=login).json()["token"]}

    for action in (
        "request-verification",
        "confirm-verification",
        "request-password-reset",
        "confirm-password-reset",
        "confirm-email-change",
    ):
        post(f"{action} base collection", f"/api/collections/posts/{action}", {})
        post(f"{action} empty", f"{users}/{action}", {})
        post(f"{action} superusers", f"/api/collections/_superusers/{action}", {})
        post(f"{action} wrong types", f"{users}/{action}", {"email": 1, "token": 1})
        bad_json = c.post(f"{users}/{action}", content=b"{nope", headers={"content-type": "application/json"})
        out.append((f"{action} bad json", bad_json.status_code, bad_json.json()))
        bad_json = c.post(
            f"/api/collections/_superusers/{action}",
            content=b"[",
            headers={"content-type": "application/json"},
        )
        out.append((f"{action} superusers bad json", bad_json.status_code, bad_json.json()))
        post(
            f"{action} garbage",
            f"{users}/{action}",
            {"email": "x", "token": "x.y.z", "password": "p", "passwordConfirm": "q"},
        )

    post("verification unknown", f"{users}/request-verification", {"email": "zz@example.com"})
    post("verification", f"{users}/request-verification", {"email": "u1@example.com"})
    token = _wait(sink, "u1@example.com").link_token("confirm-verification")
    reset = {"token": token, "password": "newpass123", "passwordConfirm": "newpass123"}
    post("verification token as reset token", f"{users}/confirm-password-reset", reset)
    post("confirm verification", f"{users}/confirm-verification", {"token": token})
    post("confirm verification again", f"{users}/confirm-verification", {"token": token})
    post("verification when verified", f"{users}/request-verification", {"email": "u1@example.com"})

    post("password reset", f"{users}/request-password-reset", {"email": "u2@example.com"})
    token = _wait(sink, "u2@example.com").link_token("confirm-password-reset")
    for label, password, confirm in (
        ("short", "short", "short"),
        ("mismatch", "newpass123", "newpass124"),
    ):
        body = {"token": token, "password": password, "passwordConfirm": confirm}
        post(f"confirm reset {label}", f"{users}/confirm-password-reset", body)
    body = {"token": token, "password": "newpass123", "passwordConfirm": "newpass123"}
    post("confirm reset other collection", "/api/collections/_superusers/confirm-password-reset", body)
    post("confirm reset", f"{users}/confirm-password-reset", body)
    post("confirm reset replayed", f"{users}/confirm-password-reset", body)
    r = c.post(f"{users}/auth-with-password", json={"identity": "u2@example.com", "password": "newpass123"})
    out.append(("login with the new password", r.status_code, None))

    change = {"newEmail": "n@example.com"}
    post("email change, no auth", f"{users}/request-email-change", change)
    post("email change, superuser", f"{users}/request-email-change", change, su)
    post("email change, superusers", "/api/collections/_superusers/request-email-change", change, su)
    post("email change, base collection", "/api/collections/posts/request-email-change", change, auth)
    for new_email in ("", "bad", "u1@example.com", "u2@example.com"):
        post(f"email change to {new_email!r}", f"{users}/request-email-change", {"newEmail": new_email}, auth)
    post("email change", f"{users}/request-email-change", change, auth)
    token = _wait(sink, "n@example.com").link_token("confirm-email-change")
    post(
        "confirm change wrong password",
        f"{users}/confirm-email-change",
        {"token": token, "password": "nope1234"},
    )
    post(
        "confirm change long password",
        f"{users}/confirm-email-change",
        {"token": token, "password": "x" * 101},
    )
    post("confirm change", f"{users}/confirm-email-change", {"token": token, "password": "pass12345"})
    post(
        "confirm change replayed", f"{users}/confirm-email-change", {"token": token, "password": "pass12345"}
    )
    post("old session", f"{users}/auth-refresh", None, auth)

    time.sleep(0.3)  # let any stray background send land before counting mail
    final = c.get(f"{users}/records/{user['id']}", headers=su).json()
    out.append(("final record", final["email"], final["verified"]))
    out.append(("mail recipients", None, sorted(m.rcpt_tos[0] for m in sink.inbox)))
    return out


def _run(server: RunningServer) -> list[Case]:
    sink = SmtpSink().start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=10) as client:
            try:
                return _scenario(server, sink, client)
            except httpx.TransportError as exc:  # the server's own account says why it hung up
                raise AssertionError(f"{server.name}: {exc!r}; its log ends:\n{server.log_tail()}") from exc
    finally:
        sink.stop()


def test_mail_flows_match_pocketbase(servers: tuple[RunningServer, RunningServer]) -> None:
    pocketbase, bastion = servers
    expected, actual = _run(pocketbase), _run(bastion)
    assert len(expected) == len(actual)
    differ: list[str] = [
        f"{want[0]}:\n  pocketbase {want[1:]}\n  bastion    {got[1:]}"
        for want, got in zip(expected, actual, strict=True)
        if want != got
    ]
    assert not differ, "\n".join(differ)
