"""The schema exported from one server through Settings › Export collections and imported into a
second one through Settings › Import collections, after the diff (issue 19)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD
from tests.support.serve_process import BASTION, start_serve, stop_serve
from tests.ui.conftest import Page
from tests.ui.test_dashboard_auth_options import superuser_client, watch_console


def _create(client: httpx.Client, body: dict[str, Any]) -> None:
    r = client.post("/api/collections", json=body)
    assert r.status_code == 200, r.text


def _text(name: str, **options: Any) -> dict[str, Any]:
    return {"name": name, "type": "text", **options}


@pytest.fixture(scope="module")
def second_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("import-target") / "data"
    subprocess.run(
        [BASTION, "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", str(data)],
        check=True,
        capture_output=True,
    )
    proc, base = start_serve(data, args=("--log-access", "off", "--workers", "1"))
    yield base
    stop_serve(proc)


def test_schema_export_and_import_into_a_second_server(
    page: Page, browser: Any, second_server: str, tmp_path: Path
) -> None:
    with superuser_client(page.base) as api:
        _create(api, {"name": "catalog_tags", "type": "base", "fields": [_text("label"), _text("color")]})
        _create(api, {"name": "catalog_items", "type": "base", "fields": [_text("title", max=80)]})
    with superuser_client(second_server) as api:
        _create(api, {"name": "catalog_tags", "type": "base", "fields": [_text("label", max=20)]})
        _create(api, {"name": "old_stuff", "type": "base", "fields": [_text("note")]})

    p = page.page
    page.sign_in()
    p.goto(f"{page.app}#/settings/export")
    p.get_by_label("All collections").uncheck()
    picks = p.get_by_role("group", name="Collections to export")
    picks.get_by_label("catalog_tags").check()
    picks.get_by_label("catalog_items").check()
    exported = json.loads(p.get_by_label("JSON", exact=True).input_value())
    assert [c["name"] for c in exported] == ["catalog_tags", "catalog_items"]
    assert "created" not in exported[0]
    page.shot("schema-export")
    with p.expect_download() as download:
        p.get_by_role("button", name="Download JSON").click()
    schema = tmp_path / "collections.json"
    download.value.save_as(schema)
    assert json.loads(schema.read_text()) == exported

    context = browser.new_context(viewport={"width": 1280, "height": 860})
    target = Page(context.new_page(), second_server)
    console = watch_console(target)
    try:
        t = target.page
        target.sign_in()
        t.goto(f"{target.app}#/settings/import")
        t.locator("#import-file").set_input_files(schema)
        changes = t.get_by_role("region", name="Changes")
        expect(changes.get_by_role("list", name="Added")).to_contain_text("catalog_items")
        changed = changes.get_by_role("list", name="Changed")
        expect(changed).to_contain_text("catalog_tags")
        expect(changed).to_contain_text("Fields added: color")
        expect(changed).to_contain_text("Fields changed: label (max)")
        expect(changes).to_contain_text("Not in the import, kept: old_stuff, users.")
        t.get_by_label("Delete collections that are not in the import").check()
        expect(changes.get_by_role("list", name="Deleted")).to_contain_text("old_stuff")
        target.shot("schema-import")
        changes.get_by_role("button", name="Apply import").click()
        t.get_by_role("dialog").get_by_role("button", name="Import and delete").click()
        expect(t.get_by_text("Collections imported.")).to_be_visible()
        expect(changes).to_contain_text("already match")
        with superuser_client(second_server) as api:
            names = {c["name"] for c in api.get("/api/collections", params={"perPage": 500}).json()["items"]}
            tags = api.get("/api/collections/catalog_tags").json()
        assert {"catalog_items", "catalog_tags"} <= names and not {"old_stuff", "users"} & names
        assert [f["name"] for f in tags["fields"] if not f.get("system")] == ["label", "color"]
        assert console == []
    finally:
        context.close()
    assert target.problems == []
