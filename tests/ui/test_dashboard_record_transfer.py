"""Records › Export / Import: a filtered list exported as CSV and JSONL (the shapes `bastion export`
writes, compared with the API's records), and a JSONL file with bad rows imported through
/api/batch: the summary names the rejected lines and fields, the valid rows are created."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from bastion.cli.record_io import _csv_cell
from tests.ui.conftest import Page, superuser_client

FIELDS = [
    {"name": "title", "type": "text", "required": True},
    {"name": "n", "type": "number"},
    {"name": "done", "type": "bool"},
    {"name": "tags", "type": "select", "values": ["a", "b", "c"], "maxSelect": 3},
    {"name": "meta", "type": "json"},
    {"name": "created", "type": "autodate", "onCreate": True},
]


def _ok(r: httpx.Response) -> Any:
    assert r.status_code in (200, 204), r.text
    return r.json() if r.content else None


def _download(p: Any, fmt_label: str) -> str:
    dialog = p.get_by_role("dialog")
    dialog.get_by_label(fmt_label).check()
    with p.expect_download() as info:
        dialog.get_by_role("button", name="Download").click()
    expect(dialog.get_by_role("status")).to_contain_text("Exported 3 records")
    return Path(info.value.path()).read_text(encoding="utf-8")


def test_export_filtered_and_import_with_rejected_rows(page: Page, tmp_path: Path) -> None:
    with superuser_client(page.base) as api:
        _scenario(page, api, tmp_path)


def _scenario(page: Page, api: httpx.Client, tmp_path: Path) -> None:
    notes = _ok(api.post("/api/collections", json={"name": "notes", "type": "base", "fields": FIELDS}))
    _ok(api.post("/api/collections", json={"name": "notes2", "type": "base", "fields": FIELDS}))
    samples = [
        {"title": "plain", "n": 1, "done": False, "tags": ["a"], "meta": None},
        {
            "title": 'comma, "quote"\nand a line',
            "n": 2,
            "done": True,
            "tags": ["a", "b"],
            "meta": {"k": [1, 2]},
        },
        {"title": "héllo ✓", "n": 3.5, "done": False, "tags": [], "meta": "text"},
        {"title": "big", "n": 40, "done": True, "tags": ["c"], "meta": [1, "x"]},
    ]
    for body in samples:
        _ok(api.post("/api/collections/notes/records", json=body))
    # batches of 3 rows: the import below needs two, and one is refused
    _ok(api.patch("/api/settings", json={"batch": {"enabled": True, "maxRequests": 3}}))

    p = page.page
    page.sign_in()
    p.goto(f"{page.app}#/collections/notes")
    p.get_by_label("Filter records").fill("n > 1")
    p.get_by_label("Filter records").press("Enter")
    expect(p.locator("table.data tbody tr")).to_have_count(3)
    p.get_by_role("button", name="Export / Import").click()

    expected = _ok(
        api.get(
            "/api/collections/notes/records", params={"filter": "n > 1", "sort": "-created", "perPage": 500}
        )
    )
    items = expected["items"]
    assert len(items) == 3
    jsonl = _download(p, "JSONL (one record per line)")
    assert jsonl == "".join(json.dumps(i, ensure_ascii=False, separators=(",", ":")) + "\n" for i in items)
    page.shot("40-records-export")

    text = _download(p, "CSV (one column per field)")
    columns = [f["name"] for f in notes["fields"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for item in items:
        writer.writerow([_csv_cell(item.get(c), c == "meta") for c in columns])
    assert text == out.getvalue()
    p.keyboard.press("Escape")

    # Import into notes2: line 3 breaks a field rule, line 6 is not JSON.
    rows = [
        {"id": "imp000000000001", "title": "one", "n": 1, "tags": ["a"], "meta": {"x": 1}},
        {"title": "two", "n": 2, "collectionName": "notes"},
        {"title": "", "n": 3},
        {"title": "four", "tags": ["b", "c"], "done": True},
        {"title": "five", "meta": [1, 2]},
    ]
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{not json\n", encoding="utf-8")
    p.goto(f"{page.app}#/collections/notes2")
    p.get_by_role("button", name="Export / Import").click()
    dialog = p.get_by_role("dialog")
    dialog.get_by_role("tab", name="Import").click()
    dialog.get_by_label("File").set_input_files(str(source))
    expect(dialog.locator("#import-count")).to_contain_text("6 rows, 1 unreadable")
    expect(dialog.get_by_role("table", name="First rows").locator("tbody tr")).to_have_count(5)
    dialog.get_by_role("button", name="Import", exact=True).click()
    expect(dialog.locator("#import-summary")).to_contain_text("Created: 4 records. Rejected: 2 rows.")
    rejected = dialog.locator("#import-rejected tbody tr")
    expect(rejected).to_have_count(2)
    expect(rejected.nth(0)).to_contain_text("3title")
    expect(rejected.nth(0)).to_contain_text("Cannot be blank")
    expect(rejected.nth(1)).to_contain_text("6row")
    expect(dialog.locator("#import-batches")).to_contain_text("Batch 1 (lines 1–3) was refused at line 3")
    page.shot("41-records-import")

    created = _ok(api.get("/api/collections/notes2/records", params={"sort": "title", "perPage": 50}))[
        "items"
    ]
    assert [r["title"] for r in created] == ["five", "four", "one", "two"]
    one = next(r for r in created if r["title"] == "one")
    assert one["id"] == "imp000000000001" and one["tags"] == ["a"] and one["meta"] == {"x": 1}
    assert next(r for r in created if r["title"] == "four")["tags"] == ["b", "c"]
    # the records list behind the dialog was reloaded
    p.keyboard.press("Escape")
    expect(p.locator("table.data tbody tr")).to_have_count(4)

    # The exported CSV back in, with the batch API off (one request per row): created, then in
    # upsert mode updated by id (no new records).
    _ok(api.patch("/api/settings", json={"batch": {"enabled": False}}))
    exported = tmp_path / "notes.csv"
    exported.write_text(text, encoding="utf-8")
    p.get_by_role("button", name="Export / Import").click()
    dialog.get_by_role("tab", name="Import").click()
    dialog.get_by_label("File").set_input_files(str(exported))
    expect(dialog.get_by_label("Format")).to_have_value("csv")
    expect(dialog.locator("#import-count")).to_contain_text("3 rows.")
    dialog.get_by_role("button", name="Import", exact=True).click()
    expect(dialog.locator("#import-summary")).to_contain_text("Created: 3 records. Rejected: 0 rows.")
    expect(dialog.locator("#import-summary")).to_contain_text("one request per row")
    dialog.get_by_label("Rows with an id").select_option("upsert")
    dialog.get_by_role("button", name="Import", exact=True).click()
    expect(dialog.locator("#import-summary")).to_contain_text("Written: 3 records. Rejected: 0 rows.")
    keys = ("id", "title", "n", "done", "tags", "meta")
    again = _ok(api.get("/api/collections/notes2/records", params={"perPage": 50}))["items"]
    assert len(again) == 7
    assert sorted(tuple(r[k] for k in keys) for r in again if r["id"] in {i["id"] for i in items}) == sorted(
        tuple(i[k] for k in keys) for i in items
    )
    p.keyboard.press("Escape")

    # A phone: the dialog fits without sideways scrolling.
    p.set_viewport_size({"width": 375, "height": 740})
    p.get_by_role("button", name="Export / Import").click()
    p.get_by_role("dialog").get_by_role("tab", name="Import").click()
    assert p.evaluate("document.documentElement.scrollWidth") <= 375
    # A file over 5 MB is refused, pointing at the command line.
    big = tmp_path / "big.jsonl"
    big.write_text('{"title": "x"}\n' * 400_000, encoding="utf-8")
    p.get_by_role("dialog").get_by_label("File").set_input_files(str(big))
    expect(p.get_by_role("alert")).to_contain_text("run bastion import notes2 FILE")
    expect(p.get_by_role("button", name="Import", exact=True)).to_be_disabled()
    page.shot("42-records-transfer-phone")
