"""A request's log row: PocketBase 0.40.6's `data` truncation, details, message and skip rules.

The truncation cases are rows the real binary wrote with `logs.maxDataSize` set to N.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bastion.core.datetime_format import format_dt
from bastion.core.settings_sections import LogsSettings
from bastion.http.request_log import RequestFacts, error_from_body
from bastion.logs.log_entry import (
    Identity,
    build_row,
    created_at,
    encode_data,
    log_details,
    message_of,
    skips_success,
)


def _health(n: int, exec_time: float) -> dict[str, object]:
    return {
        "auth": "",
        "execTime": exec_time,
        "method": "GET",
        "referer": "",
        "remoteIP": "127.0.0.1",
        "status": 200,
        "type": "request",
        "url": f"/api/health?n={n}",
        "userAgent": "curl/7.88.1",
        "userIP": "127.0.0.1",
    }


def _patch(exec_time: float) -> dict[str, object]:
    return {
        "auth": "_superusers",
        "execTime": exec_time,
        "method": "PATCH",
        "referer": "",
        "remoteIP": "127.0.0.1",
        "status": 200,
        "type": "request",
        "url": "/api/settings",
        "userAgent": "curl/7.88.1",
        "userIP": "127.0.0.1",
    }


T = '{"__pb_truncated__":true'


@pytest.mark.parametrize(
    ("data", "limit", "expected"),
    [
        (_health(1, 0.046849), 1, T + "}"),
        (_patch(2.477306), 1, T + "}"),
        (_health(60, 0.069243), 60, T + ',"auth":"","execTime":0.069243,"method":"GET","referer":""}'),
        (_patch(2.477306), 60, T + ',"auth":"_superusers","execTime":2.477306,"method":"PATCH"}'),
        (
            _health(120, 0.04039),
            120,
            T + ',"auth":"","execTime":0.04039,"method":"GET","referer":"","remoteIP":"127.0.0.1",'
            '"status":200,"type":"request","url":null}',
        ),
        (
            _patch(1.594932),
            120,
            T + ',"auth":"_superusers","execTime":1.594932,"method":"PATCH","referer":"",'
            '"remoteIP":"127.0.0.1","status":200,"type":null}',
        ),
        (
            _health(150, 0.094361),
            150,
            T + ',"auth":"","execTime":0.094361,"method":"GET","referer":"","remoteIP":"127.0.0.1",'
            '"status":200,"type":"request","url":"/api/health?n=150","userAgent":null}',
        ),
        (
            _patch(5.294606),
            150,
            T + ',"auth":"_superusers","execTime":5.294606,"method":"PATCH","referer":"",'
            '"remoteIP":"127.0.0.1","status":200,"type":"request","url":"/api/settings"}',
        ),
        (
            _health(180, 0.04642),
            180,
            T + ',"auth":"","execTime":0.04642,"method":"GET","referer":"","remoteIP":"127.0.0.1",'
            '"status":200,"type":"request","url":"/api/health?n=180","userAgent":"curl/7.88.1",'
            '"userIP":null}',
        ),
    ],
)
def test_truncation_matches_pocketbase(data, limit, expected):
    assert encode_data(data, limit) == expected


def test_data_under_the_limit_is_kept_whole_with_sorted_keys():
    data = _health(1, 0.5)
    text = encode_data(dict(reversed(list(data.items()))), 0)
    assert text.startswith('{"auth":"","execTime":0.5,') and "__pb_truncated__" not in text


def test_details_are_bare_validation_messages():
    data = {"password": {"code": "validation_required", "message": "Cannot be blank."}}
    assert log_details(data) == {"password": "cannot be blank"}
    nested = {"fields": {"1": {"name": {"code": "validation_required", "message": "Cannot be blank."}}}}
    assert log_details(nested) == {"fields": {"1": {"name": "cannot be blank"}}}
    assert log_details({}) is None
    assert log_details("sql: no rows") == "sql: no rows"


def _facts(url: str, status: int = 200) -> RequestFacts:
    return RequestFacts(
        method="GET",
        url=url,
        path=url.split("?")[0],
        status=status,
        exec_time_ms=1.25,
        finished=0.0,
        referer="",
        user_agent="ua",
        remote_ip="10.0.0.1",
        user_ip="1.2.3.4",
        has_token=False,
    )


def test_message_decodes_the_uri_unless_an_escape_is_bad():
    assert message_of(_facts("/api/x?filter=(email%3D'x')")) == "GET /api/x?filter=(email='x')"
    # Go's PathUnescape gives up on the whole string over one bad escape
    assert message_of(_facts("/api/a%20b?x=%zz")) == "GET /api/a%20b?x=%zz"


def test_row_levels_and_identity():
    settings = LogsSettings(log_ip=True, log_auth_id=True, max_data_size=0)
    ok = build_row(_facts("/api/health"), Identity("users", "u1"), settings)
    assert ok.level == 0 and '"auth":"users"' in ok.data and '"authId":"u1"' in ok.data
    assert '"userIP":"1.2.3.4"' in ok.data and '"remoteIP":"10.0.0.1"' in ok.data
    failed = build_row(_facts("/api/x", 404), None, settings)
    assert failed.level == 8 and '"error":""' in failed.data and '"details":null' in failed.data
    assert failed.created == "1970-01-01 00:00:00.000Z" and len(failed.id) == 15


def test_skipped_successes():
    assert skips_success("/api/logs") and skips_success("/api/logs/stats") and skips_success("/api/realtime")
    assert skips_success("/_/") and skips_success("/api/oauth2-redirect")
    assert not skips_success("/api/health") and not skips_success("/api/logsx")


def test_error_from_either_body_shape():
    assert error_from_body(b'{"data":{"a":1},"message":"Nope.","status":400}') == ("Nope.", {"a": 1})
    assert error_from_body(b'{"type":"about:blank","title":"Bad Request","detail":"Nope.","errors":{}}') == (
        "Nope.",
        {},
    )
    assert error_from_body(b"<html>") == (None, None)


@given(st.floats(min_value=0, max_value=4e9, allow_nan=False))
def test_created_at_formats_as_format_dt(timestamp):
    assert created_at(timestamp) == format_dt(datetime.fromtimestamp(timestamp, UTC))
