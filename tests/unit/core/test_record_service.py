"""RecordService without HTTP: create / update / delete write the record's row in the caller's
transaction, validation and rule failures are exceptions that write nothing, and the change event
is published only once the transaction commits."""

from __future__ import annotations

import asyncio
import re

import pytest

from bastion.core.collection_model import Collection
from bastion.core.record_access import Access
from bastion.errors import BadRequestError, ForbiddenError, NotFoundError, ValidationError
from tests.unit.core.conftest import Services

FIELDS = [
    {"name": "title", "type": "text", "required": True, "max": 20},
    {"name": "views", "type": "number", "onlyInt": True},
]


@pytest.fixture
async def posts(services: Services) -> Collection:
    return await services.create_collection(
        {
            "name": "posts",
            "fields": FIELDS,
            "indexes": ['CREATE UNIQUE INDEX "idx_title" ON "posts" ("title")'],
            "viewRule": "views > 0",
            "createRule": "",
        }
    )


async def create(services: Services, posts: Collection, body: dict, access: Access | None = None):
    async with services.db.transaction() as tx:
        return await services.records.create(tx, posts, body, access or services.superuser)


async def test_create_stores_the_row_and_publishes_after_commit(
    services: Services, posts: Collection
) -> None:
    async with services.db.transaction() as tx:
        record = await services.records.create(tx, posts, {"title": "hello", "views": 3}, services.superuser)
        assert services.events == []  # not before the commit
    assert re.fullmatch(r"[a-z0-9]{15}", record.id)
    row = await services.row("posts", record.id)
    assert row is not None and (row["title"], row["views"]) == ("hello", 3)
    assert [(e.action, e.record.id) for e in services.events] == [("create", record.id)]


async def test_a_rolled_back_create_leaves_no_row_and_no_event(services: Services, posts: Collection) -> None:
    with pytest.raises(RuntimeError):
        async with services.db.transaction() as tx:
            record = await services.records.create(tx, posts, {"title": "gone"}, services.superuser)
            raise RuntimeError("the caller failed after the create")
    assert await services.row("posts", record.id) is None
    assert services.events == []


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "title", "validation_required"),
        ({"title": "x" * 21}, "title", "validation_max_text_constraint"),
        ({"title": "ok", "views": 1.5}, "views", "validation_only_int_constraint"),
    ],
)
async def test_invalid_values_raise_validation_errors_and_write_nothing(
    services: Services, posts: Collection, body: dict, field: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        await create(services, posts, body)
    assert caught.value.errors[field]["code"] == code
    assert await services.db.fetch_val('SELECT COUNT(*) AS c FROM "posts"') == 0


async def test_a_duplicate_unique_value_is_a_validation_error(services: Services, posts: Collection) -> None:
    await create(services, posts, {"title": "same"})
    with pytest.raises(ValidationError) as caught:
        await create(services, posts, {"title": "same"})
    assert caught.value.errors["title"]["code"] == "validation_not_unique"
    first = await create(services, posts, {"title": "other"})
    with pytest.raises(ValidationError) as caught:
        await create(services, posts, {"id": first.id, "title": "third"})
    assert caught.value.errors["id"]["code"] == "validation_not_unique"
    assert await services.db.fetch_val('SELECT COUNT(*) AS c FROM "posts"') == 2


async def test_update_changes_the_row_and_returns_before_and_after(
    services: Services, posts: Collection
) -> None:
    record = await create(services, posts, {"title": "old", "views": 1})
    async with services.db.transaction() as tx:
        before, after = await services.records.update(
            tx, posts, record.id, {"title": "new", "views+": 2}, services.superuser
        )
    assert (before["title"], before["views"]) == ("old", 1)
    assert (after["title"], after["views"]) == ("new", 3)
    row = await services.row("posts", record.id)
    assert row is not None and (row["title"], row["views"]) == ("new", 3)
    assert [e.action for e in services.events] == ["create", "update"]
    assert services.events[-1].before is not None and services.events[-1].before["title"] == "old"


async def test_update_refuses_an_id_change_and_a_missing_record(
    services: Services, posts: Collection
) -> None:
    record = await create(services, posts, {"title": "kept"})
    with pytest.raises(ValidationError) as caught:
        async with services.db.transaction() as tx:
            await services.records.update(tx, posts, record.id, {"id": "x" * 15}, services.superuser)
    assert caught.value.errors["id"]["code"] == "validation_id_change"
    with pytest.raises(NotFoundError):
        async with services.db.transaction() as tx:
            await services.records.update(tx, posts, "missing" * 2 + "x", {"title": "y"}, services.superuser)
    assert (
        await services.row("posts", record.id) is not None and await services.row("posts", "x" * 15) is None
    )


async def test_delete_removes_the_row(services: Services, posts: Collection) -> None:
    record = await create(services, posts, {"title": "doomed"})
    async with services.db.transaction() as tx:
        deleted = await services.records.delete(tx, posts, record.id, services.superuser)
    assert deleted.id == record.id and await services.row("posts", record.id) is None
    assert services.events[-1].action == "delete"
    with pytest.raises(NotFoundError):
        async with services.db.transaction() as tx:
            await services.records.delete(tx, posts, record.id, services.superuser)


async def test_delete_cascades_or_refuses_by_the_relation_options(
    services: Services, posts: Collection
) -> None:
    cascading = await services.create_collection(
        {
            "name": "comments",
            "fields": [{"name": "post", "type": "relation", "collectionId": posts.id, "cascadeDelete": True}],
        }
    )
    required = await services.create_collection(
        {
            "name": "pins",
            "fields": [{"name": "post", "type": "relation", "collectionId": posts.id, "required": True}],
        }
    )
    a = await create(services, posts, {"title": "a"})
    b = await create(services, posts, {"title": "b"})
    comment = await create(services, cascading, {"post": a.id})
    await create(services, required, {"post": b.id})
    async with services.db.transaction() as tx:
        await services.records.delete(tx, posts, a.id, services.superuser)
    assert await services.row("comments", comment.id) is None
    with pytest.raises(BadRequestError, match="part of a required reference"):
        async with services.db.transaction() as tx:
            await services.records.delete(tx, posts, b.id, services.superuser)
    assert await services.row("posts", b.id) is not None


async def test_rules_decide_for_callers_who_are_not_superusers(services: Services, posts: Collection) -> None:
    guest = Access()
    hidden = await create(services, posts, {"title": "hidden", "views": 0}, guest)  # createRule ""
    shown = await create(services, posts, {"title": "shown", "views": 5}, guest)
    async with services.db.transaction() as tx:
        assert (await services.records.view(tx, posts, shown.id, guest)).id == shown.id
        with pytest.raises(NotFoundError):  # viewRule "views > 0" hides it, as if absent
            await services.records.view(tx, posts, hidden.id, guest)
    with pytest.raises(ForbiddenError):  # updateRule and deleteRule are None: superusers only
        async with services.db.transaction() as tx:
            await services.records.update(tx, posts, shown.id, {"title": "x"}, guest)
    with pytest.raises(ForbiddenError):
        async with services.db.transaction() as tx:
            await services.records.delete(tx, posts, shown.id, guest)


async def test_dry_run_validates_without_writing(services: Services, posts: Collection) -> None:
    async with services.db.transaction() as tx:
        record = await services.records.create(tx, posts, {"title": "dry"}, services.superuser, dry_run=True)
    assert await services.row("posts", record.id) is None and services.events == []


@pytest.fixture
async def counters(services: Services) -> Collection:
    """Guests may update and delete a counter whose `views` is not negative (a rule that reads the
    record: each update and delete runs its condition)."""
    return await services.create_collection(
        {
            "name": "counters",
            "fields": [{"name": "views", "type": "number"}, {"name": "note", "type": "text"}],
            "createRule": "",
            "updateRule": "views >= 0",
            "deleteRule": "views >= 0",
        }
    )


def _record_selects(tx, table: str) -> list[str]:
    """The SELECTs of `table`'s records that `tx` runs from now on (its other statements pass)."""
    seen: list[str] = []
    real = tx.fetch_all

    async def fetch_all(sql, params=()):
        if f'FROM "{table}" AS "__r"' in sql:
            seen.append(sql)
        return await real(sql, params)

    tx.fetch_all = fetch_all
    return seen


async def test_update_and_delete_lock_the_row_on_the_select_they_already_run(
    services: Services, counters: Collection
) -> None:
    """PostgreSQL: the first read of an update (and of a delete) is `FOR UPDATE OF "__r"`, so a
    concurrent read-modify-write waits; the rule's second read is not locked again, and no
    statement is added. SQLite: no clause (BEGIN IMMEDIATE holds the database already)."""
    guest = Access()
    record = await create(services, counters, {"views": 1}, guest)
    locked = services.db.dialect == "postgres"
    async with services.db.transaction() as tx:
        selects = _record_selects(tx, "counters")
        _, after = await services.records.update(tx, counters, record.id, {"views+": 1}, guest)
    assert after["views"] == 2
    assert len(selects) == 2  # the stored row, then the rule's condition on the same id
    assert [s.endswith(' FOR UPDATE OF "__r"') for s in selects] == [locked, False]
    assert all(s.count("FOR UPDATE") == (1 if i == 0 and locked else 0) for i, s in enumerate(selects))
    async with services.db.transaction() as tx:
        selects = _record_selects(tx, "counters")
        await services.records.delete(tx, counters, record.id, guest)
    assert len(selects) == 1 and selects[0].endswith(' FOR UPDATE OF "__r"') == locked
    assert await services.row("counters", record.id) is None


async def test_a_dry_run_update_does_not_lock(services: Services, counters: Collection) -> None:
    record = await create(services, counters, {"views": 1})
    async with services.db.transaction() as tx:
        selects = _record_selects(tx, "counters")
        await services.records.update(
            tx, counters, record.id, {"views+": 1}, services.superuser, dry_run=True
        )
    assert selects and not any("FOR UPDATE" in s for s in selects)


async def test_a_concurrent_update_waits_and_merges_into_the_committed_row(
    services: Services, counters: Collection
) -> None:
    """The second of two overlapping updates reads the row the first wrote, once it commits: the
    increment and the other field both stay (READ COMMITTED without the lock lost the first)."""
    record = await create(services, counters, {"views": 0, "note": ""})
    first_read = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with services.db.transaction() as tx:
            await services.records.update(tx, counters, record.id, {"views+": 1}, services.superuser)
            first_read.set()
            await release.wait()

    async def second() -> tuple:
        await first_read.wait()
        async with services.db.transaction() as tx:
            return await services.records.update(tx, counters, record.id, {"note": "n"}, services.superuser)

    one, two = asyncio.create_task(first()), asyncio.create_task(second())
    async with asyncio.timeout(10):
        await first_read.wait()
        await asyncio.sleep(0.2)
        assert not two.done()  # waiting: on SQLite for the writer, on PostgreSQL for the row
        release.set()
        await one
        before, after = await two
    assert (before["views"], after["views"], after["note"]) == (1, 1, "n")
    row = await services.row("counters", record.id)
    assert row is not None and (row["views"], row["note"]) == (1, "n")
