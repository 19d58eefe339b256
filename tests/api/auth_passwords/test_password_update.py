"""Changing one's password through PATCH: the answers PocketBase 0.40.6 gives (checked with the
binary), and what is stored: never an empty hash.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiClient

USERS = "/api/collections/users/records"
LOGIN = "/api/collections/users/auth-with-password"
FAILED = "Failed to update record."
REQUIRED = {"code": "validation_required", "message": "Cannot be blank."}
MISMATCH = {"code": "validation_values_mismatch", "message": "Values don't match."}

# (body, expected `data` of the 400; None: 200) as PocketBase answers the record itself
OWNER_CASES: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
    ({"password": ""}, {"password": REQUIRED}),
    ({"password": "", "passwordConfirm": ""}, {"password": REQUIRED}),
    ({"password": None}, {"password": REQUIRED}),
    ({"password": "", "passwordConfirm": "", "oldPassword": ""}, {"password": REQUIRED}),
    ({"name": "x", "password": ""}, {"password": REQUIRED}),
    ({"password": "", "oldPassword": "userpass123"}, {"password": REQUIRED, "passwordConfirm": REQUIRED}),
    (
        {"password": "", "passwordConfirm": "x"},
        {"oldPassword": REQUIRED, "password": REQUIRED, "passwordConfirm": MISMATCH},
    ),
    ({"passwordConfirm": ""}, None),
    ({"oldPassword": ""}, None),
]
# the same with a superuser's token
SUPERUSER_CASES: list[tuple[dict[str, Any], dict[str, Any] | None]] = [
    ({"password": ""}, {"password": REQUIRED}),
    ({"password": "", "passwordConfirm": ""}, {"password": REQUIRED}),
    ({"password": None}, {"password": REQUIRED}),
    ({"password": "", "passwordConfirm": "x"}, {"password": REQUIRED, "passwordConfirm": MISMATCH}),
    ({"passwordConfirm": ""}, None),
]


async def _stored_hash(api: ApiClient, record_id: str) -> str:
    row = await api.app.db.fetch_one('SELECT "password" FROM "users" WHERE "id" = ?', (record_id,))
    assert row is not None
    return str(row["password"])


@pytest.mark.parametrize(("body", "errors"), OWNER_CASES)
async def test_blank_password_answers_as_pocketbase(
    api: ApiClient, body: dict[str, Any], errors: dict[str, Any] | None
) -> None:
    user, token = await api.create_user("blank@example.com")
    stored = await _stored_hash(api, user["id"])
    r = await api.request("PATCH", f"{USERS}/{user['id']}", token=token, json=body)
    if errors is None:
        assert r.status_code == 200, r.text
    else:
        assert (r.status_code, r.json()) == (400, {"data": errors, "message": FAILED, "status": 400})
    # nothing was stored: the password still works
    assert await _stored_hash(api, user["id"]) == stored
    r = await api.request("POST", LOGIN, json={"identity": "blank@example.com", "password": "userpass123"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(("body", "errors"), SUPERUSER_CASES)
async def test_blank_password_from_a_superuser(
    api: ApiClient, body: dict[str, Any], errors: dict[str, Any] | None
) -> None:
    user, _ = await api.create_user("blank-su@example.com")
    stored = await _stored_hash(api, user["id"])
    r = await api.su("PATCH", f"{USERS}/{user['id']}", json=body)
    if errors is None:
        assert r.status_code == 200, r.text
    else:
        assert (r.status_code, r.json()) == (400, {"data": errors, "message": FAILED, "status": 400})
    assert await _stored_hash(api, user["id"]) == stored


async def test_a_real_change_still_works(api: ApiClient) -> None:
    user, token = await api.create_user("change@example.com")
    body = {"password": "newpass1234", "passwordConfirm": "newpass1234", "oldPassword": "userpass123"}
    r = await api.request("PATCH", f"{USERS}/{user['id']}", token=token, json=body)
    assert r.status_code == 200, r.text
    r = await api.request("POST", LOGIN, json={"identity": "change@example.com", "password": "newpass1234"})
    assert r.status_code == 200, r.text
    # a short new password is refused on its length, as PocketBase (after the old one is checked)
    token = r.json()["token"]
    body = {"password": "short", "passwordConfirm": "short", "oldPassword": "newpass1234"}
    r = await api.request("PATCH", f"{USERS}/{user['id']}", token=token, json=body)
    assert r.status_code == 400
    assert r.json()["data"] == {
        "password": {"code": "validation_min_text_constraint", "message": "Must be at least 8 character(s)."}
    }
