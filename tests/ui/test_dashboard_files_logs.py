"""Uploading a file to a record and seeing its preview; finding a request in the logs page."""

from __future__ import annotations

import base64

from playwright.sync_api import expect

from tests.ui.conftest import Page

# A 2x2 red PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="
)


def test_upload_a_file_and_see_its_preview(page: Page) -> None:
    p = page.page
    page.sign_in()
    dialog = page.new_collection("photos", ("text", "caption"), ("file", "image"))
    dialog.get_by_role("button", name="Create", exact=True).click()
    expect(p.get_by_role("heading", name="Collections / photos")).to_be_visible()

    p.get_by_role("button", name="+ New record").first.click()
    form = p.get_by_role("dialog")
    form.locator("#f-caption").fill("red dot")
    form.locator("#f-image").set_input_files(
        files=[{"name": "dot.png", "mimeType": "image/png", "buffer": PNG}]
    )
    expect(form.locator(".file-item")).to_contain_text("dot.png")
    form.get_by_role("button", name="Create", exact=True).click()
    expect(p.get_by_role("dialog")).to_have_count(0)

    thumb = p.locator("table.data img.thumb")
    expect(thumb).to_have_count(1)
    expect(thumb).to_have_js_property("complete", True)
    assert thumb.evaluate("img => img.naturalWidth") > 0
    p.locator("table.data tbody tr").first.click()
    preview = p.get_by_role("dialog").locator(".file-item img")
    expect(preview).to_have_js_property("complete", True)
    assert preview.evaluate("img => img.naturalWidth") > 0
    page.shot("12-file-upload")


def test_request_logs_show_an_entry_and_filter(page: Page) -> None:
    p = page.page
    page.sign_in()
    p.goto(f"{page.base}/api/collections/nope/records")  # a 404 to find in the logs
    p.goto(f"{page.app}#/logs")
    expect(p.get_by_role("heading", name="Logs", exact=True)).to_be_visible()
    rows = p.locator("table.data tbody tr")
    # Request logs are written in the background (PocketBase batches them): refresh until it shows.
    for _ in range(20):
        if rows.filter(has_text="/api/collections/nope/records").count():
            break
        p.wait_for_timeout(500)
        p.get_by_role("button", name="Refresh").click()
    expect(rows.filter(has_text="/api/collections/nope/records").first).to_be_visible()
    expect(p.get_by_role("img", name="Requests per hour")).to_be_visible()
    p.get_by_label("Status").select_option("4")
    expect(rows.first).to_contain_text("404")
    p.get_by_label("Path contains").fill("/nope/")
    p.get_by_label("Path contains").press("Enter")
    expect(rows).to_have_count(1)
    rows.first.click()
    expect(p.get_by_role("dialog")).to_contain_text("404")
    page.shot("13-logs")
