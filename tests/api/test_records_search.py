"""Full-text search (`search=` on the list route, the collections' `search` option), on both
databases: the same corpus answers the same set of records on SQLite (FTS5) and PostgreSQL
(tsvector); for `sort=@rank` only the best match of an unambiguous query is compared, since
bm25 and ts_rank score differently (docs/search.md)."""

from __future__ import annotations

import json
from typing import Any

NOTES = "/api/collections/notes/records"
CORPUS = [
    ("Quick brown fox", "The fox jumps over the lazy dog", True),
    ("Lazy afternoon", "A dog sleeps in the sun", True),
    ("Database tuning", "Indexes make databases fast; see the e-mail thread", True),
    ("Fox", "fox fox fox fox", True),
    ("Secret plans", "the fox hides a secret", False),
]


async def _notes(api: Any, search: dict[str, Any] | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "notes",
        "listRule": "public = true",
        "viewRule": "public = true",
        "fields": [
            {"name": "title", "type": "text"},
            {"name": "body", "type": "editor"},
            {"name": "public", "type": "bool"},
            {"name": "views", "type": "number"},
        ],
    }
    if search is not None:
        data["search"] = search
    collection = await api.create_collection(data)
    for i, (title, body, public) in enumerate(CORPUS):
        await api.create_record("notes", {"title": title, "body": body, "public": public, "views": i})
    return collection


async def _find(api: Any, token: str | None = "su", **params: Any) -> dict[str, Any]:
    token = api.superuser_token if token == "su" else token
    r = await api.request("GET", NOTES, token=token, params=params)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def _titles(api: Any, search: str, token: str | None = "su", **params: Any) -> set[str]:
    return {i["title"] for i in (await _find(api, token, search=search, **params))["items"]}


async def test_the_option_is_shown_only_when_set_and_checked(api, backend):
    plain = await _notes(api)
    assert "search" not in plain
    r = await api.su("PATCH", "/api/collections/notes", json={"search": {"fields": ["title"]}})
    assert r.status_code == 200, r.text
    assert r.json()["search"] == {"fields": ["title"], "language": "simple"}
    stored = (await api.su("GET", "/api/collections/notes")).json()
    assert stored["search"] == {"fields": ["title"], "language": "simple"}
    r = await api.su("PATCH", "/api/collections/notes", json={"search": None})
    assert r.status_code == 200 and "search" not in r.json()

    bad = {
        "nope": ("search", "validation_invalid_value"),
        '{"fields": "title"}': ("fields", "validation_invalid_value"),
        '{"fields": []}': ("fields", "validation_required"),
        '{"fields": ["title", "title"]}': ("fields", "validation_duplicated_field_name"),
        '{"fields": ["missing"]}': ("fields", "validation_unknown_search_field"),
        '{"fields": ["views"]}': ("fields", "validation_search_field_type"),
        '{"fields": ["title"], "language": "klingon"}': ("language", "validation_in_invalid"),
        '{"fields": ["title"], "weights": 1}': ("weights", "validation_unknown_field"),
    }
    for raw, (key, code) in bad.items():
        value = raw if raw == "nope" else json.loads(raw)
        r = await api.su("PATCH", "/api/collections/notes", json={"search": value})
        assert r.status_code == 400, raw
        error = r.json()["data"]["search"]
        assert (error if key == "search" else error[key])["code"] == code, (raw, r.json())
    hidden = {
        "name": "hid",
        "fields": [{"name": "t", "type": "text", "hidden": True}],
        "search": {"fields": ["t"]},
    }
    r = await api.su("POST", "/api/collections", json=hidden)
    assert r.status_code == 400
    assert r.json()["data"]["search"]["fields"]["code"] == "validation_search_hidden_field"
    view = {
        "name": "v",
        "type": "view",
        "viewQuery": "SELECT id, title FROM notes",
        "search": {"fields": ["title"]},
    }
    r = await api.su("POST", "/api/collections", json=view)
    assert r.status_code == 400
    assert r.json()["data"]["search"]["code"] == "validation_search_not_supported"
    assert "search" not in (await api.su("GET", "/api/collections/notes")).json()


async def test_existing_records_are_indexed_and_writes_show_at_once(api, backend):
    await _notes(api)
    r = await api.request("GET", NOTES, token=api.superuser_token, params={"search": "fox"})
    assert r.status_code == 400 and "no full-text search" in r.json()["message"]
    await api.su("PATCH", "/api/collections/notes", json={"search": {"fields": ["title", "body"]}})
    assert await _titles(api, "fox") == {"Quick brown fox", "Fox", "Secret plans"}

    created = await api.create_record("notes", {"title": "Zebra crossing", "public": True})
    assert await _titles(api, "zebra") == {"Zebra crossing"}
    r = await api.su("PATCH", f"{NOTES}/{created['id']}", json={"title": "Giraffe crossing"})
    assert r.status_code == 200
    assert await _titles(api, "zebra") == set()
    assert await _titles(api, "giraffe") == {"Giraffe crossing"}
    assert (await api.su("DELETE", f"{NOTES}/{created['id']}")).status_code == 204
    assert await _titles(api, "giraffe") == set()
    assert await _titles(api, "crossing") == set()
    doc = (await api.su("GET", "/api/openapi.json")).json()
    listing = doc["paths"]["/api/collections/notes/records"]["get"]
    params = {p["name"]: p for p in listing["parameters"]}
    assert "search" in params and "@rank" in params["sort"]["description"]
    assert (await api.su("DELETE", "/api/collections/notes/truncate")).status_code == 204
    assert await _titles(api, "fox") == set()
    await api.create_record("notes", {"title": "Fox again", "public": True})
    assert await _titles(api, "fox") == {"Fox again"}
    # past PostgreSQL's 1 MB tsvector: the write succeeds (the first 100,000 characters indexed)
    words = " ".join(
        "".join(chr(0x20000 + (i * 7 + j) % 20000) for j in range(8)) + str(i) for i in range(35_000)
    )
    await api.create_record("notes", {"title": "Long read", "body": words, "public": True})
    assert await _titles(api, "long") == {"Long read"}


async def test_words_phrases_prefixes_filter_and_paging(api, backend):
    await _notes(api, {"fields": ["title", "body"]})
    assert await _titles(api, "fox dog") == {"Quick brown fox"}  # AND
    assert await _titles(api, "FOX Lazy") == {"Quick brown fox"}  # case folded
    assert await _titles(api, '"lazy dog"') == {"Quick brown fox"}
    assert await _titles(api, '"dog lazy"') == set()  # a phrase keeps its order
    assert await _titles(api, "data*") == {"Database tuning"}
    assert await _titles(api, '"brown fo"*') == {"Quick brown fox"}
    assert await _titles(api, "e-mail") == {"Database tuning"}  # the phrase "e mail"
    assert await _titles(api, "dat") == set()  # no prefix without *
    assert await _titles(api, "fox", filter="views >= 3") == {"Fox", "Secret plans"}
    page = await _find(api, search="fox", perPage=2, page=2, sort="views")
    assert [i["title"] for i in page["items"]] == ["Secret plans"]
    assert (page["totalItems"], page["totalPages"]) == (3, 2)
    skipped = await _find(api, search="fox", skipTotal=1)
    assert skipped["totalItems"] == -1 and len(skipped["items"]) == 3


async def test_a_search_finds_only_what_the_caller_may_list(api, backend):
    await _notes(api, {"fields": ["title", "body"]})
    assert await _titles(api, "secret") == {"Secret plans"}  # the superuser
    assert await _titles(api, "secret", token=None) == set()
    anonymous = await _find(api, None, search="fox", sort="@rank")
    assert [i["title"] for i in anonymous["items"]] == ["Fox", "Quick brown fox"]
    assert anonymous["totalItems"] == 2
    _, token = await api.create_user("reader@example.com", name="Reader Smith")
    assert await _titles(api, "hides", token=token) == set()
    # an auth collection, whose listRule reads the caller: each user finds only themself
    await api.create_user("other@example.com", name="Other Smith")
    r = await api.su("PATCH", "/api/collections/users", json={"search": {"fields": ["name"]}})
    assert r.status_code == 200, r.text
    users = "/api/collections/users/records"
    found = (await api.request("GET", users, token=token, params={"search": "smith"})).json()
    assert [u["name"] for u in found["items"]] == ["Reader Smith"] and found["totalItems"] == 1
    found = (await api.su("GET", users, params={"search": "smith", "sort": "@rank,name"})).json()
    assert [u["name"] for u in found["items"]] == ["Other Smith", "Reader Smith"]


async def test_rank_orders_by_relevance(api, backend):
    await _notes(api, {"fields": ["title", "body"]})
    ranked = await _find(api, search="fox", sort="@rank")
    assert ranked["items"][0]["title"] == "Fox"
    assert {i["title"] for i in ranked["items"]} == {"Quick brown fox", "Fox", "Secret plans"}
    worst_first = await _find(api, search="fox", sort="-@rank")
    assert worst_first["items"][-1]["title"] == "Fox"
    mixed = await _find(api, search="fox", sort="-public,@rank,title", perPage=1)
    assert [i["title"] for i in mixed["items"]] == ["Fox"]
    assert (await _find(api, search="fox", sort="views"))["items"][0]["title"] == "Quick brown fox"
    r = await api.su("GET", NOTES, params={"sort": "@rank"})
    assert r.status_code == 400


HOSTILE = [
    "x" * 257,
    " ".join(f"w{i}" for i in range(17)),
    "!!! ???",
    '"',
    "*",
    "NEAR(fox dog)",
    "fox OR dog",
    "title:fox",
    "fox & !dog | (lazy",
    "fox:* <-> dog",
    "'fox' \\ '",
    '"unterminated phrase',
    "^fox -dog +lazy",
    "\u0000fox",
    "ünïcödé 狐狸",
]


async def test_hostile_search_text_answers_400_or_a_plain_match_never_5xx(api, backend):
    await _notes(api, {"fields": ["title", "body"]})
    for text in HOSTILE:
        r = await api.su("GET", NOTES, params={"search": text, "sort": "@rank"})
        assert r.status_code in (200, 400), (text, r.status_code, r.text)
        if r.status_code == 400:
            assert r.json()["message"], text
    too_long = await api.su("GET", NOTES, params={"search": "x" * 257})
    assert too_long.status_code == 400 and "too long" in too_long.json()["message"]
    # operators are words like any other: "fox OR dog" needs "or" too
    assert await _titles(api, "fox OR dog") == set()
    assert await _titles(api, "NEAR(fox dog)") == set()
    assert await _titles(api, "title:fox") == set()


async def test_schema_changes_keep_the_index_in_step(api, backend):
    collection = await _notes(api, {"fields": ["title", "body"]})
    # a change that leaves the indexed fields alone keeps the index (SQLite's triggers included)
    fields = [f for f in collection["fields"] if f["name"] != "views"] + [{"name": "extra", "type": "text"}]
    r = await api.su("PATCH", "/api/collections/notes", json={"fields": fields})
    assert r.status_code == 200, r.text
    fields = r.json()["fields"]
    await api.create_record("notes", {"title": "Walrus", "extra": "x", "public": True})
    assert await _titles(api, "walrus") == {"Walrus"}
    assert await _titles(api, "quick") == {"Quick brown fox"}
    for f in fields:
        if f["name"] == "title":
            f["name"] = "heading"
    r = await api.su("PATCH", "/api/collections/notes", json={"fields": fields})
    assert r.status_code == 200, r.text
    assert r.json()["search"]["fields"] == ["heading", "body"]
    r = await api.su("GET", NOTES, params={"search": "quick"})
    assert [i["heading"] for i in r.json()["items"]] == ["Quick brown fox"]
    await api.create_record("notes", {"heading": "Quokka", "public": True})
    assert len((await api.su("GET", NOTES, params={"search": "quokka"})).json()["items"]) == 1

    without_body = [f for f in fields if f["name"] != "body"]
    r = await api.su("PATCH", "/api/collections/notes", json={"fields": without_body, "name": "memos"})
    assert r.status_code == 200, r.text
    assert r.json()["search"]["fields"] == ["heading"]
    memos = "/api/collections/memos/records"
    assert len((await api.su("GET", memos, params={"search": "lazy"})).json()["items"]) == 1
    assert len((await api.su("GET", memos, params={"search": "dog"})).json()["items"]) == 0
    rec = await api.create_record("memos", {"heading": "Dog days", "public": True})
    assert [i["id"] for i in (await api.su("GET", memos, params={"search": "dog"})).json()["items"]] == [
        rec["id"]
    ]
    english = {"search": {"fields": ["heading"], "language": "english"}}
    assert (await api.su("PATCH", "/api/collections/memos", json=english)).status_code == 200
    found = (await api.su("GET", memos, params={"search": "day dogs"})).json()["items"]
    assert [i["id"] for i in found] == [rec["id"]]

    only = [f for f in without_body if f["name"] != "heading"]
    r = await api.su("PATCH", "/api/collections/memos", json={"fields": only})
    assert r.status_code == 200 and "search" not in r.json()
    assert (await api.su("GET", memos, params={"search": "dog"})).status_code == 400
    assert (await api.su("DELETE", "/api/collections/memos")).status_code == 204
    await _notes(api, {"fields": ["title"]})  # the same names again: nothing of the old index is left
    assert await _titles(api, "fox") == {"Quick brown fox", "Fox"}


async def test_english_stems_words_on_both_databases(api, backend):
    await api.create_collection(
        {
            "name": "notes",
            "listRule": "",
            "fields": [{"name": "title", "type": "text"}],
            "search": {"fields": ["title"], "language": "english"},
        }
    )
    for title in ("Running dogs", "A runner", "Cats jumped"):
        await api.create_record("notes", {"title": title})
    assert await _titles(api, "run") == {"Running dogs"}
    assert await _titles(api, "dog jumping") == set()
    assert await _titles(api, "jumps cat") == {"Cats jumped"}


async def test_a_failed_write_or_schema_change_leaves_the_index_as_it_was(api, backend):
    collection = await _notes(api, {"fields": ["title", "body"]})
    assert (await api.su("PATCH", "/api/settings", json={"batch": {"enabled": True}})).status_code == 200
    ids = {i["title"]: i["id"] for i in (await _find(api, perPage=50))["items"]}
    requests = [
        {"method": "POST", "url": NOTES, "body": {"title": "Narwhal", "public": True}},
        {"method": "PATCH", "url": f"{NOTES}/{ids['Lazy afternoon']}", "body": {"title": "Kraken"}},
        {"method": "DELETE", "url": f"{NOTES}/{ids['Database tuning']}"},
        {"method": "PATCH", "url": f"{NOTES}/missing00000000", "body": {"title": "x"}},
    ]
    r = await api.su("POST", "/api/batch", json={"requests": requests})
    assert r.status_code == 400, r.text
    assert await _titles(api, "narwhal kraken") == set()
    assert await _titles(api, "afternoon") == {"Lazy afternoon"}
    assert await _titles(api, "tuning") == {"Database tuning"}

    # a schema change that fails after the index was dropped (a view still reads `body`)
    view = {"name": "bodies", "type": "view", "viewQuery": "SELECT id, body FROM notes"}
    await api.create_collection(view)
    fields = [f for f in collection["fields"] if f["name"] != "body"]
    r = await api.su("PATCH", "/api/collections/notes", json={"fields": fields})
    assert r.status_code == 400, r.text
    assert r.json()["message"].startswith("Failed to update collection. Raw error:"), r.text
    assert (await api.su("GET", "/api/collections/notes")).json()["search"]["fields"] == ["title", "body"]
    assert await _titles(api, "sleeps") == {"Lazy afternoon"}
    await api.create_record("notes", {"title": "Orca", "body": "swims", "public": True})
    assert await _titles(api, "swims") == {"Orca"}
