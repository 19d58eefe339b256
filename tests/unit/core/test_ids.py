"""Ids as PocketBase makes them, and random strings from patterns."""

from __future__ import annotations

import re

import pytest

from bastion.core.ids import (
    RECORD_ID_ALPHABET,
    collection_id_for,
    field_id_for,
    new_record_id,
    random_from_pattern,
    random_string,
)


def test_collection_ids_hash_type_and_name() -> None:
    assert collection_id_for("_superusers", "auth") == "pbc_3142635823"
    assert collection_id_for("posts") == "pbc_1125843985"  # POST /api/collections {"name": "posts"}
    assert collection_id_for("members", "auth") == "pbc_2620428958"
    assert collection_id_for("alltypes", "base") == "pbc_2501882056"


def test_field_ids() -> None:
    assert field_id_for("text", "id") == "text3208210256"
    assert field_id_for("password", "password") == "password901924565"
    assert field_id_for("autodate", "updated") == "autodate3332085495"


def test_record_ids_are_15_lowercase_alphanumerics_and_differ() -> None:
    ids = {new_record_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[a-z0-9]{15}", i) for i in ids)


def test_random_string_uses_alphabet() -> None:
    assert set(random_string(200, "ab")) <= {"a", "b"}
    assert len(random_string(30)) == 30
    assert set(random_string(500, RECORD_ID_ALPHABET)) <= set(RECORD_ID_ALPHABET)


@pytest.mark.parametrize(
    "pattern",
    [
        "[a-z0-9]{15}",
        "[a-zA-Z0-9]{50}",
        r"abc-\d{3}",
        "(foo|bar)_[A-F]+",
        "x.y?",
        r"\w{4}-\W",
        "[^a-z]{3}",
        "a{2,}",
        "(a|b|c){1,4}z*",
        r"[\d_]{5}",
    ],
)
def test_random_from_pattern_matches_its_pattern(pattern: str) -> None:
    for _ in range(50):
        value = random_from_pattern(pattern)
        assert re.fullmatch(pattern, value, re.ASCII), (pattern, value)  # Go classes are ASCII


def test_open_repeats_are_capped_like_pocketbase() -> None:
    # PocketBase picks the count in [min, max) with max 6 for `+`/`*`.
    lengths = {len(random_from_pattern("a+")) for _ in range(300)}
    assert lengths <= {1, 2, 3, 4, 5} and 1 in lengths
    assert {len(random_from_pattern("[0-9]{2,4}")) for _ in range(300)} <= {2, 3}


@pytest.mark.parametrize("pattern", ["^abc$", "(?=x)a", "(", r"(a)\1"])
def test_unsupported_or_invalid_patterns_raise(pattern: str) -> None:
    with pytest.raises(ValueError):
        random_from_pattern(pattern)
