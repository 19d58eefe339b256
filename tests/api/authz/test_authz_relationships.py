"""Relationship rules (ReBAC): access follows who belongs to what, through relations.

Two ways to model "members of a document's team may use it":

- `team.members.id ?= @request.auth.id`: the team lists its members in a multi relation; the rule
  walks document -> team -> members.
- a `memberships` join collection (user, team), reached with `@collection.memberships...`: both
  conditions name the same `@collection.memberships`, so PocketBase (and Bastion) require them of
  the SAME membership row. The world below is built so that reading them as two independent
  "some row matches" conditions would wrongly let Bob into team B.

Members may list, view, update and delete their team's documents; non-members, other teams'
members and anonymous clients see nothing (404 on a single record); superusers see everything.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.authz.authz_outcome import Outcome

VIA_MEMBERS = "team.members.id ?= @request.auth.id"
VIA_MEMBERSHIPS = "@collection.memberships.user ?= @request.auth.id && @collection.memberships.team ?= team"


@pytest.fixture
async def teams_world(api: Any) -> dict[str, Any]:
    users = (await api.su("GET", "/api/collections/users")).json()
    ann, ann_token = await api.create_user("ann@example.com")  # team A (both models)
    bob, bob_token = await api.create_user("bob@example.com")  # team A only; Cid is in team B
    cid, cid_token = await api.create_user("cid@example.com")  # team B
    _, dan_token = await api.create_user("dan@example.com")  # no team at all
    teams = await api.create_collection(
        {
            "name": "teams",
            "fields": [
                {"name": "name", "type": "text"},
                {"name": "members", "type": "relation", "collectionId": users["id"], "maxSelect": 50},
            ],
        }
    )
    team_a = await api.create_record("teams", {"name": "A", "members": [ann["id"], bob["id"]]})
    team_b = await api.create_record("teams", {"name": "B", "members": [cid["id"]]})
    await api.create_collection(
        {
            "name": "memberships",
            "fields": [
                {"name": "user", "type": "relation", "collectionId": users["id"], "maxSelect": 1},
                {"name": "team", "type": "relation", "collectionId": teams["id"], "maxSelect": 1},
            ],
        }
    )
    for user, team in ((ann, team_a), (bob, team_a), (cid, team_b)):
        await api.create_record("memberships", {"user": user["id"], "team": team["id"]})

    records: dict[str, dict[str, Any]] = {}
    for name, rule in (("docs", VIA_MEMBERS), ("files", VIA_MEMBERSHIPS)):
        await api.create_collection(
            {
                "name": name,
                "fields": [
                    {"name": "title", "type": "text"},
                    {"name": "team", "type": "relation", "collectionId": teams["id"], "maxSelect": 1},
                ],
                "listRule": rule,
                "viewRule": rule,
                "updateRule": rule,
                "deleteRule": rule,
            }
        )
        for team_name, team in (("a", team_a), ("b", team_b)):
            for title in (f"{team_name}-target", *(f"{team_name}-spare-{actor}" for actor in ACTORS)):
                records[f"{name}/{title}"] = await api.create_record(
                    name, {"title": title, "team": team["id"]}
                )
    tokens = {
        "ann": ann_token,
        "bob": bob_token,
        "cid": cid_token,
        "dan": dan_token,
        "anonymous": "",
        "superuser": api.superuser_token,
    }
    return {"tokens": tokens, "records": records}


ACTORS = ("ann", "bob", "cid", "dan", "anonymous", "superuser")
TEAM_OF = {
    "ann": {"a"},
    "bob": {"a"},
    "cid": {"b"},
    "dan": set(),
    "anonymous": set(),
    "superuser": {"a", "b"},
}


def titles(team: str) -> frozenset[str]:
    return frozenset({f"{team}-target", *(f"{team}-spare-{actor}" for actor in ACTORS)})


@pytest.mark.parametrize("collection", ["docs", "files"])
@pytest.mark.parametrize("team", ["a", "b"])
@pytest.mark.parametrize("actor", ACTORS)
async def test_relationship_rules(api, teams_world, probe, collection, team, actor):
    records = teams_world["records"]
    got = await probe(
        collection,
        teams_world["tokens"][actor],
        records[f"{collection}/{team}-target"],
        records[f"{collection}/{team}-spare-{actor}"],
    )
    member = team in TEAM_OF[actor]
    visible = frozenset().union(*(titles(t) for t in TEAM_OF[actor]))
    assert got == Outcome(
        listed=visible,
        view=200 if member else 404,
        update=200 if member else 404,
        delete=204 if member else 404,
    )


async def test_leaving_a_team_revokes_access(api, teams_world):
    """Access is computed from the relations at request time: removing the membership is enough."""
    bob = teams_world["tokens"]["bob"]
    for collection in ("docs", "files"):
        target = teams_world["records"][f"{collection}/a-target"]
        url = f"/api/collections/{collection}/records/{target['id']}"
        assert (await api.request("GET", url, token=bob)).status_code == 200

    bob_id = (await api.request("POST", "/api/collections/users/auth-refresh", token=bob)).json()["record"][
        "id"
    ]
    team_a = (await api.su("GET", "/api/collections/teams/records", params={"filter": 'name = "A"'})).json()
    team_a = team_a["items"][0]
    r = await api.su("PATCH", f"/api/collections/teams/records/{team_a['id']}", json={"members-": bob_id})
    assert r.status_code == 200, r.text
    membership = (
        await api.su("GET", "/api/collections/memberships/records", params={"filter": f'user = "{bob_id}"'})
    ).json()["items"][0]
    assert (
        await api.su("DELETE", f"/api/collections/memberships/records/{membership['id']}")
    ).status_code == 204

    for collection in ("docs", "files"):
        target = teams_world["records"][f"{collection}/a-target"]
        url = f"/api/collections/{collection}/records/{target['id']}"
        assert (await api.request("GET", url, token=bob)).status_code == 404
        listed = await api.request("GET", f"/api/collections/{collection}/records", token=bob)
        assert listed.json()["items"] == []


async def test_aliased_collection_joins_are_independent(api, teams_world):
    """`@collection.memberships:alias` opens a separate join: the two conditions may then match
    different rows, which here lets Bob (team A) into team B. This is why the rule above must not
    alias, and proves the scenario above would catch a rule engine that treated them apart."""
    loose = "@collection.memberships:m1.user ?= @request.auth.id && @collection.memberships:m2.team ?= team"
    r = await api.su("PATCH", "/api/collections/files", json={"viewRule": loose})
    assert r.status_code == 200, r.text
    target = teams_world["records"]["files/b-target"]
    r = await api.request(
        "GET", f"/api/collections/files/records/{target['id']}", token=teams_world["tokens"]["bob"]
    )
    assert r.status_code == 200
