"""Collections and records through the dashboard: create a collection with several field types,
check rules as they are typed, then add, filter, sort, edit and delete (one and in bulk) records."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD
from tests.ui.conftest import SHOTS, Page, superuser_client


def _create(client: httpx.Client, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(path, json=body)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _new_record(p, **values: str) -> None:  # type: ignore[no-untyped-def]
    p.get_by_role("button", name="+ New record").first.click()
    dialog = p.get_by_role("dialog")
    for name, value in values.items():
        dialog.locator(f"#f-{name}").fill(value)
    dialog.get_by_role("button", name="Create").click()
    expect(p.get_by_role("dialog")).to_have_count(0)


def test_collection_with_field_types_and_record_lifecycle(page: Page) -> None:
    p = page.page
    page.sign_in()
    expect(p.get_by_role("main").get_by_role("link", name="users")).to_be_visible()
    page.shot("03-collections")

    dialog = page.new_collection("posts", ("text", "title"))
    p.get_by_label("Max length").fill("80")
    p.get_by_text("Nonempty (required)").click()
    page.add_field("number", "views")
    page.add_field("bool", "published")
    page.add_field("select", "tags")
    p.get_by_label("Choices").fill("go, py, js")
    p.get_by_label("Max selections").fill("2")
    page.add_field("json", "meta")
    page.add_field("date", "due")
    page.shot("04-collection-fields")

    dialog.get_by_role("tab", name="API rules").click()
    dialog.get_by_role("button", name="Superusers only").first.click()
    rule = dialog.locator("#rule-listRule")
    rule.fill("views > ")
    expect(dialog.locator("#rule-listRule-status")).to_contain_text("Invalid", ignore_case=True)
    rule.fill('views > 1 && title != ""')
    expect(dialog.locator("#rule-listRule-status")).to_have_text("Valid syntax.")
    page.shot("05-collection-rules")
    dialog.get_by_role("tab", name="Indexes").click()
    dialog.get_by_role("button", name="+ Add index").click()
    dialog.get_by_label("Index 1", exact=True).fill("CREATE INDEX `idx_posts_views` ON `posts` (`views`)")
    dialog.get_by_role("button", name="Create").click()
    expect(p.get_by_role("heading", name="Collections / posts")).to_be_visible()
    expect(p.get_by_text("No records yet")).to_be_visible()

    # The saved schema is what the form said.
    token = httpx.post(
        f"{page.base}/api/collections/_superusers/auth-with-password",
        json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
    ).json()["token"]
    saved = httpx.get(f"{page.base}/api/collections/posts", headers={"Authorization": token}).json()
    by_name = {f["name"]: f for f in saved["fields"]}
    assert by_name["title"]["max"] == 80 and by_name["title"]["required"] is True
    assert by_name["tags"]["values"] == ["go", "py", "js"] and by_name["tags"]["maxSelect"] == 2
    assert {by_name[n]["type"] for n in ("views", "published", "meta", "due")} == {
        "number",
        "bool",
        "json",
        "date",
    }
    assert saved["listRule"] == 'views > 1 && title != ""'
    assert saved["indexes"] == ["CREATE INDEX `idx_posts_views` ON `posts` (`views`)"]

    # A required field left empty: the error is shown next to it, nothing is saved.
    p.get_by_role("button", name="+ New record").first.click()
    p.get_by_role("dialog").get_by_role("button", name="Create").click()
    expect(p.locator("#err-title")).to_be_visible()
    p.keyboard.press("Escape")
    expect(p.get_by_role("dialog")).to_have_count(0)

    _new_record(p, title="Hello world", views="12", meta='{"a": 1}')
    _new_record(p, title="Second post", views="3")
    _new_record(p, title="Third post", views="40")
    rows = p.locator("table.data tbody tr")
    expect(rows).to_have_count(3)
    expect(p.get_by_role("status").filter(has_text="3 records")).to_be_visible()

    p.get_by_label("Filter records").fill("views > 10")
    p.get_by_label("Filter records").press("Enter")
    expect(rows).to_have_count(2)
    page.shot("06-records-filtered")
    # plain words search the text fields, case-insensitively, as PocketBase's dashboard does
    p.get_by_label("Filter records").fill("POST")
    p.get_by_label("Filter records").press("Enter")
    expect(rows).to_have_count(2)
    p.get_by_label("Filter records").fill('hello "world')  # a quote in the words is searched for
    p.get_by_label("Filter records").press("Enter")
    expect(p.get_by_text("No records match")).to_be_visible()
    p.get_by_label("Filter records").fill("nope = ")
    p.get_by_label("Filter records").press("Enter")
    expect(p.get_by_text("Invalid filter")).to_be_visible()
    p.get_by_role("button", name="Clear", exact=True).click()
    expect(rows).to_have_count(3)

    p.get_by_role("button", name="views").click()
    expect(rows.first).to_contain_text("Third post")
    p.get_by_role("button", name="views").click()
    expect(rows.first).to_contain_text("Second post")

    # Edit: open the row with the keyboard, change the title, Enter submits.
    rows.filter(has_text="Hello world").focus()
    p.keyboard.press("Enter")
    title = p.get_by_role("dialog").locator("#f-title")
    title.fill("Hello again")
    title.press("Enter")
    expect(rows.filter(has_text="Hello again")).to_have_count(1)
    page.shot("07-records-list", without_toasts=True)

    # Delete one from its dialog, then the rest in bulk.
    rows.filter(has_text="Second post").click()
    p.get_by_role("dialog").get_by_role("button", name="Delete").click()
    p.get_by_role("dialog", name="Delete this record?").get_by_role("button", name="Delete").click()
    expect(rows).to_have_count(2)
    p.get_by_label("Select all on this page").check()
    p.get_by_role("button", name="Delete selected (2)").click()
    page.shot("08-bulk-delete-confirm")
    p.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(p.get_by_text("No records yet")).to_be_visible()

    # Edit the schema: a new field becomes a new column.
    p.get_by_role("button", name="Edit collection").click()
    page.add_field("url", "link")
    p.get_by_role("dialog").get_by_role("button", name="Save changes").click()
    expect(p.get_by_role("dialog")).to_have_count(0)
    _new_record(p, title="With a link", link="https://example.com/a")
    expect(p.get_by_role("columnheader", name="link")).to_be_visible()
    expect(p.locator("table.data tbody tr")).to_contain_text("https://example.com/a")


def test_api_preview_lists_the_endpoints(page: Page) -> None:
    p = page.page
    page.sign_in()
    p.goto(f"{page.base}/_/#/collections/users")
    p.get_by_role("button", name="API preview").click()
    dialog = p.get_by_role("dialog")
    expect(dialog.get_by_text("/api/collections/users/records", exact=True)).to_be_visible()
    dialog.get_by_role("tab", name="Auth with password").click()
    expect(dialog.locator("pre")).to_contain_text('"token"')
    page.shot("09-api-preview")
    # the full reference opens in a new tab on the collection's section, with the superuser's view
    fetched: list[str] = []
    p.context.on(
        "request",
        lambda r: (
            fetched.append(r.headers.get("authorization", ""))
            if r.url.endswith("/api/openapi.json")
            else None
        ),
    )
    with p.context.expect_page() as opened:
        dialog.get_by_role("link", name="Open the full API reference").click()
    docs = opened.value
    docs.on("pageerror", lambda exc: page.problems.append(f"uncaught on /api/docs: {exc}"))
    docs.on(
        "console", lambda m: page.problems.append(m.text) if "Content Security Policy" in m.text else None
    )
    expect(docs.get_by_text("signed in to the dashboard as a superuser")).to_be_visible()
    # deep-linked: the users section is open, its operations listed (Swagger UI renders a large
    # document's sections as they scroll into view, so only what is on screen is checked)
    expect(docs.locator("#operations-tag-users")).to_be_visible()
    expect(
        docs.locator(".opblock-summary-path", has_text="/api/collections/users/records").first
    ).to_be_visible()
    assert fetched and all(fetched), "the document is fetched with the dashboard's superuser token"
    docs.screenshot(path=str(SHOTS / "16-api-reference.png"), full_page=False)
    docs.close()


def test_relation_is_picked_from_the_related_collection(page: Page) -> None:
    p = page.page
    with superuser_client(page.base) as api:
        user = _create(
            api,
            "/api/collections/users/records",
            {
                "email": "owner@example.com",
                "name": "Olive Owner",
                "password": "ownerpass1",
                "passwordConfirm": "ownerpass1",
            },
        )
    page.sign_in()
    dialog = page.new_collection("notes", ("relation", "owner"))
    p.get_by_label("Related collection").select_option(label="users")
    dialog.get_by_role("button", name="Create", exact=True).click()
    expect(p.get_by_role("heading", name="Collections / notes")).to_be_visible()

    p.get_by_role("button", name="+ New record").first.click()
    p.get_by_role("button", name="Choose from users…").click()
    picker = p.get_by_role("dialog", name="Choose from users")
    expect(picker.get_by_text("Olive Owner")).to_be_visible()
    picker.get_by_label(user["id"]).check()
    picker.get_by_role("button", name="Select").click()
    # The chip names the user (no presentable field: PocketBase's fallback, `name` before `email`),
    # with the id as its tooltip, in the form and then in the list.
    form = p.get_by_role("dialog", name="New notes record")
    expect(form.locator(".chip")).to_contain_text("Olive Owner")
    expect(form.locator(".chip")).to_have_attribute("title", user["id"])
    form.get_by_role("button", name="Create", exact=True).click()
    expect(p.locator("table.data tbody tr")).to_have_count(1)
    chip = p.locator("table.data tbody tr .chip")
    expect(chip).to_have_text("Olive Owner")
    expect(chip).to_have_attribute("title", user["id"])


def test_relation_chips_name_records_by_presentable_fields_on_a_phone(phone: Page) -> None:
    """A multi-relation shows three named chips and "+1"; a presentable field wins over a `title`;
    a user without a name falls back to the email, a record with no text field to its id. The row
    opens with the keyboard, a chip is removed with it, and the list follows."""
    p = phone.page
    with superuser_client(phone.base) as api:
        colours = _create(
            api,
            "/api/collections",
            {
                "name": "colours",
                "fields": [
                    {"name": "title", "type": "text"},
                    {"name": "word", "type": "text", "presentable": True},
                ],
            },
        )
        codes = _create(
            api, "/api/collections", {"name": "codes", "fields": [{"name": "n", "type": "number"}]}
        )
        users = api.get("/api/collections/users").json()
        _create(
            api,
            "/api/collections",
            {
                "name": "items",
                "fields": [
                    {"name": "label", "type": "text"},
                    {"name": "colours", "type": "relation", "collectionId": colours["id"], "maxSelect": 10},
                    {"name": "code", "type": "relation", "collectionId": codes["id"], "maxSelect": 1},
                    {"name": "owner", "type": "relation", "collectionId": users["id"], "maxSelect": 1},
                ],
            },
        )
        words = ["red", "green", "blue", "amber"]
        ids = {
            w: _create(api, "/api/collections/colours/records", {"title": f"T-{w}", "word": w})["id"]
            for w in words
        }
        code = _create(api, "/api/collections/codes/records", {"n": 7})
        user = _create(
            api,
            "/api/collections/users/records",
            {
                "email": "nameless@example.com",
                "password": "namelesspass1",
                "passwordConfirm": "namelesspass1",
            },
        )
        _create(
            api,
            "/api/collections/items/records",
            {
                "label": "first",
                "colours": [ids[w] for w in words],
                "code": code["id"],
                "owner": user["id"],
            },
        )
    phone.sign_in()
    asked: list[str] = []
    p.on("request", lambda r: asked.append(r.url) if "/items/records" in r.url else None)
    p.goto(f"{phone.base}/_/#/collections/items")
    row = p.locator("table.data tbody tr")
    expect(row).to_have_count(1)
    for w in words[:3]:
        expect(row.locator(f".chip[data-id='{ids[w]}']")).to_have_text(w)
        expect(row.locator(f".chip[data-id='{ids[w]}']")).to_have_attribute("title", ids[w])
    expect(row.locator(".chip-more")).to_have_text("+1")
    expect(row.locator(".chip-more")).to_have_attribute("title", "amber")
    expect(row.locator(f".chip[data-id='{code['id']}']")).to_have_text(code["id"])
    expect(row.locator(f".chip[data-id='{user['id']}']")).to_have_text("nameless@example.com")
    assert len(asked) == 1 and "expand=colours%2Ccode%2Cowner" in asked[0], asked
    p.set_viewport_size({"width": 1280, "height": 330})  # the docs' picture, at a desktop width
    phone.shot("30-relation-chips")
    p.set_viewport_size({"width": 375, "height": 740})

    row.focus()
    p.keyboard.press("Enter")
    form = p.get_by_role("dialog", name="Edit items record")
    expect(form.locator(".chip")).to_have_count(6)
    expect(form.locator(f".chip[data-id='{ids['amber']}']")).to_contain_text("amber")
    expect(form.locator(f".chip[data-id='{user['id']}']")).to_contain_text("nameless@example.com")
    for w in ("red", "green"):
        form.get_by_role("button", name=f"Remove {w}").focus()
        p.keyboard.press("Enter")
    expect(form.locator(".chip")).to_have_count(4)
    # red back through the picker: the new chip is named, the kept ones keep their names
    form.get_by_role("button", name="Choose from colours…").click()
    picker = p.get_by_role("dialog", name="Choose from colours")
    picker.get_by_label(ids["red"]).check()
    picker.get_by_role("button", name="Select").click()
    expect(form.locator(".chip-text")).to_have_text(
        ["blue", "amber", "red", code["id"], "nameless@example.com"]
    )
    form.get_by_role("button", name="Save changes").click()
    expect(p.get_by_role("dialog")).to_have_count(0)
    expect(row.locator(".chip-more")).to_have_count(0)
    expect(row.locator(".chip-text")).to_have_text(
        ["blue", "amber", "red", code["id"], "nameless@example.com"]
    )
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll


def test_auth_collection_from_the_scaffold_with_keyboard_tabs(page: Page) -> None:
    p = page.page
    page.sign_in()
    dialog = page.new_collection("members")
    dialog.get_by_label("Type", exact=True).select_option("auth")
    expect(dialog.locator(".field-card .badge", has_text="Email")).to_have_count(1)  # scaffolded
    dialog.get_by_role("tab", name="Fields").focus()
    p.keyboard.press("ArrowRight")
    expect(dialog.get_by_role("tab", name="API rules")).to_be_focused()
    expect(dialog.get_by_label("Manage other users rule")).to_be_visible()
    p.keyboard.press("ArrowRight")
    p.keyboard.press("ArrowRight")
    expect(dialog.get_by_role("tab", name="Auth options")).to_have_attribute("aria-selected", "true")
    dialog.get_by_label("Auth token", exact=True).fill("3600")
    dialog.get_by_role("button", name="Create", exact=True).click()
    expect(p.get_by_role("heading", name="Collections / members")).to_be_visible()
    token = httpx.post(
        f"{page.base}/api/collections/_superusers/auth-with-password",
        json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
    ).json()["token"]
    saved = httpx.get(f"{page.base}/api/collections/members", headers={"Authorization": token}).json()
    assert saved["type"] == "auth" and saved["authToken"]["duration"] == 3600
    assert all("ON `members`" in sql for sql in saved["indexes"])


def test_plain_words_use_the_full_text_index_when_the_collection_has_one(page: Page) -> None:
    p = page.page
    token = httpx.post(
        f"{page.base}/api/collections/_superusers/auth-with-password",
        json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
    ).json()["token"]
    headers = {"Authorization": token}
    created = httpx.post(
        f"{page.base}/api/collections",
        headers=headers,
        json={
            "name": "articles",
            "fields": [{"name": "title", "type": "text"}, {"name": "body", "type": "text"}],
            "search": {"fields": ["title", "body"]},
        },
    )
    assert created.status_code == 200, created.text
    for title, body in [("Hello world", "first"), ("World news", "hello again"), ("Other", "nothing")]:
        r = httpx.post(
            f"{page.base}/api/collections/articles/records",
            headers=headers,
            json={"title": title, "body": body},
        )
        assert r.status_code == 200, r.text
    page.sign_in()
    p.goto(f"{page.base}/_/#/collections/articles")
    rows = p.locator("table.data tbody tr")
    expect(rows).to_have_count(3)
    asked: list[str] = []
    p.on("request", lambda r: asked.append(r.url) if "/records?" in r.url else None)
    # every word, in any order and any field: "contains" over one field would find neither
    p.get_by_label("Filter records").fill("world hello")
    p.get_by_label("Filter records").press("Enter")
    expect(rows).to_have_count(2)
    assert any("search=world+hello" in url for url in asked), asked
    p.get_by_label("Filter records").fill("wor*")  # a prefix
    p.get_by_label("Filter records").press("Enter")
    expect(rows).to_have_count(2)
    # a filter still goes as a filter
    p.get_by_label("Filter records").fill('title = "Other"')
    p.get_by_label("Filter records").press("Enter")
    expect(rows).to_have_count(1)
