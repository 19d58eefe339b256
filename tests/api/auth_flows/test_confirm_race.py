"""A password-reset or email-change token confirmed by several concurrent requests is used once.

The first confirm rotates the record's tokenKey, which spends the token; the others were already
past the token check (made on the record read before the write), so the write checks the token
again against the row it locks. Exactly one confirm succeeds and the others answer as a replay
does (400, token "Invalid or expired token."). Before, every one of them wrote: each racer's
password was set in turn, and the last, not the first, was the one that worked."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from bastion.auth import auth_flows
from bastion.core.passwords import verify_password_async
from tests.conftest import ApiClient
from tests.support.smtp_server import SmtpSink

BASE = "/api/collections/users"
RACERS = 8
HARD_STOP = 30.0  # seconds for the whole volley, whatever the server does
SPENT = {
    "data": {"token": {"code": "validation_invalid_token", "message": "Invalid or expired token."}},
    "message": "An error occurred while validating the submitted data.",
    "status": 400,
}


REPLAYED = {  # an email-change token confirmed again after its change committed
    **SPENT,
    "data": {
        **SPENT["data"],
        "password": {
            "code": "validation_invalid_password",
            "message": "Missing or invalid auth record password.",
        },
    },
}


async def _login(api: ApiClient, email: str, password: str) -> int:
    body = {"identity": email, "password": password}
    return (await api.request("POST", f"{BASE}/auth-with-password", json=body)).status_code


def _statuses(answers: list[httpx.Response]) -> str:
    return "statuses: " + " ".join(str(r.status_code) for r in answers)


async def _volley(api: ApiClient, url: str, bodies: list[dict[str, str]]) -> list[httpx.Response]:
    return await asyncio.wait_for(
        asyncio.gather(*(api.request("POST", url, json=body) for body in bodies)), HARD_STOP
    )


async def test_concurrent_password_resets_of_one_token(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("rr@example.com", password="oldpass123")
    r = await mail_api.request("POST", f"{BASE}/request-password-reset", json={"email": "rr@example.com"})
    assert r.status_code == 204
    token = smtp.to("rr@example.com")[-1].link_token("confirm-password-reset")
    passwords = [f"racer-{n}-pass" for n in range(RACERS)]
    bodies = [{"token": token, "password": p, "passwordConfirm": p} for p in passwords]
    answers = await _volley(mail_api, f"{BASE}/confirm-password-reset", bodies)

    winners = [p for p, r in zip(passwords, answers, strict=True) if r.status_code == 204]
    assert len(winners) == 1, _statuses(answers)
    assert [r.json() for r in answers if r.status_code != 204] == [SPENT] * (RACERS - 1)
    # The password that works is the winner's; not the old one, nor any loser's (checked on the
    # stored hash: failed sign-ins are rate limited).
    assert await _login(mail_api, "rr@example.com", winners[0]) == 200
    assert await _login(mail_api, "rr@example.com", "oldpass123") == 400
    stored = await mail_api.app.db.fetch_val(
        'SELECT "password" FROM "users" WHERE "email" = ?', ("rr@example.com",)
    )
    assert [p for p in passwords if await verify_password_async(p, str(stored))] == winners


async def test_concurrent_email_changes_of_one_token(mail_api: ApiClient, smtp: SmtpSink) -> None:
    user, auth = await mail_api.create_user("before@example.com", password="pass12345")
    r = await mail_api.request(
        "POST", f"{BASE}/request-email-change", token=auth, json={"newEmail": "after@example.com"}
    )
    assert r.status_code == 204, r.text
    token = smtp.to("after@example.com")[-1].link_token("confirm-email-change")
    tokens_before = await mail_api.app.db.fetch_val(
        'SELECT "tokenKey" FROM "users" WHERE "id" = ?', (user["id"],)
    )
    answers = await _volley(
        mail_api, f"{BASE}/confirm-email-change", [{"token": token, "password": "pass12345"}] * RACERS
    )
    assert [r.status_code for r in answers].count(204) == 1, _statuses(answers)
    # a racer past the token check when the winner committed is told the token is spent; one
    # that arrives after it is a replay, answered as PocketBase answers one (the password too)
    losers = [r.json() for r in answers if r.status_code != 204]
    assert len(losers) == RACERS - 1 and all(a in (SPENT, REPLAYED) for a in losers), losers
    r = await mail_api.su("GET", f"{BASE}/records/{user['id']}")
    assert r.json()["email"] == "after@example.com"
    assert await mail_api.app.db.fetch_val(
        'SELECT "tokenKey" FROM "users" WHERE "id" = ?', (user["id"],)
    ) != (tokens_before)


async def test_a_confirm_that_checked_the_token_before_another_won_is_told_it_is_spent(
    mail_api: ApiClient, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deterministic case of the volley above: this confirm checks the token while it is
    good, then another confirm of the same token commits, then this one finds the new email
    taken, by the record itself. That is a spent token (as a replay is told), not "the new email
    address is invalid" with a password error."""
    user, auth = await mail_api.create_user("slow@example.com", password="pass12345")
    r = await mail_api.request(
        "POST", f"{BASE}/request-email-change", token=auth, json={"newEmail": "won@example.com"}
    )
    assert r.status_code == 204, r.text
    token = smtp.to("won@example.com")[-1].link_token("confirm-email-change")
    body = {"token": token, "password": "pass12345"}
    checked = auth_flows.record_from_token
    winner: list[httpx.Response] = []
    started: list[bool] = []

    async def then_another_wins(app: Any, raw: str, kind: str) -> Any:
        record = await checked(app, raw, kind)
        if not started:  # the other confirm runs, start to end, in between
            started.append(True)
            winner.append(await mail_api.request("POST", f"{BASE}/confirm-email-change", json=body))
        return record

    monkeypatch.setattr(auth_flows, "record_from_token", then_another_wins)
    late = await mail_api.request("POST", f"{BASE}/confirm-email-change", json=body)
    assert winner[0].status_code == 204, winner[0].text
    assert (late.status_code, late.json()) == (400, SPENT)
    r = await mail_api.su("GET", f"{BASE}/records/{user['id']}")
    assert r.json()["email"] == "won@example.com"
