"""Rules that read only the request are decided in memory and remembered per request values:
the remembered answer must follow the values, never go stale."""

from __future__ import annotations

from tests.conftest import ApiClient


async def test_a_remembered_answer_follows_the_auth_record(api: ApiClient) -> None:
    await api.create_collection(
        {
            "name": "docs",
            "listRule": "@request.auth.verified = true",
            "viewRule": "@request.auth.verified = true",
            "fields": [{"name": "title", "type": "text"}],
        }
    )
    doc = await api.create_record("docs", {"title": "a"})
    user, token = await api.create_user("reader@example.com")
    url = f"/api/collections/docs/records/{doc['id']}"
    assert (await api.request("GET", url, token=token)).status_code == 404
    assert (await api.request("GET", "/api/collections/docs/records", token=token)).json()["items"] == []
    r = await api.su("PATCH", f"/api/collections/users/records/{user['id']}", json={"verified": True})
    assert r.status_code == 200, r.text
    # same token, same rule: the auth record now says verified
    assert (await api.request("GET", url, token=token)).status_code == 200
    assert len((await api.request("GET", "/api/collections/docs/records", token=token)).json()["items"]) == 1
    # and a changed rule is decided afresh
    r = await api.su("PATCH", "/api/collections/docs", json={"viewRule": "@request.auth.verified = false"})
    assert r.status_code == 200
    assert (await api.request("GET", url, token=token)).status_code == 404


async def test_a_remembered_answer_follows_the_body(api: ApiClient) -> None:
    await api.create_collection(
        {
            "name": "notes",
            "createRule": '@request.body.title = "ok"',
            "fields": [{"name": "title", "type": "text"}],
        }
    )
    _, token = await api.create_user("writer@example.com")
    url = "/api/collections/notes/records"
    for title, status in (("ok", 200), ("no", 400), ("ok", 200), ("x" * 500, 400)):
        r = await api.request("POST", url, token=token, json={"title": title})
        assert r.status_code == status, (title, r.text)
    r = await api.request("POST", url, token=token, json={})
    assert r.status_code == 400
