"""The only superuser cannot be deleted (PocketBase: 400 "You can't delete the only existing
superuser."), through a record delete or a batch; with two, one can go."""

from __future__ import annotations

SUPERUSERS = "/api/collections/_superusers/records"
REFUSED = {"data": {}, "message": "You can't delete the only existing superuser.", "status": 400}


async def _ids(api) -> list[str]:  # type: ignore[no-untyped-def]
    r = await api.su("GET", SUPERUSERS)
    assert r.status_code == 200, r.text
    return [item["id"] for item in r.json()["items"]]


async def test_the_only_superuser_cannot_be_deleted_and_one_of_two_can(api, backend):
    [only] = await _ids(api)
    r = await api.su("DELETE", f"{SUPERUSERS}/{only}")
    assert (r.status_code, r.json()) == (400, REFUSED)
    await api.su("PATCH", "/api/settings", json={"batch": {"enabled": True}})
    r = await api.su(
        "POST", "/api/batch", json={"requests": [{"method": "DELETE", "url": f"{SUPERUSERS}/{only}"}]}
    )
    assert r.status_code == 400, r.text
    assert await _ids(api) == [only]

    second = await api.create_record(
        "_superusers",
        {"email": "second@example.com", "password": "secondpass1", "passwordConfirm": "secondpass1"},
    )
    r = await api.su("DELETE", f"{SUPERUSERS}/{second['id']}")
    assert r.status_code == 204, r.text
    r = await api.su("DELETE", f"{SUPERUSERS}/{only}")
    assert (r.status_code, r.json()) == (400, REFUSED)
