"""A manager (a caller passing the auth collection's `manageRule`) sees the email of the records
they manage, in views, lists, expansions and after an update, as PocketBase 0.40.6 shows it
(checked with the binary); other callers still do not, unless `emailVisibility` is on."""

from __future__ import annotations

from tests.conftest import ApiClient

USERS = "/api/collections/users/records"


async def _setup(api: ApiClient) -> tuple[str, str]:
    """(a manager's token, a plain staff member's token); user `manageduser0001` hides its email."""
    await api.create_collection(
        {
            "name": "staff",
            "type": "auth",
            "fields": [{"name": "role", "type": "text"}],
        }
    )
    r = await api.su(
        "PATCH",
        "/api/collections/users",
        json={
            "listRule": "",
            "viewRule": "",
            "updateRule": "@request.auth.role = 'admin'",
            "manageRule": "@request.auth.role = 'admin'",
        },
    )
    assert r.status_code == 200, r.text
    await api.create_collection(
        {
            "name": "notes",
            "type": "base",
            "listRule": "",
            "viewRule": "",
            "fields": [
                {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
                {"name": "title", "type": "text"},
            ],
        }
    )
    tokens = []
    for email, role in (("boss@example.com", "admin"), ("peon@example.com", "x")):
        body = {"email": email, "password": "staffpass123", "passwordConfirm": "staffpass123", "role": role}
        await api.create_record("staff", body)
        r = await api.request(
            "POST",
            "/api/collections/staff/auth-with-password",
            json={"identity": email, "password": "staffpass123"},
        )
        tokens.append(r.json()["token"])
    managed = {"id": "manageduser0001", "email": "managed@example.com", "name": "m"}
    await api.create_record("users", {**managed, "password": "userpass123", "passwordConfirm": "userpass123"})
    await api.create_record("notes", {"id": "noteformanaged1", "owner": "manageduser0001", "title": "n"})
    return tokens[0], tokens[1]


async def test_a_manager_sees_the_email(api: ApiClient) -> None:
    boss, _ = await _setup(api)
    r = await api.request("GET", f"{USERS}/manageduser0001?fields=id,email", token=boss)
    assert r.json() == {"email": "managed@example.com", "id": "manageduser0001"}
    r = await api.request("GET", f"{USERS}?fields=id,email&filter=id='manageduser0001'", token=boss)
    assert r.json()["items"] == [{"email": "managed@example.com", "id": "manageduser0001"}]
    r = await api.request(
        "GET",
        "/api/collections/notes/records/noteformanaged1?expand=owner&fields=id,expand.owner.id,expand.owner.email",
        token=boss,
    )
    assert r.json() == {
        "expand": {"owner": {"email": "managed@example.com", "id": "manageduser0001"}},
        "id": "noteformanaged1",
    }
    r = await api.request(
        "PATCH", f"{USERS}/manageduser0001?fields=id,email,name", token=boss, json={"name": "z"}
    )
    assert r.json() == {"email": "managed@example.com", "id": "manageduser0001", "name": "z"}


async def test_others_do_not(api: ApiClient) -> None:
    _, peon = await _setup(api)
    for token in (peon, None):
        r = await api.request("GET", f"{USERS}/manageduser0001?fields=id,email", token=token)
        assert r.json() == {"id": "manageduser0001"}
        r = await api.request(
            "GET",
            "/api/collections/notes/records/noteformanaged1?expand=owner&fields=expand.owner",
            token=token,
        )
        assert "email" not in r.json()["expand"]["owner"]


async def test_if_match_with_the_managers_etag(api: ApiClient) -> None:
    """The ETag a manager got (with the email in the body) still matches on PATCH."""
    boss, _ = await _setup(api)
    r = await api.request("GET", f"{USERS}/manageduser0001", token=boss)
    etag = r.headers["etag"]
    r = await api.request(
        "PATCH", f"{USERS}/manageduser0001", token=boss, json={"name": "q"}, headers={"If-Match": etag}
    )
    assert r.status_code == 200, r.text
