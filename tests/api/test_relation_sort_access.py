"""Sorting by a related record's field never reveals a record the caller may not list.

The attack: `sort=note.secret` (or the back-relation `sort=notes_via_owner.secret`) orders rows
by a related collection's field. By editing his own note and watching where his row lands next to
the victim's, a user used to recover the victim's private text one comparison at a time. Here the
attacker runs that probe against two different victim secrets: his observations must be identical
(he learns nothing), the victim's rows never appear, and rows with an empty relation are kept,
as PocketBase 0.40.6 answers (checked against the binary: tests/compat/diff_cases_access.py).
"""

from __future__ import annotations

from typing import Any

OWNER_ONLY = "owner = @request.auth.id"
PROBES = ["a", "g", "m", "s", "z"]  # what the attacker writes into his own note, in turn


async def _world(api: Any) -> dict[str, Any]:
    r = await api.su("PATCH", "/api/collections/users", json={"listRule": "", "viewRule": ""})
    assert r.status_code == 200, r.text
    notes = await api.create_collection(
        {
            "name": "notes",
            "listRule": OWNER_ONLY,
            "viewRule": OWNER_ONLY,
            "updateRule": OWNER_ONLY,
            "fields": [
                {"name": "secret", "type": "text"},
                {"name": "owner", "type": "relation", "collectionId": "_pb_users_auth_", "maxSelect": 1},
            ],
        }
    )
    await api.create_collection(
        {
            "name": "posts",
            "listRule": "",
            "viewRule": "",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "note", "type": "relation", "collectionId": notes["id"], "maxSelect": 1},
                {"name": "notes", "type": "relation", "collectionId": notes["id"], "maxSelect": 5},
            ],
        }
    )
    attacker, token = await api.create_user("mallory@example.com")
    victim, _ = await api.create_user("victim@example.com")
    loner, _ = await api.create_user("loner@example.com")  # no notes: an empty back-relation
    mine = await api.create_record("notes", {"secret": "a", "owner": attacker["id"]})
    theirs = await api.create_record("notes", {"secret": "b", "owner": victim["id"]})
    names = {attacker["id"]: "mallory", victim["id"]: "victim", loner["id"]: "loner"}
    for title, data in [
        ("mine", {"note": mine["id"]}),
        ("theirs", {"note": theirs["id"]}),
        ("empty", {}),
        ("both", {"notes": [theirs["id"], mine["id"]]}),  # one visible note, one hidden
    ]:
        names[(await api.create_record("posts", {"title": title, **data}))["id"]] = title
    return {"token": token, "mine": mine["id"], "theirs": theirs["id"], "names": names}


SORTS = [
    ("posts", "note.secret"),
    ("posts", "-note.secret"),
    ("posts", "notes.secret"),
    ("posts", "-notes.secret"),
    ("users", "notes_via_owner.secret"),
    ("users", "-notes_via_owner.secret"),
]


async def _observe(api: Any, w: dict[str, Any]) -> list[Any]:
    """Everything the attacker sees while he walks his own secret through the alphabet."""
    seen = []
    for probe in PROBES:
        r = await api.request(
            "PATCH", f"/api/collections/notes/records/{w['mine']}", token=w["token"], json={"secret": probe}
        )
        assert r.status_code == 200, r.text
        for path, sort in SORTS:
            r = await api.request(
                "GET", f"/api/collections/{path}/records", token=w["token"], params={"sort": sort}
            )
            assert r.status_code == 200, r.text
            body = r.json()
            items = [w["names"][i["id"]] for i in body["items"]]
            seen.append((probe, sort, body["totalItems"], items))
    return seen


async def test_sorting_by_a_hidden_related_field_reveals_nothing(api):
    w = await _world(api)
    low = await _observe(api, w)
    r = await api.su("PATCH", f"/api/collections/notes/records/{w['theirs']}", json={"secret": "y"})
    assert r.status_code == 200, r.text
    high = await _observe(api, w)
    assert low == high, "what the attacker sees depends on the victim's hidden note"
    # the victim's post and user row are left out (their only related note is hidden); rows with
    # an empty relation stay; a post with a visible and a hidden note sorts by the visible one
    orders = {sort: items for probe, sort, _, items in low if probe == "m"}
    assert orders == {
        "note.secret": ["empty", "both", "mine"],
        "-note.secret": ["mine", "empty", "both"],
        "notes.secret": ["mine", "theirs", "empty", "both"],  # `notes` is empty but in "both"
        "-notes.secret": ["both", "mine", "theirs", "empty"],
        "notes_via_owner.secret": ["loner", "mallory"],
        "-notes_via_owner.secret": ["mallory", "loner"],
    }
    assert {total for _, _, total, _ in low} == {2, 3, 4}
