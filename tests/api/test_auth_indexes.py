"""An auth collection always keeps its unique `email` and `tokenKey` indexes (issue #12).

Created with its own `indexes`, an auth collection lost them, and the same email registered twice:
two accounts shared one email. PocketBase 0.40.6 (checked against the binary) appends
`idx_tokenKey_<id>` and `idx_email_<id>` to whatever list a create or an update sends, unless the
list already has a single-column unique index on that column, and refuses identity fields
without one (`validation_missing_unique_constraint`). Databases written before the fix are
repaired when the App starts; one whose accounts already share an email refuses to start.
"""

from __future__ import annotations

import pytest

from bastion.app import App
from bastion.errors import StartupError
from bastion.store.json_codec import dumps, loads

PASSWORD = "userpass123"


def _system_indexes(cid: str, name: str) -> list[str]:
    return [
        f"CREATE UNIQUE INDEX `idx_tokenKey_{cid}` ON `{name}` (`tokenKey`)",
        f"CREATE UNIQUE INDEX `idx_email_{cid}` ON `{name}` (`email`) WHERE `email` != ''",
    ]


async def _register(api, collection: str, email: str):
    return await api.request(
        "POST",
        f"/api/collections/{collection}/records",
        json={"email": email, "password": PASSWORD, "passwordConfirm": PASSWORD},
    )


async def _members(api, **extra) -> dict:
    return await api.create_collection(
        {
            "name": "members",
            "type": "auth",
            "createRule": "",
            "fields": [{"name": "nick", "type": "text"}],
            "indexes": ["CREATE INDEX idx_nick ON members (nick)"],
            **extra,
        }
    )


async def test_the_same_email_cannot_register_twice_in_a_collection_created_with_indexes(api):
    created = await _members(api)
    assert (await _register(api, "members", "dup@example.com")).status_code == 200
    again = await _register(api, "members", "dup@example.com")
    assert again.status_code == 400, again.text
    assert again.json() == {
        "data": {"email": {"code": "validation_not_unique", "message": "Value must be unique."}},
        "message": "Failed to create record.",
        "status": 400,
    }
    assert created["indexes"] == [
        "CREATE INDEX idx_nick ON members (nick)",
        *_system_indexes(created["id"], "members"),
    ]


@pytest.mark.parametrize("collection", ["members", "users", "_superusers"])
async def test_an_update_cannot_drop_the_system_indexes(api, collection):
    if collection == "members":
        await _members(api)
    before = (await api.su("GET", f"/api/collections/{collection}")).json()
    r = await api.su("PATCH", f"/api/collections/{collection}", json={"indexes": []})
    assert r.status_code == 200, r.text
    assert r.json()["indexes"] == _system_indexes(before["id"], collection)
    with_own = [f"CREATE INDEX idx_own ON {collection} (verified)"]
    r = await api.su("PATCH", f"/api/collections/{collection}", json={"indexes": with_own})
    assert r.json()["indexes"] == [with_own[0], *_system_indexes(before["id"], collection)]
    first = await api.su(
        "POST",
        f"/api/collections/{collection}/records",
        json={"email": "same@example.com", "password": PASSWORD, "passwordConfirm": PASSWORD},
    )
    assert first.status_code == 200, first.text
    second = await api.su(
        "POST",
        f"/api/collections/{collection}/records",
        json={"email": "same@example.com", "password": PASSWORD, "passwordConfirm": PASSWORD},
    )
    assert second.status_code == 400
    assert second.json()["data"]["email"]["code"] == "validation_not_unique"


async def test_a_unique_email_index_of_ones_own_takes_the_place_of_the_default(api):
    created = await api.create_collection(
        {
            "name": "m2",
            "id": "custom_m2_id",
            "type": "auth",
            "indexes": ["CREATE UNIQUE INDEX my_email ON m2 (email)"],
        }
    )
    assert created["indexes"] == [
        "CREATE UNIQUE INDEX my_email ON m2 (email)",
        "CREATE UNIQUE INDEX `idx_tokenKey_custom_m2_id` ON `m2` (`tokenKey`)",
    ]
    # without `indexes` at all, PocketBase names them after the name-derived id; with [] after the id
    plain = await api.create_collection({"name": "m4", "id": "custom_m4_id", "type": "auth"})
    assert plain["indexes"] == _system_indexes("pbc_270950127", "m4")
    empty = await api.create_collection({"name": "m5", "id": "custom_m5_id", "type": "auth", "indexes": []})
    assert empty["indexes"] == _system_indexes("custom_m5_id", "m5")


async def test_identity_fields_need_a_unique_index(api):
    await _members(api)
    body = {"passwordAuth": {"enabled": True, "identityFields": ["email", "nick"]}}
    r = await api.su("PATCH", "/api/collections/members", json=body)
    assert r.status_code == 400
    assert r.json() == {
        "data": {
            "passwordAuth": {
                "identityFields": {
                    "code": "validation_missing_unique_constraint",
                    "message": "The field nick doesn't have a UNIQUE constraint.",
                    "params": {"fieldName": "nick"},
                }
            }
        },
        "message": "Failed to update collection.",
        "status": 400,
    }
    unique_nick = ["CREATE UNIQUE INDEX idx_nick ON members (nick)"]
    r = await api.su("PATCH", "/api/collections/members", json={**body, "indexes": unique_nick})
    assert r.status_code == 200, r.text
    # and the index cannot go while `nick` is an identity field
    r = await api.su("PATCH", "/api/collections/members", json={"indexes": []})
    assert r.status_code == 400
    assert (
        r.json()["data"]["passwordAuth"]["identityFields"]["code"] == "validation_missing_unique_constraint"
    )
    r = await api.su(
        "PATCH",
        "/api/collections/members",
        json={"passwordAuth": {"enabled": True, "identityFields": ["nosuch"]}},
    )
    assert r.json()["data"]["passwordAuth"]["identityFields"] == {
        "code": "validation_missing_field",
        "message": "Invalid or missing field nosuch.",
        "params": {"fieldName": "nosuch"},
    }
    # PocketBase checks them only while password sign-in is enabled
    off = {"passwordAuth": {"enabled": False, "identityFields": ["nosuch"]}}
    assert (await api.su("PATCH", "/api/collections/members", json=off)).status_code == 200


# ---- databases written before the fix ---------------------------------------------------------


async def _age(app: App, name: str) -> None:
    """Make `name` look as an older Bastion left it: no system indexes, in the row or the table."""
    collection = app.registry.find_collection(name)
    assert collection is not None
    async with app.db.transaction() as tx:
        row = await tx.fetch_one('SELECT "data" FROM "_collections" WHERE "id" = ?', (collection.id,))
        data = loads(row["data"])
        data["indexes"] = [i for i in data["indexes"] if "idx_email_" not in i and "idx_tokenKey_" not in i]
        cast = "?::jsonb" if tx.dialect == "postgres" else "?"
        await tx.execute(
            f'UPDATE "_collections" SET "data" = {cast} WHERE "id" = ?', (dumps(data), collection.id)
        )
        for index in ("idx_email_", "idx_tokenKey_"):
            await tx.execute(f'DROP INDEX IF EXISTS "{index}{collection.id}"')


async def _insert_account(app: App, name: str, rid: str, email: str) -> None:
    """Insert a row as a Bastion without the index let it in (no validation on the way)."""
    await app.db.execute(
        f'INSERT INTO "{name}" ("id", "email", "password", "tokenKey", "emailVisibility", "verified") '
        "VALUES (?, ?, ?, ?, ?, ?)",
        (rid, email, "x", "key" + rid, False, False),
    )


async def test_an_old_database_gets_its_indexes_back_at_start(api):
    created = await _members(api)
    await _age(api.app, "members")
    await _age(api.app, "users")
    await _insert_account(api.app, "members", "a" * 15, "one@example.com")
    second = await App(api.app.config).start()
    try:
        repaired = second.registry.find_collection("members")
        assert repaired is not None and repaired.indexes[1:] == _system_indexes(created["id"], "members")
        assert second.registry.find_collection("users").indexes == _system_indexes("_pb_users_auth_", "users")
        # the database enforces them again, whatever writes to it
        with pytest.raises(Exception, match="(?i)unique"):
            await _insert_account(second, "members", "b" * 15, "one@example.com")
    finally:
        await second.stop()
    api.app.registry.replace(await api.app.collections.read_all())  # as its next sync would
    again = await _register(api, "members", "one@example.com")
    assert again.status_code == 400
    assert again.json()["data"]["email"]["code"] == "validation_not_unique"


async def test_an_old_database_whose_accounts_share_an_email_refuses_to_start(api):
    await _members(api)
    await _age(api.app, "members")
    await _insert_account(api.app, "members", "a" * 15, "twin@example.com")
    await _insert_account(api.app, "members", "b" * 15, "twin@example.com")
    await _insert_account(api.app, "members", "c" * 15, "other@example.com")
    refusing = App(api.app.config)
    try:
        with pytest.raises(StartupError) as refused:
            await refusing.start()
    finally:
        await refusing.stop()
    message = str(refused.value)
    assert "\n" not in message
    assert "members" in message and "twin@example.com" in message and "other@example.com" not in message
    assert "email" in message and "then start again" in message
