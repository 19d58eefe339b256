"""A base collection's own `password` fields, as PocketBase 0.40.6 answers them (checked with the
binary): the key is there with `""` (never the value), hidden ones only for superusers, and the
value is stored as a hash, never as sent.
"""

from __future__ import annotations

from typing import Any

from bastion.core.passwords import verify_password
from tests.conftest import ApiClient

VAULT = "/api/collections/vault/records"


async def _vault(api: ApiClient) -> None:
    await api.create_collection(
        {
            "name": "vault",
            "type": "base",
            "listRule": "",
            "viewRule": "",
            "createRule": "",
            "updateRule": "",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "pin", "type": "password"},
                {"name": "secretpin", "type": "password", "hidden": True},
            ],
        }
    )


def _plain(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("created", "updated")}


async def test_password_fields_read_as_empty_strings(api: ApiClient) -> None:
    await _vault(api)
    body = {"id": "vaultrecord0001", "title": "t", "pin": "12345678", "secretpin": "abcdefgh"}
    r = await api.request("POST", VAULT, json=body)  # a guest: the hidden field is not set
    assert r.status_code == 200, r.text
    base = {"collectionId": r.json()["collectionId"], "collectionName": "vault", "id": "vaultrecord0001"}
    assert _plain(r.json()) == {**base, "pin": "", "title": "t"}
    r = await api.su("POST", VAULT, json={**body, "id": "vaultrecord0002"})
    assert _plain(r.json()) == {**base, "id": "vaultrecord0002", "pin": "", "secretpin": "", "title": "t"}

    r = await api.request("GET", f"{VAULT}/vaultrecord0002")
    assert _plain(r.json()) == {**base, "id": "vaultrecord0002", "pin": "", "title": "t"}
    r = await api.su("GET", f"{VAULT}/vaultrecord0002")
    assert _plain(r.json())["secretpin"] == ""
    r = await api.request("GET", f"{VAULT}?fields=id,pin,secretpin")
    assert r.json()["items"] == [{"id": "vaultrecord0001", "pin": ""}, {"id": "vaultrecord0002", "pin": ""}]
    r = await api.su("GET", f"{VAULT}?fields=id,pin,secretpin")
    assert r.json()["items"][1] == {"id": "vaultrecord0002", "pin": "", "secretpin": ""}

    r = await api.request("PATCH", f"{VAULT}/vaultrecord0002", json={"pin": ""})
    assert (r.status_code, r.json()["pin"]) == (200, "")


async def test_password_fields_are_stored_hashed(api: ApiClient) -> None:
    await _vault(api)
    body = {"id": "vaultrecord0003", "title": "t", "pin": "12345678", "secretpin": "abcdefgh"}
    assert (await api.su("POST", VAULT, json=body)).status_code == 200
    row = await api.app.db.fetch_one('SELECT "pin", "secretpin" FROM "vault" WHERE "id" = ?', (body["id"],))
    assert row is not None
    assert row["pin"] != "12345678" and verify_password("12345678", row["pin"])
    assert row["secretpin"] != "abcdefgh" and verify_password("abcdefgh", row["secretpin"])
    # an update that does not touch it keeps the hash; one that sets it hashes the new value
    assert (await api.su("PATCH", f"{VAULT}/{body['id']}", json={"title": "u"})).status_code == 200
    again = await api.app.db.fetch_one('SELECT "pin" FROM "vault" WHERE "id" = ?', (body["id"],))
    assert again is not None and again["pin"] == row["pin"]
    assert (await api.su("PATCH", f"{VAULT}/{body['id']}", json={"pin": "87654321"})).status_code == 200
    new = await api.app.db.fetch_one('SELECT "pin" FROM "vault" WHERE "id" = ?', (body["id"],))
    assert new is not None and verify_password("87654321", new["pin"])


async def test_a_hash_shaped_value_is_a_password_like_any_other(api: ApiClient) -> None:
    """A client cannot store a hash of its choosing, nor skip the field's checks with one."""
    await api.create_collection(
        {
            "name": "vault2",
            "type": "base",
            "createRule": "",
            "fields": [{"name": "pin", "type": "password", "min": 20}],
        }
    )
    r = await api.request("POST", "/api/collections/vault2/records", json={"pin": "$argon2id$short"})
    assert r.status_code == 400
    assert r.json()["data"]["pin"]["code"] == "validation_min_text_constraint"


async def test_auth_records_never_show_password_or_token_key(api: ApiClient) -> None:
    user, token = await api.create_user("keys@example.com")
    for caller in (token, api.superuser_token):
        r = await api.request("GET", f"/api/collections/users/records/{user['id']}", token=caller)
        assert r.status_code == 200
        assert "password" not in r.json() and "tokenKey" not in r.json()
