"""Record values: coercion, modifiers, checks and DB/API forms.

Expected values are what PocketBase 0.40.6 stored and returned for the same JSON input."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from bastion.core.fields import FieldValueError, field_from_dict
from bastion.core.fields.field_base import Field
from bastion.core.fields.field_password import PlainPassword


def make(type_: str, **options: Any) -> Field:
    return field_from_dict({"name": "f", "type": type_, **options})


SELECT = {"values": ["a", "b", "c"]}
NORMALIZE = [
    # text: JSON scalars are stringified like Go's cast.ToString, anything else is ""
    (make("text"), 123, "123"),
    (make("text"), True, "true"),
    (make("text"), 1.5, "1.5"),
    (make("text"), 12.0, "12"),
    (make("text"), 1e21, "1000000000000000000000"),
    (make("text"), None, ""),
    (make("text"), [1, 2], ""),
    (make("text"), {"a": 1}, ""),
    (make("email"), 5, "5"),
    # number
    (make("number"), "12.5", 12.5),
    (make("number"), 12, 12.0),
    (make("number"), "abc", 0.0),
    (make("number"), True, 1.0),
    (make("number"), "1e3", 1000.0),
    (make("number"), "0x10", 0.0),
    (make("number"), "  5 ", 0.0),
    (make("number"), None, 0.0),
    # bool: Go's strconv.ParseBool, no trimming; "on"/"yes" are false
    (make("bool"), "on", False),
    (make("bool"), "yes", False),
    (make("bool"), "1", True),
    (make("bool"), "T", True),
    (make("bool"), "true", True),
    (make("bool"), " true", False),
    (make("bool"), 1, True),
    (make("bool"), 0.0, False),
    # date
    (make("date"), "2024-01-02", "2024-01-02 00:00:00.000Z"),
    (make("date"), "2024-01-02T10:20:30Z", "2024-01-02 10:20:30.000Z"),
    (make("date"), "2024-01-02 10:20:30", "2024-01-02 10:20:30.000Z"),
    (make("date"), "2024-01-02T10:20:30.123456+02:00", "2024-01-02 08:20:30.123Z"),
    (make("date"), "2024-01-02 10:20:30.1234Z", "2024-01-02 10:20:30.123Z"),
    (make("date"), "2024-01-02 10:20:30.123+01:00", "2024-01-02 09:20:30.123Z"),
    (make("date"), "02 Jan 24 10:20 UTC", "2024-01-02 10:20:00.000Z"),
    (make("date"), "2024-01-02 10:20:30 +0000 UTC", "2024-01-02 10:20:30.000Z"),
    (make("date"), "2024-01-02T10:20", ""),
    (make("date"), "bad", ""),
    (make("date"), 1700000000, ""),
    (make("autodate", onCreate=True), "2024-01-02", "2024-01-02 00:00:00.000Z"),
    # json: text that is JSON is decoded, other text is a JSON string
    (make("json"), "abc", "abc"),
    (make("json"), "[1, 2]", [1, 2]),
    (make("json"), "123", 123),
    (make("json"), "", ""),
    (make("json"), "null", None),
    (make("json"), "  [1]", "  [1]"),
    (make("json"), "tru", "tru"),
    (make("json"), '{"b":1,  "a":2}', {"b": 1, "a": 2}),
    (make("json"), None, None),
    (make("json"), {"b": 1, "a": [1, 2.5, 100.0]}, {"a": [1, 2.5, 100], "b": 1}),
    # select / relation: single keeps the last item, multi dedupes and drops empties
    (make("select", **SELECT), ["a", "b"], "b"),
    (make("select", **SELECT), "", ""),
    (make("select", **SELECT, maxSelect=3), "b", ["b"]),
    (make("select", **SELECT, maxSelect=3), ["a", "a", "", "c"], ["a", "c"]),
    (make("select", **SELECT, maxSelect=3), '["a","b"]', ["a", "b"]),
    (make("select", **SELECT, maxSelect=3), "a,b", ["a,b"]),
    (make("select", **SELECT, maxSelect=3), None, []),
    (make("relation", collectionId="c", maxSelect=1), ["x", "y"], "y"),
    (make("relation", collectionId="c", maxSelect=5), "x", ["x"]),
    (make("relation", collectionId="c", maxSelect=5), [1, "1", "2"], ["1", "2"]),
    (make("file", maxSelect=3), "a.png", ["a.png"]),
    (make("file"), ["a.png", "b.png"], "b.png"),
    # geoPoint: malformed input is the zero point
    (make("geoPoint"), {"lat": 1, "lon": 2}, {"lon": 2.0, "lat": 1.0}),
    (make("geoPoint"), "abc", {"lon": 0.0, "lat": 0.0}),
    (make("geoPoint"), {"lat": "1.5", "lon": 2}, {"lon": 0.0, "lat": 0.0}),
    (make("geoPoint"), '{"lat":3,"lon":4,"x":1}', {"lon": 4.0, "lat": 3.0}),
    (make("geoPoint"), [1, 2], {"lon": 0.0, "lat": 0.0}),
]


@pytest.mark.parametrize(
    ("f", "raw", "expected"), NORMALIZE, ids=[f"{c[0].type}-{c[1]!r}" for c in NORMALIZE]
)
def test_normalize_like_pocketbase(f: Field, raw: Any, expected: Any) -> None:
    got = f.normalize(raw)
    assert got == expected
    assert type(got) is type(expected)
    if isinstance(expected, dict):
        assert list(got) == list(expected)


def test_zero_values() -> None:
    assert [
        make(t, **o).zero_value()
        for t, o in [
            ("text", {}),
            ("number", {}),
            ("bool", {}),
            ("date", {}),
            ("json", {}),
            ("select", {**SELECT, "maxSelect": 2}),
            ("select", SELECT),
            ("geoPoint", {}),
            ("file", {"maxSelect": 2}),
        ]
    ] == ["", 0, False, "", None, [], "", {"lon": 0, "lat": 0}, []]


MULTI = make("select", **SELECT, maxSelect=3)
SINGLE = make("select", **SELECT)
MODIFIERS = [
    (MULTI, "+", ["a"], "c", ["a", "c"]),
    (MULTI, "prefix+", ["a", "c"], ["b", "c"], ["b", "c", "a"]),
    (MULTI, "-", ["b", "c", "a"], "a", ["b", "c"]),
    (MULTI, "f+", ["a"], "b", ["a", "b"]),
    (MULTI, "+f", ["a"], "b", ["b", "a"]),
    (MULTI, "f-", ["a", "b"], ["a"], ["b"]),
    (SINGLE, "+", "a", "b", "b"),
    (SINGLE, "prefix+", "b", "c", "b"),
    (make("number"), "+", 1.5, "5", 6.5),
    (make("number"), "-", 6.5, 2, 4.5),
    (make("relation", collectionId="c", maxSelect=9), "+", ["r1"], ["r1", "r2"], ["r1", "r2"]),
    (make("file", maxSelect=9), "-", ["a.png", "b.png"], "a.png", ["b.png"]),
    (make("file", maxSelect=9), "prefix+", ["a.png"], "b.png", ["b.png", "a.png"]),
    (make("text"), ":autogenerate", "", "x", "x"),
    (make("text", autogeneratePattern="[0-9]{3}"), ":autogenerate", "", "id-", None),
]


@pytest.mark.parametrize(("f", "op", "current", "arg", "expected"), MODIFIERS)
def test_modifiers(f: Field, op: str, current: Any, arg: Any, expected: Any) -> None:
    got = f.apply_modifier(op, current, arg)
    if expected is None:  # autogenerated suffix
        assert got.startswith("id-") and len(got) == 6 and got[3:].isdigit()
    else:
        assert got == expected


@pytest.mark.parametrize(
    ("f", "op"),
    [
        (make("number"), "prefix+"),
        (make("text"), "+"),
        (make("bool"), "-"),
        (make("json"), "+"),
        (make("date"), "+"),
    ],
)
def test_unsupported_modifiers_raise_value_error(f: Field, op: str) -> None:
    with pytest.raises(ValueError):
        f.apply_modifier(op, f.zero_value(), "x")


# ---- validate_value: codes, messages and params as PocketBase returned them ------------------------


@dataclass
class Ctx:
    is_new: bool = True
    existing: set[str] = field(default_factory=set)
    original: dict[str, Any] = field(default_factory=dict)

    def existing_relation_ids(self, collection_id: str, ids: Any) -> set[str]:
        return self.existing & set(ids)

    def original_value(self, name: str) -> Any:
        return self.original.get(name)


def err(code: str, message: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, **({"params": params} if params else {})}


DATE_RANGE = {"min": "2020-01-01 00:00:00.000Z", "max": "2030-01-01 00:00:00.000Z"}
REL = {"collectionId": "c", "maxSelect": 2, "minSelect": 2}
VALUE_CASES = [
    (make("text", required=True), "", err("validation_required", "Cannot be blank.")),
    (
        make("text", min=3, max=5, pattern="^[a-z]+$"),
        "ab",
        err("validation_min_text_constraint", "Must be at least 3 character(s).", {"min": 3}),
    ),
    (
        make("text", min=3, max=5, pattern="^[a-z]+$"),
        "abcdef",
        err("validation_max_text_constraint", "Must be no more than 5 character(s).", {"max": 5}),
    ),
    (
        make("text", min=3, max=5, pattern="^[a-z]+$"),
        "AB1",
        err("validation_invalid_format", "Invalid value format."),
    ),
    (
        make("text"),
        "x" * 5001,
        err("validation_max_text_constraint", "Must be no more than 5000 character(s).", {"max": 5000}),
    ),
    (make("text", max=3), "äöü", None),
    (
        make("email", onlyDomains=["example.com"]),
        "x@other.com",
        err("validation_email_domain_not_allowed", "Email domain is not allowed."),
    ),
    (make("email"), "notanemail", err("validation_is_email", "Must be a valid email address.")),
    (
        make("email", exceptDomains=["bad.com"]),
        "x@bad.com",
        err("validation_email_domain_not_allowed", "Email domain is not allowed."),
    ),
    (
        make("url", exceptDomains=["bad.com"]),
        "http://bad.com/x",
        err("validation_url_domain_not_allowed", "Url domain is not allowed."),
    ),
    (make("url"), "notaurl", err("validation_invalid_url", "Must be a valid url.")),
    (make("url", onlyDomains=["example.com"]), "https://example.com/a", None),
    (
        make("editor", maxSize=5),
        "abcdefg",
        err("validation_content_size_limit", "The maximum allowed content size is 5 bytes.", {"maxSize": 5}),
    ),
    (
        make("number", min=5, max=10.5),
        4.0,
        err("validation_min_number_constraint", "Must be greater or equal than 5.", {"min": 5}),
    ),
    (
        make("number", min=5, max=10.5),
        11.0,
        err("validation_max_number_constraint", "Must be less or equal than 10.5.", {"max": 10.5}),
    ),
    (make("number", min=5), 0.0, None),
    (make("number", required=True), 0.0, err("validation_required", "Cannot be blank.")),
    (
        make("number", onlyInt=True),
        1.5,
        err("validation_only_int_constraint", "Decimal numbers are not allowed."),
    ),
    (
        make("number"),
        float("inf"),
        err("validation_not_a_number", "The submitted number is not properly formatted."),
    ),
    (make("bool", required=True), False, err("validation_required", "Cannot be blank.")),
    (
        make("date", **DATE_RANGE),
        "2010-01-01 00:00:00.000Z",
        err(
            "validation_min_greater_equal_than_required",
            "Must be no less than 2020-01-01 00:00:00 +0000 UTC.",
            {"threshold": "2020-01-01T00:00:00Z"},
        ),
    ),
    (
        make("date", **DATE_RANGE),
        "2040-01-01 00:00:00.000Z",
        err(
            "validation_max_less_equal_than_required",
            "Must be no greater than 2030-01-01 00:00:00 +0000 UTC.",
            {"threshold": "2030-01-01T00:00:00Z"},
        ),
    ),
    (make("date", required=True), "", err("validation_required", "Cannot be blank.")),
    (
        make("select", **SELECT, maxSelect=2),
        ["a", "b", "c"],
        err("validation_too_many_values", "Select no more than 2.", {"maxSelect": 2}),
    ),
    (
        make("select", **SELECT, maxSelect=2),
        ["z"],
        err("validation_invalid_value", "Invalid value z.", {"value": "z"}),
    ),
    (
        make("select", **SELECT, maxSelect=3),
        ["a,b"],
        err("validation_invalid_value", "Invalid value a,b.", {"value": "a,b"}),
    ),
    (make("select", **SELECT, required=True), "", err("validation_required", "Cannot be blank.")),
    (
        make("json", maxSize=10),
        [1, 2, 3, 4, 5, 6],
        err("validation_json_size_limit", "The maximum allowed JSON size is 10 bytes.", {"maxSize": 10}),
    ),
    (make("json", required=True), {}, err("validation_required", "Cannot be blank.")),
    (make("json", required=True), 0, None),
    (
        make("relation", **REL),
        ["x"],
        err("validation_not_enough_values", "Select at least 2.", {"minSelect": 2}),
    ),
    (
        make("relation", **REL),
        ["x", "y", "z"],
        err("validation_too_many_values", "Select no more than 2.", {"maxSelect": 2}),
    ),
    (
        make("relation", **REL),
        ["x", "y"],
        err("validation_missing_rel_records", "Failed to find all relation records with the provided ids."),
    ),
    (make("relation", **REL), ["r1", "r2"], None),
    (
        make("geoPoint"),
        {"lat": 91, "lon": 0},
        err("validation_invalid_latitude", "Latitude must be between -90 and 90 degrees."),
    ),
    (
        make("geoPoint"),
        {"lat": 1, "lon": 181},
        err("validation_invalid_longitude", "Longitude must be between -180 and 180 degrees."),
    ),
    (make("geoPoint", required=True), {"lat": 0, "lon": 0}, err("validation_required", "Cannot be blank.")),
    (
        make("password", min=8),
        PlainPassword("short"),  # as a client sent it
        err("validation_min_text_constraint", "Must be at least 8 character(s)."),
    ),
    (
        make("password"),
        PlainPassword("x" * 72),
        err("validation_max_text_constraint", "Must be less than 71 character(s)."),
    ),
    (
        make("password", pattern=r"\d"),
        PlainPassword("abcdefgh"),
        err("validation_invalid_format", "Invalid value format."),
    ),
    # a stored hash (read from the database) is not checked again ...
    (make("password", required=True, min=8), "$2a$10$abcdefghijklmnopqrstuv", None),
    (make("password", min=40), "$2a$10$abcdefghijklmnopqrstuv", None),
    # ... but a client's hash-shaped value is a password like any other
    (
        make("password", min=40),
        PlainPassword("$2a$10$abcdefghijklmnopqrstuv"),
        err("validation_min_text_constraint", "Must be at least 40 character(s)."),
    ),
    (make("password", required=True), "", err("validation_required", "Cannot be blank.")),
    (
        make("file", maxSelect=2),
        ["a.png", "b.png", "c.png"],
        err("validation_too_many_files", "The maximum allowed files is 2.", {"maxSelect": 2}),
    ),
    (make("file", required=True), "", err("validation_required", "Cannot be blank.")),
]


@pytest.mark.parametrize(("f", "value", "expected"), VALUE_CASES)
def test_validate_value_like_pocketbase(f: Field, value: Any, expected: dict[str, Any] | None) -> None:
    ctx = Ctx(existing={"r1", "r2"}, original={"f": ["a.png", "b.png", "c.png"]})
    if expected is None:
        f.validate_value(value, ctx)
        return
    with pytest.raises(FieldValueError) as info:
        f.validate_value(value, ctx)
    assert info.value.to_dict() == expected


def test_primary_key_cannot_change_and_custom_ids_are_checked() -> None:
    pk = make("text", name="id", primaryKey=True, required=True, min=15, max=15, pattern="^[a-z0-9]+$")
    with pytest.raises(FieldValueError) as info:
        pk.validate_value("bbbbbbbbbbbbbbb", Ctx(is_new=False, original={"id": "aaaaaaaaaaaaaaa"}))
    assert info.value.code == "validation_pk_change"
    pk.validate_value("aaaaaaaaaaaaaaa", Ctx(is_new=False, original={"id": "aaaaaaaaaaaaaaa"}))
    custom = make("text", primaryKey=True, required=True, pattern="^.+$")
    for bad, code in [("a/b", "validation_forbidden_pk_character"), ("con", "validation_reserved_pk")]:
        with pytest.raises(FieldValueError) as info:
            custom.validate_value(bad, Ctx())
        assert info.value.code == code


@dataclass
class Upload:
    name: str
    size: int
    original_name: str = "photo.png"
    mime_type: str = "image/png"


def test_file_uploads_and_names() -> None:
    f = make("file", maxSelect=3, maxSize=100, mimeTypes=["image/jpeg"])
    ctx = Ctx(is_new=False, original={"f": ["old.png"]})
    with pytest.raises(FieldValueError) as info:
        f.validate_value(["old.png", "sneaky.png"], ctx)
    assert info.value.to_dict() == err(
        "validation_invalid_file", "Invalid new files: [sneaky.png].", {"invalidFiles": ["sneaky.png"]}
    )
    with pytest.raises(FieldValueError) as info:
        f.validate_value(["old.png", Upload("big_abc.png", 101)], ctx)
    assert info.value.to_dict() == err(
        "validation_file_size_limit",
        "Failed to upload photo.png - the maximum allowed file size is 100 bytes.",
        {"file": "photo.png", "maxSize": 100},
    )
    with pytest.raises(FieldValueError) as info:
        f.validate_value([Upload("ok_abc.png", 10)], ctx)
    assert info.value.code == "validation_invalid_mime_type"
    f.validate_value([Upload("ok_abc.jpg", 10, mime_type="image/jpeg"), "old.png"], ctx)
    value = f.normalize(["old.png", Upload("new_abc.jpg", 1)])
    assert f.to_api(value) == ["old.png", "new_abc.jpg"]
    assert f.to_db(value, "sqlite") == '["old.png","new_abc.jpg"]'
    assert f.max_body_size() == 300


# ---- storage and API forms -----------------------------------------------------------------------

DB_CASES = [
    (make("number"), 12.0, 12.0, 12.0, 12),
    (make("number"), 0.1, 0.1, 0.1, 0.1),
    (make("bool"), True, 1, True, True),
    (make("json"), {"a": [1, "x"]}, '{"a":[1,"x"]}', '{"a":[1,"x"]}', {"a": [1, "x"]}),
    (make("json"), None, None, None, None),
    (make("json"), "text", '"text"', '"text"', "text"),
    (make("select", **SELECT, maxSelect=2), ["a", "b"], '["a","b"]', '["a","b"]', ["a", "b"]),
    (make("select", **SELECT), "a", "a", "a", "a"),
    (make("relation", collectionId="c", maxSelect=5), [], "[]", "[]", []),
    (
        make("geoPoint"),
        {"lon": 2.5, "lat": 1.0},
        '{"lon":2.5,"lat":1}',
        '{"lon":2.5,"lat":1}',
        {"lon": 2.5, "lat": 1},
    ),
    (
        make("date"),
        "2024-01-02 10:20:30.000Z",
        "2024-01-02 10:20:30.000Z",
        "2024-01-02 10:20:30.000Z",
        "2024-01-02 10:20:30.000Z",
    ),
    (make("password"), "$argon2id$v=19$x", "$argon2id$v=19$x", "$argon2id$v=19$x", ""),
]


@pytest.mark.parametrize(("f", "value", "sqlite", "postgres", "api"), DB_CASES)
def test_db_round_trip_and_api_form(f: Field, value: Any, sqlite: Any, postgres: Any, api: Any) -> None:
    assert f.to_db(value, "sqlite") == sqlite
    assert f.to_db(value, "postgres") == postgres
    assert f.from_db(sqlite, "sqlite") == f.normalize(value) or f.type == "password"
    assert f.from_db(postgres, "postgres") == f.normalize(value) or f.type == "password"
    out = f.to_api(value)
    assert out == api
    assert json.dumps(out) == json.dumps(api)


def test_from_db_reads_sqlite_shapes() -> None:
    assert make("bool").from_db(0, "sqlite") is False
    assert make("number").from_db(7, "sqlite") == 7.0
    assert make("number").from_db(None, "sqlite") == 0.0
    assert make("select", **SELECT, maxSelect=2).from_db(None, "sqlite") == []
    assert make("geoPoint").from_db('{"lon":1,"lat":2}', "sqlite") == {"lon": 1.0, "lat": 2.0}


def test_number_api_form_keeps_large_integral_values_exact() -> None:
    assert json.dumps(make("number").to_api(1e20)) == "100000000000000000000"


def test_text_autogenerate_for_new_records() -> None:
    f = make("text", autogeneratePattern="[a-z0-9]{15}")
    value = f.generate_for_new()
    assert value is not None and len(value) == 15 and value.isalnum()
    assert make("text").generate_for_new() is None
