"""Roles (RBAC) with nothing but rules: a `role` select (one role) and a `roles` select (several).

Users carry their roles as ordinary fields; rules read them through `@request.auth`. Editors may
do everything, viewers may read, a user without a role and anonymous clients get nothing, and
superusers bypass rules. Failing list rules filter (200, fewer items); failing view, update and
delete rules answer 404, as PocketBase does, so a record's existence is not revealed.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.authz.authz_outcome import Outcome

READ_ONE = '@request.auth.role = "editor" || @request.auth.role = "viewer"'
WRITE_ONE = '@request.auth.role = "editor"'
READ_MANY = '@request.auth.roles:each ?= "editor" || @request.auth.roles:each ?= "viewer"'
WRITE_MANY = '@request.auth.roles:each ?= "editor"'

ALL = frozenset(
    {"target", "spare-editor", "spare-viewer", "spare-nobody", "spare-anonymous", "spare-superuser"}
)


@pytest.fixture
async def roles_world(api: Any) -> dict[str, Any]:
    users = (await api.su("GET", "/api/collections/users")).json()
    fields = users["fields"] + [
        {"name": "role", "type": "select", "values": ["editor", "viewer"], "maxSelect": 1},
        {"name": "roles", "type": "select", "values": ["editor", "viewer", "auditor"], "maxSelect": 3},
    ]
    r = await api.su("PATCH", "/api/collections/users", json={"fields": fields})
    assert r.status_code == 200, r.text
    for name, read, write in (("articles", READ_ONE, WRITE_ONE), ("pages", READ_MANY, WRITE_MANY)):
        await api.create_collection(
            {
                "name": name,
                "fields": [{"name": "title", "type": "text"}],
                "listRule": read,
                "viewRule": read,
                "updateRule": write,
                "deleteRule": write,
            }
        )
    tokens = {"anonymous": "", "superuser": api.superuser_token}
    _, tokens["editor"] = await api.create_user("ed@example.com", role="editor", roles=["auditor", "editor"])
    _, tokens["viewer"] = await api.create_user("vi@example.com", role="viewer", roles=["viewer"])
    _, tokens["nobody"] = await api.create_user("no@example.com")
    records: dict[str, dict[str, Any]] = {}
    for collection in ("articles", "pages"):
        for title in sorted(ALL):
            records[f"{collection}/{title}"] = await api.create_record(collection, {"title": title})
    return {"tokens": tokens, "records": records}


# actor -> (can read, can write); the same table holds for both the one-role and the many-roles field
MATRIX = {
    "editor": (True, True),
    "viewer": (True, False),
    "nobody": (False, False),
    "anonymous": (False, False),
}


@pytest.mark.parametrize("collection", ["articles", "pages"])
@pytest.mark.parametrize("actor", ["editor", "viewer", "nobody", "anonymous", "superuser"])
async def test_role_rules(api, roles_world, probe, collection, actor):
    records = roles_world["records"]
    got = await probe(
        collection,
        roles_world["tokens"][actor],
        records[f"{collection}/target"],
        records[f"{collection}/spare-{actor}"],
    )
    can_read, can_write = MATRIX.get(actor, (True, True))
    assert got == Outcome(
        listed=ALL if can_read else frozenset(),
        view=200 if can_read else 404,
        update=200 if can_write else 404,
        delete=204 if can_write else 404,
    )


async def test_role_change_takes_effect_on_the_next_request(api, roles_world):
    """Rules read the auth record fresh on each request: demoting a user needs no new token."""
    editor = roles_world["tokens"]["editor"]
    target = roles_world["records"]["articles/target"]
    url = f"/api/collections/articles/records/{target['id']}"
    assert (await api.request("PATCH", url, token=editor, json={"title": "t"})).status_code == 200
    me = (
        await api.request(
            "GET",
            "/api/collections/users/records",
            token=api.superuser_token,
            params={"filter": 'email = "ed@example.com"'},
        )
    ).json()["items"][0]
    r = await api.su("PATCH", f"/api/collections/users/records/{me['id']}", json={"role": "viewer"})
    assert r.status_code == 200, r.text
    assert (await api.request("PATCH", url, token=editor, json={"title": "t"})).status_code == 404
    assert (await api.request("GET", url, token=editor)).status_code == 200


async def test_users_cannot_promote_themselves_when_the_users_rule_forbids_it(api, roles_world):
    """The role is only as safe as the users collection's own updateRule: guard the field there."""
    rule = 'id = @request.auth.id && (@request.body.role:isset = false || @request.auth.role = "editor")'
    r = await api.su("PATCH", "/api/collections/users", json={"updateRule": rule})
    assert r.status_code == 200, r.text
    viewer = roles_world["tokens"]["viewer"]
    me = (await api.request("POST", "/api/collections/users/auth-refresh", token=viewer)).json()["record"]
    url = f"/api/collections/users/records/{me['id']}"
    assert (await api.request("PATCH", url, token=viewer, json={"role": "editor"})).status_code == 404
    r = await api.request("PATCH", url, token=viewer, json={"name": "Vi"})
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "viewer"


async def test_create_needs_the_editor_role(api, roles_world):
    """A failing createRule is a 400 (PocketBase: "Failed to create record."); `null` is a 403."""
    r = await api.su("PATCH", "/api/collections/pages", json={"createRule": WRITE_MANY})
    assert r.status_code == 200, r.text
    tokens = roles_world["tokens"]
    statuses = {
        actor: (
            await api.request(
                "POST", "/api/collections/pages/records", token=tokens[actor], json={"title": "n"}
            )
        ).status_code
        for actor in ("editor", "viewer", "nobody", "anonymous", "superuser")
    }
    assert statuses == {"editor": 200, "viewer": 400, "nobody": 400, "anonymous": 400, "superuser": 200}
    await api.su("PATCH", "/api/collections/pages", json={"createRule": None, "listRule": None})
    r = await api.request(
        "POST", "/api/collections/pages/records", token=tokens["editor"], json={"title": "n"}
    )
    assert r.status_code == 403
    r = await api.request("GET", "/api/collections/pages/records", token=tokens["editor"])
    assert r.status_code == 403


@pytest.mark.parametrize(
    ("rule", "editor_sees"),
    [
        ('@request.auth.roles:each ?= "editor"', True),
        # Without `:each` a multi-valued auth field is compared as a whole: never equal to one role.
        ('@request.auth.roles ?= "editor"', False),
        ('@request.auth.roles = "editor"', False),
        # `:each =` requires EVERY role to be "editor"; the editor here is also an auditor.
        ('@request.auth.roles:each = "editor"', False),
    ],
)
async def test_multi_role_rules_need_each_with_any_of(api, roles_world, rule, editor_sees):
    """The pitfalls of a multi-valued role field, as PocketBase 0.40.6 behaves (checked against it)."""
    r = await api.su("PATCH", "/api/collections/pages", json={"listRule": rule})
    assert r.status_code == 200, r.text
    r = await api.request("GET", "/api/collections/pages/records", token=roles_world["tokens"]["editor"])
    assert (r.json()["totalItems"] > 0) is editor_sees
