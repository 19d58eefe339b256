"""Python hooks through the HTTP API (docs/hooks.md): record hooks that change, validate, refuse
and follow writes, request hooks, custom routes with the caller's auth, crons, failures answered
as a clean 500 with a log line naming the hook's file and line, hook files that do not load, and
`--dev` reloads. The record scenarios run on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bastion.app import App
from bastion.config import Config
from bastion.hooks import HookLoadError
from tests.api.hooks.hook_files import AUDIT, CRONS, POSTS, ROUTES, line_of, write_hooks
from tests.conftest import ApiClient, settle_jobs, signed_in_api

# routes, crons and failures do not depend on the database: SQLite only (the suite's time budget)
SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])
GENERIC_500 = {"data": {}, "message": "Something went wrong while processing your request.", "status": 500}


@pytest.fixture
async def hooked(tmp_path: Path, database_url: str) -> AsyncIterator[ApiClient]:
    folder = write_hooks(
        tmp_path / "bastion_hooks", a_posts=POSTS, b_routes=ROUTES, c_crons=CRONS, d_audit=AUDIT
    )
    config = Config(data_dir=tmp_path / "data", database_url=database_url, hooks_dir=str(folder))
    async with signed_in_api(config) as api:
        await api.create_collection(
            {
                "name": "posts",
                "listRule": "",
                "viewRule": "",
                "createRule": "",
                "updateRule": "",
                "deleteRule": "",
                "fields": [{"name": "title", "type": "text", "max": 20}],
            }
        )
        # superusers only (no rule): what a hook reads in it as a user, the rules refuse
        await api.create_collection({"name": "audit", "fields": [{"name": "note", "type": "text"}]})
        yield api


def after_lines(api: ApiClient) -> list[dict[str, object]]:
    path = Path(api.app.config.hooks_path) / "after.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_a_hook_changes_the_record_before_it_is_stored(hooked):
    r = await hooked.request("POST", "/api/collections/posts/records", json={"title": "hello"})
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "HELLO"
    stored = await hooked.request("GET", f"/api/collections/posts/records/{r.json()['id']}")
    assert stored.json()["title"] == "HELLO"
    updated = await hooked.request(
        "PATCH", f"/api/collections/posts/records/{r.json()['id']}", json={"title": "again"}
    )
    assert updated.json()["title"] == "AGAIN"
    # the hook is for posts only: other collections are written as sent
    user, _ = await hooked.create_user("quiet@example.com", name="quiet")
    assert user["name"] == "quiet"


async def test_a_hook_adds_validation_errors_in_pocketbase_shape(hooked):
    r = await hooked.request("POST", "/api/collections/posts/records", json={"title": "bad"})
    assert r.status_code == 400
    assert r.json() == {
        "data": {"title": {"code": "validation_bad_title", "message": "Bad titles are refused."}},
        "message": "Failed to create record.",
        "status": 400,
    }
    r = await hooked.request("POST", "/api/collections/posts/records", json={"title": "worse"})
    assert r.status_code == 400
    assert r.json()["data"] == {"title": {"code": "validation_invalid_value", "message": "Worse still."}}
    listed = await hooked.request("GET", "/api/collections/posts/records")
    assert listed.json()["totalItems"] == 0


async def test_a_hook_refuses_a_write_with_its_status(hooked):
    r = await hooked.request("POST", "/api/collections/posts/records", json={"title": "forbidden"})
    assert r.status_code == 403
    assert r.json() == {"data": {}, "message": "Posts like this are closed.", "status": 403}
    kept = await hooked.create_record("posts", {"title": "keep"})
    r = await hooked.request("DELETE", f"/api/collections/posts/records/{kept['id']}")
    assert r.status_code == 403
    assert r.json()["message"] == "This post stays."
    assert (await hooked.request("GET", f"/api/collections/posts/records/{kept['id']}")).status_code == 200


async def test_after_commit_hooks_see_the_committed_write_before_the_answer(hooked):
    created = await hooked.create_record("posts", {"title": "first"})
    assert after_lines(hooked) == [{"action": "create", "id": created["id"], "stored": "FIRST"}]
    r = await hooked.request("DELETE", f"/api/collections/posts/records/{created['id']}")
    assert r.status_code == 204
    assert after_lines(hooked)[-1] == {"action": "delete", "id": created["id"], "stored": None}
    # a refused write commits nothing, so no after-hook runs
    await hooked.request("POST", "/api/collections/posts/records", json={"title": "forbidden"})
    assert len(after_lines(hooked)) == 2


@SQLITE_ONLY
async def test_a_custom_route_knows_the_caller(hooked):
    user, token = await hooked.create_user("alice@example.com")
    r = await hooked.request("GET", "/api/hello/world")
    assert r.status_code == 200
    assert r.json() == {"message": "Hello world", "auth": None}
    r = await hooked.request("GET", "/api/hello/world", token=token)
    assert r.json() == {"message": "Hello world", "auth": user["id"]}
    assert (await hooked.request("HEAD", "/api/hello/world")).status_code == 200
    r = await hooked.request("POST", "/api/private/echo", json={"x": 1})
    assert r.status_code == 401
    assert r.json()["message"] == "The request requires valid record authorization token."
    r = await hooked.request("POST", "/api/private/echo", json={"x": 1}, token=token)
    assert r.status_code == 201
    assert r.json() == {"by": user["id"], "body": {"x": 1}}
    # a built-in route wins over a hook route on the same method and path
    health = await hooked.request("GET", "/api/health")
    assert health.json()["message"] == "API is healthy."
    # a path no route takes is still PocketBase's 404
    assert (await hooked.request("GET", "/api/hello")).status_code == 404


@SQLITE_ONLY
async def test_a_raising_hook_is_a_clean_500_and_a_log_line_naming_file_and_line(hooked, caplog):
    caplog.set_level(logging.ERROR, logger="bastion.hooks")
    posts_file = Path(hooked.app.config.hooks_path).resolve() / "a_posts.py"
    r = await hooked.request("POST", "/api/collections/posts/records", json={"title": "boom"})
    assert r.status_code == 500
    assert r.json() == GENERIC_500
    assert "ZeroDivision" not in r.text and "Traceback" not in r.text
    where = f"{posts_file}:{line_of(posts_file, 'RAISES-HERE')}"
    [entry] = [rec for rec in caplog.records if rec.name == "bastion.hooks"]
    assert where in entry.getMessage() and "ZeroDivisionError" in entry.getMessage()
    assert (await hooked.request("GET", "/api/collections/posts/records")).json()["totalItems"] == 0

    caplog.clear()
    routes_file = posts_file.with_name("b_routes.py")
    r = await hooked.request("GET", "/api/route-boom")
    assert (r.status_code, r.json()) == (500, GENERIC_500)
    [entry] = [rec for rec in caplog.records if rec.name == "bastion.hooks"]
    assert f"{routes_file}:{line_of(routes_file, 'ROUTE-RAISES-HERE')}" in entry.getMessage()

    # an after-commit hook that raises is logged; the write stands and is answered
    caplog.clear()
    post = await hooked.create_record("posts", {"title": "calm"})
    r = await hooked.request(
        "PATCH", f"/api/collections/posts/records/{post['id']}", json={"title": "after-boom"}
    )
    assert (r.status_code, r.json()["title"]) == (200, "AFTER-BOOM")
    [entry] = [rec for rec in caplog.records if rec.name == "bastion.hooks"]
    assert f"{posts_file}:{line_of(posts_file, 'AFTER-RAISES-HERE')}" in entry.getMessage()


async def test_a_hook_file_that_does_not_load_stops_the_start(tmp_path):
    folder = write_hooks(tmp_path / "bastion_hooks", ok=ROUTES, zz_broken="x = 1\n\ndef f(:\n    pass\n")
    app = App(Config(data_dir=tmp_path / "data", hooks_dir=str(folder)))
    with pytest.raises(HookLoadError, match=r"zz_broken\.py:3: syntax error"):
        await app.start()
    await app.stop()
    write_hooks(folder, zz_broken="import json\nraise KeyError('no such thing')\n")
    with pytest.raises(HookLoadError, match=r"zz_broken\.py:2: KeyError"):
        await app.start()
    await app.stop()


async def test_dev_mode_reloads_a_changed_hook_file(tmp_path):
    folder = write_hooks(tmp_path / "bastion_hooks", routes=ROUTES)
    config = Config(data_dir=tmp_path / "data", hooks_dir=str(folder), dev=True)
    async with signed_in_api(config) as api:
        assert (await api.request("GET", "/api/hello/a")).json()["message"] == "Hello a"
        reloader = api.app._hook_reloader
        assert reloader is not None
        write_hooks(
            folder,
            routes=ROUTES.replace('word: ClassVar[str] = "Hello"', 'word: ClassVar[str] = "Good day,"'),
        )
        assert reloader.check()
        assert (await api.request("GET", "/api/hello/a")).json()["message"] == "Good day, a"
        # a broken edit is logged and the hooks in use stay
        write_hooks(folder, routes="def broken(:\n")
        assert not reloader.check()
        assert (await api.request("GET", "/api/hello/a")).json()["message"] == "Good day, a"


@SQLITE_ONLY
async def test_a_custom_route_is_rate_limited_as_built_in_routes_are(hooked):
    rules = [{"label": "/api/hello/", "audience": "", "duration": 60, "maxRequests": 1}]
    r = await hooked.su("PATCH", "/api/settings", json={"rateLimits": {"enabled": True, "rules": rules}})
    assert r.status_code == 200, r.text
    assert (await hooked.request("GET", "/api/hello/one")).status_code == 200
    r = await hooked.request("GET", "/api/hello/two")
    assert (r.status_code, r.json()) == (429, {"data": {}, "message": "Too Many Requests.", "status": 429})


async def test_request_hooks_see_the_caller_and_change_the_body_batch_included(hooked):
    r = await hooked.request("POST", "/api/collections/posts/records", json={})
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "UNTITLED"  # the request hook's default, then the record hook
    assert (
        await hooked.request("POST", "/api/collections/posts/records", json={"title": "guests-only"})
    ).status_code == 200
    _, token = await hooked.create_user("bob@example.com")
    r = await hooked.request(
        "POST", "/api/collections/posts/records", json={"title": "guests-only"}, token=token
    )
    assert (r.status_code, r.json()["message"]) == (403, "Only guests may post this.")
    assert (await hooked.su("PATCH", "/api/settings", json={"batch": {"enabled": True}})).status_code == 200
    r = await hooked.request(
        "POST",
        "/api/batch",
        json={"requests": [{"method": "POST", "url": "/api/collections/posts/records", "body": {}}]},
    )
    assert r.status_code == 200, r.text
    assert r.json()[0]["body"]["title"] == "UNTITLED"


@SQLITE_ONLY
async def test_cron_hooks_are_listed_and_run_as_the_built_in_crons(hooked, caplog):
    caplog.set_level(logging.ERROR, logger="bastion.hooks")
    listed = (await hooked.su("GET", "/api/crons")).json()
    assert listed[:2] == [
        {"id": "broken", "expression": "@yearly"},
        {"id": "tick", "expression": "*/5 * * * *"},
    ]
    assert (await hooked.su("POST", "/api/crons/tick")).status_code == 204
    await settle_jobs(hooked.app)
    assert (Path(hooked.app.config.hooks_path) / "ticks.txt").read_text() == "tick\n"
    assert (await hooked.su("POST", "/api/crons/broken")).status_code == 204
    await settle_jobs(hooked.app)
    crons_file = Path(hooked.app.config.hooks_path).resolve() / "c_crons.py"
    [entry] = [rec for rec in caplog.records if rec.name == "bastion.hooks"]
    assert f"{crons_file}:{line_of(crons_file, 'CRON-RAISES-HERE')}" in entry.getMessage()


async def test_a_bad_cron_expression_stops_the_load_naming_file_and_line(tmp_path):
    text = "from bastion.hooks import hooks\n\n@hooks.cron('x', '61 * * * *')\ndef x(e):\n    pass\n"
    folder = write_hooks(tmp_path / "bastion_hooks", bad=text)
    app = App(Config(data_dir=tmp_path / "data", hooks_dir=str(folder)))
    with pytest.raises(HookLoadError, match=r"^hook file .*bad\.py:3: cron 'x': "):
        await app.start()
    await app.stop()


async def test_hooks_read_and_write_records_with_the_rules_bypassed_or_applied(hooked):
    await hooked.create_record("posts", {"title": "one"})
    await hooked.create_record("posts", {"title": "two"})
    # the post is refused after its hook wrote an audit record: both roll back
    r = await hooked.request("POST", "/api/collections/posts/records", json={"title": "x" * 30})
    assert r.status_code == 400
    r = await hooked.su("GET", "/api/audit")
    assert r.json() == {"notes": ["create TWO", "create ONE"]}
    _, token = await hooked.create_user("carol@example.com")
    r = await hooked.request("GET", "/api/audit", token=token)
    assert r.status_code == 403  # audit's listRule is superusers-only, applied as the caller
