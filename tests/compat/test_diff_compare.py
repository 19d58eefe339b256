"""The differential harness's own comparison rules (pure, no servers)."""

from __future__ import annotations

import pytest

from .diff_compare import comparable, describe_difference, error_codes

pytestmark = pytest.mark.compat

TS = "2026-01-02 03:04:05.678Z"


def test_timestamps_and_tokens_are_masked_only_when_well_formed() -> None:
    a = comparable(200, {"record": {"id": "x", "created": TS}, "token": "a.b.c"}, True)
    b = comparable(
        200, {"record": {"id": "x", "created": "2026-01-02 09:09:09.000Z"}, "token": "d.e.f"}, True
    )
    assert a == b
    bad = comparable(200, {"record": {"id": "x", "created": "2026-01-02T03:04:05Z"}, "token": "a.b.c"}, True)
    assert bad != a


def test_unordered_items_compare_as_a_set_and_ordered_ones_do_not() -> None:
    one = {"items": [{"id": "a"}, {"id": "b"}], "totalItems": 2}
    two = {"items": [{"id": "b"}, {"id": "a"}], "totalItems": 2}
    assert comparable(200, one, False) == comparable(200, two, False)
    assert comparable(200, one, True) != comparable(200, two, True)


def test_back_relation_expands_are_order_free() -> None:
    one = {"id": "p", "expand": {"c_via_post": [{"id": "1"}, {"id": "2"}]}}
    two = {"id": "p", "expand": {"c_via_post": [{"id": "2"}, {"id": "1"}]}}
    assert comparable(200, one, True) == comparable(200, two, True)


def test_errors_compare_message_codes_and_params_but_not_field_messages() -> None:
    ref = {
        "status": 400,
        "message": "Failed to create record.",
        "data": {
            "t": {"code": "validation_max_text_constraint", "message": "Must be ...", "params": {"max": 3}}
        },
    }
    other_words = {**ref, "data": {"t": {**ref["data"]["t"], "message": "Too long"}}}
    other_params = {**ref, "data": {"t": {**ref["data"]["t"], "params": {"max": 4}}}}
    assert comparable(400, ref, True) == comparable(400, other_words, True)
    assert comparable(400, ref, True) != comparable(400, other_params, True)
    nested = {
        "requests": {"1": {"code": "batch_request_failed", "message": "x", "response": {"status": 403}}}
    }
    assert error_codes(nested) == {
        "requests": {"1": {"code": "batch_request_failed", "response": {"status": 403}}}
    }


def test_difference_report_names_the_paths() -> None:
    ref = comparable(200, {"items": [{"id": "a", "n": 1}], "page": 1}, True)
    got = comparable(200, {"items": [{"id": "a", "n": 2, "extra": True}], "page": 1}, True)
    text = describe_difference(ref, got)
    assert "body.items[0].n: reference 1, candidate 2" in text
    assert "body.items[0].extra: unexpected in candidate" in text
