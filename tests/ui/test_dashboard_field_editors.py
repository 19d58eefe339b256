"""The record form's field editors: rich text for editor fields (HTML sanitized in the browser,
stored by the API as sent), JSON checked as it is typed, geo points checked against their ranges."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.ui.conftest import SHOTS, Page, superuser_client

HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><p onclick="x()">tail</p>'


def _console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_rich_text_json_and_geo_point_fields(page: Page) -> None:
    p = page.page
    console = _console_errors(page)
    with superuser_client(page.base) as api:
        r = api.post(
            "/api/collections",
            json={
                "name": "articles",
                "type": "base",
                "fields": [
                    {"name": "title", "type": "text"},
                    {"name": "body", "type": "editor"},
                    {"name": "meta", "type": "json", "maxSize": 60},
                    {"name": "place", "type": "geoPoint"},
                ],
            },
        )
        assert r.status_code == 200, r.text
        # HTML stored by another client is kept as sent: the API does not clean it (as PocketBase).
        stored = api.post(
            "/api/collections/articles/records",
            json={"title": "from the API", "body": "<p>old</p>" + HOSTILE},
        ).json()
        assert "onerror" in stored["body"]

    page.sign_in()
    p.goto(f"{page.app}#/collections/articles")

    # A stored hostile value opens without running anything: it is sanitized before the editor gets it.
    p.locator("table.data tbody tr").filter(has_text="from the API").click()
    form = p.get_by_role("dialog", name="Edit articles record")
    expect(form.locator("#f-body")).to_contain_text("old")
    expect(form.locator("#f-body img")).to_have_count(0)
    p.keyboard.press("Escape")
    expect(p.get_by_role("dialog")).to_have_count(0)

    p.get_by_role("button", name="+ New record").first.click()
    form = p.get_by_role("dialog", name="New articles record")
    form.locator("#f-title").fill("Rich")

    # Bold with the toolbar, then a link on the selected word.
    body = form.locator("#f-body")
    body.click()
    p.keyboard.type("Some ")
    form.get_by_role("button", name="Bold", exact=True).click()
    expect(form.get_by_role("button", name="Bold", exact=True)).to_have_attribute("aria-pressed", "true")
    p.keyboard.type("bold")
    p.keyboard.press("Control+b")
    p.keyboard.type(" text, see docs")
    for _ in range(4):
        p.keyboard.press("Shift+ArrowLeft")
    form.get_by_role("button", name="Link", exact=True).click()
    form.get_by_label("Link address").fill("https://example.com/docs")
    form.get_by_label("Link address").press("Enter")
    expect(body.locator("strong")).to_have_text("bold")
    expect(body.locator("a")).to_have_attribute("href", "https://example.com/docs")
    page.shot("20-rich-text-editor")

    # Hostile HTML pasted in the source view is cleaned before it is sent.
    form.get_by_role("button", name="Source").click()
    source = form.get_by_label("body (HTML source)")
    source.fill(source.input_value() + HOSTILE)

    # JSON: refused while invalid (line and column shown), too large refused, then accepted.
    meta = form.locator("#f-meta")
    meta.fill('{\n  "a": 1,\n}')
    expect(form.locator("#err-meta")).to_have_text(
        "Invalid JSON at line 3, column 1: Trailing comma before }."
    )
    meta.fill('{"a": "' + "x" * 80 + '"}')
    expect(form.locator("#err-meta")).to_contain_text("allows at most 60")

    # geoPoint: out of range is refused.
    form.get_by_label("Longitude").fill("200")
    expect(form.locator("#err-place")).to_have_text("Longitude must be between -180 and 180.")
    form.get_by_role("button", name="Create").click()
    expect(form.locator("#err-meta")).to_be_visible()
    expect(form).to_be_visible()

    meta.fill('{"tags":["a","b"],"n":1}')
    form.get_by_role("button", name="Pretty-print").click()
    expect(meta).to_have_value('{\n  "tags": [\n    "a",\n    "b"\n  ],\n  "n": 1\n}')
    expect(form.locator("#err-meta")).to_be_hidden()
    form.get_by_label("Longitude").fill("13.4")
    form.get_by_label("Latitude").fill("52.52")
    expect(form.locator("#err-place")).to_be_hidden()
    form.get_by_role("button", name="Create").click()
    expect(p.get_by_role("dialog")).to_have_count(0)

    with superuser_client(page.base) as api:
        items = api.get("/api/collections/articles/records", params={"filter": 'title="Rich"'}).json()[
            "items"
        ]
    (rec,) = items
    html = rec["body"]
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.com/docs"' in html
    assert "onerror" not in html and "<script" not in html and "onclick" not in html and "__pwned" not in html
    assert "tail" in html
    assert rec["meta"] == {"tags": ["a", "b"], "n": 1}
    assert rec["place"] == {"lon": 13.4, "lat": 52.52}
    assert p.evaluate("window.__pwned") is None

    # Shown in the list, and back in the form.
    row = p.locator("table.data tbody tr").filter(has_text="Rich")
    expect(row).to_contain_text("Some bold text, see docs")
    expect(row).to_contain_text("lon 13.4, lat 52.52")
    row.click()
    form = p.get_by_role("dialog", name="Edit articles record")
    expect(form.locator("#f-body strong")).to_have_text("bold")
    expect(form.get_by_label("Longitude")).to_have_value("13.4")
    expect(form.get_by_label("Latitude")).to_have_value("52.52")
    SHOTS.mkdir(exist_ok=True)
    form.screenshot(path=str(SHOTS / "21-field-editors.png"))  # docs/img/field-editors.png
    p.keyboard.press("Escape")
    assert console == []


def test_rich_text_toolbar_by_keyboard_and_source_round_trip(page: Page) -> None:
    p = page.page
    console = _console_errors(page)
    with superuser_client(page.base) as api:
        fields = [{"name": "title", "type": "text"}, {"name": "body", "type": "editor"}]
        r = api.post("/api/collections", json={"name": "drafts", "type": "base", "fields": fields})
        assert r.status_code == 200, r.text
        rec = api.post(
            "/api/collections/drafts/records", json={"title": "Draft", "body": "<p>start</p>"}
        ).json()
    page.sign_in()
    p.goto(f"{page.app}#/collections/drafts")
    p.locator("table.data tbody tr").filter(has_text="Draft").click()
    form = p.get_by_role("dialog", name="Edit drafts record")
    body = form.locator("#f-body")
    body.click()
    p.keyboard.press("Control+End")
    p.keyboard.press("Enter")
    p.keyboard.type("Heading")
    # From the editor, Shift+Tab reaches the toolbar; its buttons work with the keyboard.
    form.get_by_role("button", name="Heading 2").focus()
    p.keyboard.press("Enter")
    expect(body.locator("h2")).to_have_text("Heading")
    form.get_by_role("button", name="Undo").focus()
    p.keyboard.press("Enter")
    expect(body.locator("h2")).to_have_count(0)
    form.get_by_role("button", name="Redo").focus()
    p.keyboard.press("Enter")
    expect(body.locator("h2")).to_have_text("Heading")

    # Source view and back: the edit made in HTML shows in the editor, cleaned.
    form.get_by_role("button", name="Source").click()
    source = form.get_by_label("body (HTML source)")
    expect(source).to_have_value(re.compile(r"<h2>Heading</h2>"))
    source.fill("<ul><li>one</li><li>two</li></ul>" + HOSTILE)
    form.get_by_role("button", name="Source").click()
    expect(body.locator("li")).to_have_count(2)
    expect(body.locator("img")).to_have_count(0)
    form.get_by_role("button", name="Save changes").click()
    expect(p.get_by_role("dialog")).to_have_count(0)
    with superuser_client(page.base) as api:
        saved: dict[str, Any] = api.get(f"/api/collections/drafts/records/{rec['id']}").json()
    assert saved["body"] == "<ul><li><p>one</p></li><li><p>two</p></li></ul><p>tail</p>"
    assert console == []


def test_field_editors_fit_a_phone(phone: Page) -> None:
    p = phone.page
    console = _console_errors(phone)
    with superuser_client(phone.base) as api:
        fields = [
            {"name": "notes", "type": "editor"},
            {"name": "data", "type": "json"},
            {"name": "spot", "type": "geoPoint"},
        ]
        r = api.post("/api/collections", json={"name": "memos", "type": "base", "fields": fields})
        assert r.status_code == 200, r.text
    phone.sign_in()
    p.goto(f"{phone.app}#/collections/memos")
    p.get_by_role("button", name="+ New record").first.click()
    form = p.get_by_role("dialog", name="New memos record")
    # The label focuses the editor; the toolbar wraps instead of widening the dialog.
    form.get_by_text("notes", exact=True).click()
    expect(form.locator("#f-notes")).to_be_focused()
    p.keyboard.type("On a phone")
    expect(form.get_by_role("toolbar", name="notes formatting")).to_be_visible()
    overflow = form.locator(".modal-body").evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow <= 0
    phone.shot("22-field-editors-phone")
    form.get_by_role("button", name="Create").click()
    expect(p.get_by_role("dialog")).to_have_count(0)
    with superuser_client(phone.base) as api:
        (rec,) = api.get("/api/collections/memos/records").json()["items"]
    assert rec["notes"] == "<p>On a phone</p>" and rec["data"] is None and rec["spot"] == {"lon": 0, "lat": 0}
    assert console == []
