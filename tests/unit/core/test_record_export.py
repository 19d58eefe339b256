"""Reading stored rows into records and exporting records as the API returns them.

Both work from a plan kept with the collection (Collection.derived); these tests pin what a reader
sees when the collection changes under it, and the exported shape PocketBase returns.
"""

from __future__ import annotations

from bastion.core.collection_model import Collection
from bastion.core.fields import field_from_dict
from bastion.core.record_access import Access
from bastion.core.record_export import export_record
from bastion.core.record_model import Record, row_to_record

ID = {"id": "f_id", "name": "id", "type": "text", "primaryKey": True, "system": True}


def _collection(*fields: dict[str, object], kind: str = "base") -> Collection:
    return Collection(
        id="pbc_1",
        name="posts",
        type=kind,
        fields=[field_from_dict(ID), *(field_from_dict({"id": f"f_{f['name']}", **f}) for f in fields)],
    )


def test_keys_come_back_in_alphabetical_order_with_the_collection_named() -> None:
    c = _collection({"name": "zeta", "type": "text"}, {"name": "alpha", "type": "number"})
    out = export_record(Record(c, {"id": "r1", "zeta": "z", "alpha": 2.0}), Access())
    assert list(out) == ["alpha", "collectionId", "collectionName", "id", "zeta"]
    assert out == {"alpha": 2, "collectionId": "pbc_1", "collectionName": "posts", "id": "r1", "zeta": "z"}


def test_a_value_the_record_lacks_is_the_fields_zero_value() -> None:
    c = _collection(
        {"name": "title", "type": "text"}, {"name": "tags", "type": "select", "values": ["a"], "maxSelect": 3}
    )
    assert export_record(Record(c, {"id": "r1"}), Access()) == {
        "collectionId": "pbc_1",
        "collectionName": "posts",
        "id": "r1",
        "tags": [],
        "title": "",
    }


def test_expand_is_placed_in_order_among_the_keys() -> None:
    c = _collection({"name": "author", "type": "text"}, {"name": "title", "type": "text"})
    record = Record(c, {"id": "r1", "author": "a", "title": "t"}, expand={"author": Record(c, {"id": "a"})})
    out = export_record(record, Access())
    assert list(out) == ["author", "collectionId", "collectionName", "expand", "id", "title"]
    assert out["expand"]["author"]["id"] == "a"


def test_hidden_fields_only_for_superusers() -> None:
    c = _collection({"name": "secret", "type": "text", "hidden": True})
    superusers = Collection(id="pbc_su", name="_superusers", type="auth")
    root = Access(auth=Record(superusers, {"id": "su1"}))
    record = Record(c, {"id": "r1", "secret": "s"})
    assert "secret" not in export_record(record, Access())
    assert export_record(record, root)["secret"] == "s"
    assert "secret" not in export_record(record, Access())  # each caller its own plan


def test_an_export_follows_a_replaced_field_list() -> None:
    c = _collection({"name": "title", "type": "text"})
    record = Record(c, {"id": "r1", "title": "t", "views": 3.0})
    assert "views" not in export_record(record, Access())
    c.fields = [
        *c.fields[:1],
        field_from_dict({"id": "f_t", "name": "title", "type": "text", "hidden": True}),
        field_from_dict({"id": "f_v", "name": "views", "type": "number"}),
    ]
    assert export_record(record, Access()) == {
        "collectionId": "pbc_1",
        "collectionName": "posts",
        "id": "r1",
        "views": 3,
    }


def test_an_auth_records_email_and_secrets() -> None:
    c = _collection(
        {"name": "email", "type": "email"},
        {"name": "emailVisibility", "type": "bool"},
        {"name": "password", "type": "password", "hidden": True},
        {"name": "tokenKey", "type": "text", "hidden": True},
        kind="auth",
    )
    record = Record(
        c, {"id": "u1", "email": "a@b.c", "emailVisibility": False, "password": "h", "tokenKey": "k"}
    )
    assert export_record(record, Access()) == {
        "collectionId": "pbc_1",
        "collectionName": "posts",
        "emailVisibility": False,
        "id": "u1",
    }
    assert export_record(record, Access(auth=record))["email"] == "a@b.c"  # the record itself
    record.data["emailVisibility"] = True
    assert export_record(record, Access())["email"] == "a@b.c"


def test_rows_read_as_each_fields_value() -> None:
    c = _collection(
        {"name": "title", "type": "text"},
        {"name": "views", "type": "number"},
        {"name": "meta", "type": "json"},
        {"name": "published", "type": "bool"},
    )
    row = {"id": "r1", "title": 12, "views": "7", "meta": '{"a": [1]}', "published": 1, "other": "x"}
    record = row_to_record(c, row, "sqlite")
    # a text column holding a number (written by raw SQL) still reads as text
    assert record.data == {"id": "r1", "title": "12", "views": 7.0, "meta": {"a": [1]}, "published": True}
    assert record.original == record.data and record.original is not record.data


def test_a_read_follows_a_replaced_field_list() -> None:
    c = _collection({"name": "n", "type": "text"})
    assert row_to_record(c, {"id": "r1", "n": "5"}, "sqlite").data["n"] == "5"
    c.fields = [c.fields[0], field_from_dict({"id": "f_n2", "name": "n", "type": "number"})]
    assert row_to_record(c, {"id": "r1", "n": "5"}, "sqlite").data["n"] == 5.0
