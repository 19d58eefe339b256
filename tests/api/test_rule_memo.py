"""Compiled rules are remembered per caller and request values (core/record_query.py): the
answers must stay those of each caller's own, current record."""

from __future__ import annotations

from tests.api.conftest import titles

ALL = ["alpha", "beta", "delta", "gamma"]
PUBLISHED = ["alpha", "delta", "gamma"]


async def set_role(api, user_id: str, role: str) -> None:
    r = await api.su("PATCH", f"/api/collections/users/records/{user_id}", json={"role": role})
    assert r.status_code == 200, r.text


async def test_a_rule_on_an_auth_field_follows_each_callers_current_record(api, blog):
    users = (await api.su("GET", "/api/collections/users")).json()
    fields = [*users["fields"], {"name": "role", "type": "text"}]
    assert (await api.su("PATCH", "/api/collections/users", json={"fields": fields})).status_code == 200
    rule = '@request.auth.role = "admin" || published = true'
    r = await api.su("PATCH", "/api/collections/posts", json={"listRule": rule})
    assert r.status_code == 200, r.text
    alice, bob = blog["alice"]["id"], blog["bob"]["id"]
    await set_role(api, alice, "admin")
    await set_role(api, bob, "editor")

    by_title = "sort=title"
    assert await titles(api, by_title, token=blog["alice_token"]) == ALL
    assert await titles(api, by_title, token=blog["bob_token"]) == PUBLISHED  # not alice's answer
    assert await titles(api, by_title) == PUBLISHED

    # Two callers with the same role value: each one's answer comes from their own record.
    await set_role(api, bob, "admin")
    assert await titles(api, by_title, token=blog["bob_token"]) == ALL
    await set_role(api, alice, "editor")
    assert await titles(api, by_title, token=blog["alice_token"]) == PUBLISHED
    assert await titles(api, by_title, token=blog["bob_token"]) == ALL
    await set_role(api, bob, "editor")
    await set_role(api, alice, "admin")
    assert await titles(api, by_title, token=blog["bob_token"]) == PUBLISHED
    assert await titles(api, by_title, token=blog["alice_token"]) == ALL
