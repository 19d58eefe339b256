"""request-verification / confirm-verification, end to end through a real SMTP server."""

from __future__ import annotations

import time

import jwt

from tests.conftest import ApiClient
from tests.support.smtp_server import SmtpSink

BASE = "/api/collections/users"


async def _verified(api: ApiClient, record_id: str) -> bool:
    r = await api.su("GET", f"{BASE}/records/{record_id}")
    assert r.status_code == 200, r.text
    return bool(r.json()["verified"])


async def test_verification_mail_confirms_the_address(mail_api: ApiClient, smtp: SmtpSink) -> None:
    user, _ = await mail_api.create_user("ann@example.com", name="Ann <b>")
    r = await mail_api.request("POST", f"{BASE}/request-verification", json={"email": "ann@example.com"})
    assert r.status_code == 204 and r.content == b""

    [mail] = smtp.to("ann@example.com")
    assert mail.mail_from == "support@acme.test"
    assert mail.message["From"] == "Acme Support <support@acme.test>"
    assert "Acme" in mail.subject
    token = mail.link_token("confirm-verification")
    assert f"http://app.test/_/#/auth/confirm-verification/{token}" in mail.html
    assert token in mail.text  # the plain-text part keeps the link
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["type"] == "verification" and claims["email"] == "ann@example.com"
    assert claims["id"] == user["id"] and claims["collectionId"] == user["collectionId"]
    assert "refreshable" not in claims

    assert not await _verified(mail_api, user["id"])
    r = await mail_api.request("POST", f"{BASE}/confirm-verification", json={"token": token})
    assert r.status_code == 204, r.text
    assert await _verified(mail_api, user["id"])
    # Confirming again is harmless, as in PocketBase.
    r = await mail_api.request("POST", f"{BASE}/confirm-verification", json={"token": token})
    assert r.status_code == 204


async def test_unknown_or_verified_address_answers_204_and_sends_nothing(
    mail_api: ApiClient, smtp: SmtpSink
) -> None:
    await mail_api.create_user("done@example.com", verified=True)
    for email in ("nobody@example.com", "done@example.com"):
        r = await mail_api.request("POST", f"{BASE}/request-verification", json={"email": email})
        assert r.status_code == 204
    assert smtp.inbox == []


async def test_request_validation(mail_api: ApiClient) -> None:
    r = await mail_api.request("POST", f"{BASE}/request-verification", json={})
    assert r.status_code == 400
    assert r.json() == {
        "data": {"email": {"code": "validation_required", "message": "Cannot be blank."}},
        "message": "An error occurred while validating the submitted data.",
        "status": 400,
    }
    r = await mail_api.request("POST", f"{BASE}/request-verification", json={"email": "bad"})
    assert r.json()["data"]["email"]["code"] == "validation_is_email"
    r = await mail_api.request("POST", f"{BASE}/request-verification", json={"email": 5})
    assert r.status_code == 400
    assert r.json()["message"] == "An error occurred while loading the submitted data."


async def test_not_an_auth_collection_and_superusers(mail_api: ApiClient) -> None:
    await mail_api.create_collection({"name": "posts", "fields": [{"name": "title", "type": "text"}]})
    for path in ("request-verification", "confirm-verification"):
        r = await mail_api.request("POST", f"/api/collections/posts/{path}", json={})
        assert r.status_code == 404
        assert r.json()["message"] == "Missing or invalid auth collection context."
        r = await mail_api.request("POST", f"/api/collections/_superusers/{path}", json={})
        assert r.status_code == 400
        assert r.json()["message"] == "All superusers are verified by default."


async def test_bad_tokens_are_400(mail_api: ApiClient, smtp: SmtpSink) -> None:
    user, auth_token = await mail_api.create_user("bo@example.com")

    async def confirm(token: str) -> dict:
        r = await mail_api.request("POST", f"{BASE}/confirm-verification", json={"token": token})
        assert r.status_code == 400, r.text
        assert r.json()["message"] == "An error occurred while validating the submitted data."
        return r.json()["data"]["token"]

    assert (await confirm(""))["code"] == "validation_required"
    assert (await confirm("garbage"))["code"] == "validation_invalid_token_claims"
    # An auth token is not a verification token.
    forged_type = jwt.encode(
        {**jwt.decode(auth_token, options={"verify_signature": False}), "email": "bo@example.com"},
        "whatever-key-that-is-long-enough-for-hs256",
        algorithm="HS256",
    )
    assert (await confirm(forged_type))["code"] == "validation_invalid_token"
    # Right claims, wrong key.
    claims = {
        "id": user["id"],
        "collectionId": user["collectionId"],
        "type": "verification",
        "email": "bo@example.com",
        "exp": int(time.time()) + 600,
    }
    assert (await confirm(jwt.encode(claims, "not-the-key-but-long-enough-for-hs256-xx", algorithm="HS256")))[
        "code"
    ] == "validation_invalid_token"

    await mail_api.request("POST", f"{BASE}/request-verification", json={"email": "bo@example.com"})
    [mail] = smtp.to("bo@example.com")
    good = mail.link_token("confirm-verification")
    # A token for another auth collection.
    r = await mail_api.request(
        "POST", "/api/collections/_superusers/confirm-verification", json={"token": good}
    )
    assert r.status_code == 400  # superusers refuse before looking at it
    assert not await _verified(mail_api, user["id"])


async def test_expired_token_is_400(mail_api: ApiClient) -> None:
    user, _ = await mail_api.create_user("ex@example.com")
    collection = mail_api.app.registry.find_collection("users")
    assert collection is not None
    row = await mail_api.app.db.fetch_one('SELECT "tokenKey" FROM "users" WHERE "id" = ?', (user["id"],))
    assert row is not None
    key = row["tokenKey"] + collection.token_secret("verificationToken")

    def token(exp_offset: int) -> str:
        claims = {
            "id": user["id"],
            "collectionId": collection.id,
            "type": "verification",
            "email": "ex@example.com",
            "exp": int(time.time()) + exp_offset,
        }
        return jwt.encode(claims, key, algorithm="HS256")

    r = await mail_api.request("POST", f"{BASE}/confirm-verification", json={"token": token(-60)})
    assert r.status_code == 400
    assert r.json()["data"]["token"]["code"] == "validation_invalid_token"
    assert not await _verified(mail_api, user["id"])
    # The same token, still valid, goes through: only the expiry was wrong.
    r = await mail_api.request("POST", f"{BASE}/confirm-verification", json={"token": token(60)})
    assert r.status_code == 204
    assert await _verified(mail_api, user["id"])


async def test_without_password_auth_verifying_resets_the_password(
    mail_api: ApiClient, smtp: SmtpSink
) -> None:
    """As PocketBase: guards an account pre-claimed before password auth is switched on."""
    _, auth = await mail_api.create_user("np@example.com", password="pass12345")
    r = await mail_api.su("PATCH", "/api/collections/users", json={"passwordAuth": {"enabled": False}})
    assert r.status_code == 200, r.text
    await mail_api.request("POST", f"{BASE}/request-verification", json={"email": "np@example.com"})
    token = smtp.to("np@example.com")[0].link_token("confirm-verification")
    r = await mail_api.request("POST", f"{BASE}/confirm-verification", json={"token": token})
    assert r.status_code == 204
    assert (await mail_api.request("POST", f"{BASE}/auth-refresh", token=auth)).status_code == 401
    r = await mail_api.su("PATCH", "/api/collections/users", json={"passwordAuth": {"enabled": True}})
    r = await mail_api.request(
        "POST", f"{BASE}/auth-with-password", json={"identity": "np@example.com", "password": "pass12345"}
    )
    assert r.status_code == 400


async def test_form_encoded_bodies_work_too(mail_api: ApiClient, smtp: SmtpSink) -> None:
    await mail_api.create_user("fe@example.com")
    r = await mail_api.request("POST", f"{BASE}/request-verification", data={"email": "fe@example.com"})
    assert r.status_code == 204
    token = smtp.to("fe@example.com")[0].link_token("confirm-verification")
    r = await mail_api.request("POST", f"{BASE}/confirm-verification", files={"token": (None, token)})
    assert r.status_code == 204
