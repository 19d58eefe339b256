"""PATCH /api/settings through HTTP, as PocketBase 0.40.6 answers (issue #14): bodies it cannot bind
are its load error and change nothing, the caller is checked before the body is read, and the
App's settings are one object replaced whole, the same one that is stored."""

from __future__ import annotations

import pytest

from bastion.core.settings_store import read_settings

LOAD_ERROR = {"data": {}, "message": "An error occurred while loading the submitted data.", "status": 400}


@pytest.mark.parametrize(
    "raw",
    [
        "[]",
        '"x"',
        "{",
        '{"smtp":{"port":NaN}}',
        '{"meta":{"appName":"a\\ud800"}}',
        '{"meta":{"appName":"x","appName":"y"}}',
        '{"foo":1,"foo":2}',
        '{"meta":{"appname":"x","app_name":"y"}}',
        '{"smtp":{"port":1e400}}',
        '{"smtp":{"port":9223372036854775808}}',
        '{"smtp":{"port":25.0}}',
        '{"smtp":{"port":"25"}}',
        '{"rateLimits":{"rules":[1]}}',
    ],
)
async def test_unbindable_bodies_are_the_load_error_and_change_nothing(api, raw):
    r = await api.su("PATCH", "/api/settings", content=raw, headers={"Content-Type": "application/json"})
    assert (r.status_code, r.json()) == (400, LOAD_ERROR)
    assert (await api.su("GET", "/api/settings")).json()["meta"]["appName"] == "Acme"
    assert await read_settings(api.app.db) is None  # nothing was stored


async def test_a_null_body_is_pocketbases_500(api):
    r = await api.su("PATCH", "/api/settings", content="null", headers={"Content-Type": "application/json"})
    assert r.status_code == 500


@pytest.mark.parametrize("raw", ["[]", "{", '{"meta":{"appName":""}}'])
async def test_the_caller_is_checked_before_the_body(api, raw):
    r = await api.request("PATCH", "/api/settings", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 401


async def test_settings_are_replaced_whole_and_stored_as_held(api):
    before = api.app.settings
    r = await api.su(
        "PATCH", "/api/settings", json={"meta": {"appName": "Renamed"}, "smtp": {"password": "hunter2"}}
    )
    assert r.status_code == 200, r.text
    assert "password" not in r.json()["smtp"]
    after = api.app.settings
    assert after is not before
    assert before.meta.app_name == "Acme"  # a reader holding the old document keeps it whole
    assert (after.meta.app_name, after.smtp.password) == ("Renamed", "hunter2")
    assert await read_settings(api.app.db) == after


async def test_format_checks_are_pocketbases(api):
    r = await api.su("PATCH", "/api/settings", json={"meta": {"appURL": "http://a.b/%zz"}})
    assert r.status_code == 400
    assert r.json()["data"] == {
        "meta": {"appURL": {"code": "validation_is_url", "message": "Must be a valid URL."}}
    }
