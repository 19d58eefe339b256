"""CollectionService without HTTP: each change to a collection changes its table and its stored
definition in the caller's transaction, and bad definitions are ValidationError /
BadRequestError before anything is written."""

from __future__ import annotations

import pytest

from bastion.errors import BadRequestError, ValidationError
from tests.unit.core.conftest import Services

FIELDS = [
    {"name": "title", "type": "text", "required": True, "max": 20},
    {"name": "views", "type": "number"},
    {"name": "meta", "type": "json"},
]


def user_columns(columns: list[str]) -> list[str]:
    return [c for c in columns if c != "_rowid"]  # PostgreSQL's insertion-order column


async def test_create_makes_the_table_and_stores_the_definition(services: Services) -> None:
    posts = await services.create_collection({"name": "posts", "type": "base", "fields": FIELDS})
    assert [f.name for f in posts.fields] == ["id", "title", "views", "meta"]
    assert user_columns(await services.db.table_columns("posts")) == ["id", "title", "views", "meta"]
    stored = [c for c in await services.collections.read_all() if c.name == "posts"]
    assert len(stored) == 1 and stored[0].id == posts.id
    assert [f.name for f in stored[0].fields] == ["id", "title", "views", "meta"]


async def test_create_auth_collection_adds_the_auth_fields_and_unique_indexes(services: Services) -> None:
    members = await services.create_collection({"name": "members", "type": "auth", "fields": []})
    columns = await services.db.table_columns("members")
    for name in ("email", "password", "tokenKey", "verified", "emailVisibility"):
        assert name in columns
    assert any("UNIQUE" in index.upper() and "email" in index for index in members.indexes)


@pytest.mark.parametrize(
    ("data", "error_key"),
    [
        ({"name": "", "type": "base"}, "name"),
        ({"name": "bad name!", "type": "base"}, "name"),
        ({"name": "users", "type": "base"}, "name"),  # taken by the default auth collection
        ({"name": "things", "type": "nonsense"}, "type"),
        (
            {"name": "things", "fields": [{"name": "a", "type": "text"}, {"name": "a", "type": "text"}]},
            "fields",
        ),
        ({"name": "things", "listRule": "nosuchfield = 1"}, "listRule"),
    ],
)
async def test_invalid_definitions_raise_validation_errors_and_write_nothing(
    services: Services, data: dict, error_key: str
) -> None:
    before = await services.stored_collection_names()
    with pytest.raises(ValidationError) as caught:
        await services.create_collection(data)
    assert error_key in caught.value.errors
    assert await services.stored_collection_names() == before
    assert not await services.db.table_exists("things")


async def test_update_adds_renames_and_removes_columns(services: Services) -> None:
    posts = await services.create_collection({"name": "posts", "fields": FIELDS})
    kept = [f.to_dict() for f in posts.fields if f.name in ("id", "title")]
    title = next(f for f in kept if f["name"] == "title")
    title["name"] = "headline"  # same field id: a rename, not a drop and add
    async with services.db.transaction() as tx:
        changed = await services.collections.update(
            tx, posts, {"fields": [*kept, {"name": "summary", "type": "text"}]}
        )
    services.registry.put(changed)
    assert user_columns(await services.db.table_columns("posts")) == ["id", "headline", "summary"]


async def test_a_rename_keeps_the_rows(services: Services) -> None:
    posts = await services.create_collection({"name": "posts", "fields": FIELDS})
    await services.db.execute('INSERT INTO "posts" ("id", "title") VALUES (?, ?)', ("p" * 15, "kept"))
    async with services.db.transaction() as tx:
        await services.collections.update(tx, posts, {"name": "articles"})
    assert not await services.db.table_exists("posts")
    row = await services.row("articles", "p" * 15)
    assert row is not None and row["title"] == "kept"
    assert "articles" in await services.stored_collection_names()


async def test_a_failed_update_leaves_table_and_definition_as_they_were(services: Services) -> None:
    posts = await services.create_collection({"name": "posts", "fields": FIELDS})
    with pytest.raises(ValidationError):
        async with services.db.transaction() as tx:
            await services.collections.update(tx, posts, {"name": "users"})
    assert await services.db.table_exists("posts")
    stored = {c.name: c for c in await services.collections.read_all()}
    assert "posts" in stored and stored["users"].id != posts.id


async def test_delete_drops_the_table_and_the_definition(services: Services) -> None:
    posts = await services.create_collection({"name": "posts", "fields": FIELDS})
    async with services.db.transaction() as tx:
        await services.collections.delete(tx, posts)
    services.registry.remove(posts.id)
    assert not await services.db.table_exists("posts")
    assert "posts" not in await services.stored_collection_names()


async def test_system_and_referenced_collections_cannot_be_deleted(services: Services) -> None:
    superusers = services.registry.find_collection("_superusers")
    assert superusers is not None
    with pytest.raises(BadRequestError, match="System collections"):
        async with services.db.transaction() as tx:
            await services.collections.delete(tx, superusers)
    tags = await services.create_collection({"name": "tags", "fields": []})
    await services.create_collection(
        {"name": "posts", "fields": [{"name": "tag", "type": "relation", "collectionId": tags.id}]}
    )
    with pytest.raises(BadRequestError, match="reference in posts"):
        async with services.db.transaction() as tx:
            await services.collections.delete(tx, tags)
    assert await services.db.table_exists("tags") and await services.db.table_exists("_superusers")
