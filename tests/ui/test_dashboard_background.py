"""The dashboard's background-work pages against a real server and a real webhook receiver:
webhooks (create, secret, send test, deliveries, redeliver, pause, delete), jobs (counts, a dead
job's error, retry, refreshing by themselves) and crons (run now).

The server under test may deliver to 127.0.0.1 (BASTION_WEBHOOKS_ALLOW_PRIVATE) and makes one
attempt per delivery (BASTION_WEBHOOKS_MAX_ATTEMPTS=1), so a receiver answering 500 leaves a
dead job at once.
"""

from __future__ import annotations

import base64
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD
from tests.support.serve_process import BASTION, start_serve
from tests.support.webhook_receiver import WebhookReceiver
from tests.ui.conftest import Page, superuser_client

SECRET = "whsec_" + base64.b64encode(b"a fixed secret of 24 byte").decode()[:32]
# No access log: the pages poll, and start_serve's stderr pipe, read only once the server exits,
# would fill up with a line per request and block the server.
SERVER_ENV = {
    "BASTION_WEBHOOKS_ALLOW_PRIVATE": "1",
    "BASTION_WEBHOOKS_MAX_ATTEMPTS": "1",
    "BASTION_LOG_ACCESS": "off",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("ui-background") / "data"
    subprocess.run(
        [BASTION, "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", str(data)],
        check=True,
        capture_output=True,
    )
    proc, base = start_serve(data, env=SERVER_ENV)
    yield base
    proc.terminate()
    proc.communicate(timeout=20)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    hook = WebhookReceiver().start()
    yield hook
    hook.stop()


def create(client: httpx.Client, url: str, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post(url, json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def refresh_until(page: Page, locator: Any, refresh: Any) -> None:
    """Click `refresh` until `locator` shows (background work lands a moment later; bounded)."""
    for _ in range(40):
        if locator.count():
            break
        page.page.wait_for_timeout(250)
        refresh.click()
    expect(locator.first).to_be_visible()


def test_a_webhook_is_created_tested_and_its_delivery_redelivered(
    page: Page, receiver: WebhookReceiver
) -> None:
    p = page.page
    with superuser_client(page.base) as client:
        create(client, "/api/collections", {"name": "notes", "fields": [{"name": "text", "type": "text"}]})
    p.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.sign_in()
    p.get_by_role("link", name="Webhooks", exact=True).click()
    expect(p.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
    expect(p.get_by_text("No webhooks")).to_be_visible()

    p.get_by_role("button", name="+ New webhook").first.click()
    form = p.get_by_role("dialog")
    form.get_by_label("Name").fill("notes to the receiver")
    form.get_by_label("URL").fill(receiver.url)
    form.get_by_label("notes").check()
    form.get_by_label("Created").check()
    expect(form.get_by_label("Active")).to_be_checked()
    page.shot("20-webhook-editor")
    form.get_by_role("button", name="Create", exact=True).click()
    expect(p.get_by_role("dialog")).to_have_count(0)
    row = p.locator("table.data tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(receiver.url)
    expect(row).to_contain_text("notes")
    expect(row).to_contain_text("Active")

    row.get_by_role("link", name="notes to the receiver").click()
    secret = p.get_by_label("Signing secret")
    expect(secret).to_have_value(re.compile(r"^whsec_"))
    receiver.secret = secret.input_value()
    p.get_by_role("button", name="Copy").click()
    expect(p.get_by_role("status").filter(has_text="Secret copied.")).to_be_visible()
    assert p.evaluate("navigator.clipboard.readText()") == receiver.secret

    p.get_by_role("button", name="Send test").click()
    expect(p.get_by_role("status").filter(has_text="Test event delivered")).to_contain_text("answered 200")
    (test_event,) = receiver.wait_for(1)
    assert (test_event.type, test_event.verified) == ("webhook.test", True)
    deliveries = p.get_by_role("table", name="Deliveries").locator("tbody tr")
    expect(deliveries.filter(has_text="webhook.test")).to_contain_text("Delivered")

    with superuser_client(page.base) as client:
        create(client, "/api/collections/notes/records", {"text": "hello"})
    created = deliveries.filter(has_text="record.created")
    expect(created).to_be_visible(timeout=30_000)  # the deliveries refresh by themselves
    expect(created).to_contain_text("200")
    expect(created).to_contain_text("Delivered")
    page.shot("21-webhook-deliveries", without_toasts=True)

    created.get_by_role("button", name="Redeliver").click()
    expect(p.get_by_role("status").filter(has_text="queued for delivery again")).to_be_visible()
    first, again = receiver.wait_for(3)[1:3]
    assert (first.type, again.type) == ("record.created", "record.created")
    assert again.webhook_id == first.webhook_id and again.verified
    assert again.record["text"] == "hello"

    p.get_by_role("button", name="Edit").click()
    form = p.get_by_role("dialog")
    expect(form.get_by_label("notes")).to_be_checked()
    form.get_by_label("Updated").check()
    form.get_by_label("Active").uncheck()
    form.get_by_role("button", name="Save", exact=True).click()
    expect(p.get_by_role("region", name="Webhook")).to_contain_text("No (paused)")
    expect(p.get_by_role("region", name="Webhook")).to_contain_text("create, update")
    p.get_by_role("link", name="Webhooks", exact=True).first.click()
    expect(p.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
    expect(p.locator("table.data tbody tr")).to_contain_text("Paused")


def test_a_webhook_is_paused_resumed_and_deleted(page: Page, receiver: WebhookReceiver) -> None:
    p = page.page
    with superuser_client(page.base) as client:
        hook = create(
            client,
            "/api/collections/_webhooks/records",
            {"name": "short-lived", "url": receiver.url, "active": True},
        )
        url = f"/api/collections/_webhooks/records/{hook['id']}"
        page.sign_in()
        p.get_by_role("link", name="Webhooks", exact=True).click()
        p.get_by_role("link", name="short-lived").click()
        settings = p.get_by_role("region", name="Webhook")
        expect(settings).to_contain_text("Yes")

        p.get_by_role("button", name="Pause").click()
        expect(settings).to_contain_text("No (paused)")
        assert client.get(url).json()["active"] is False
        p.reload()  # what the page shows is what the server kept
        expect(settings).to_contain_text("No (paused)")
        p.get_by_role("button", name="Resume").click()
        expect(p.get_by_role("button", name="Pause")).to_be_visible()
        assert client.get(url).json()["active"] is True

        p.get_by_role("link", name="Webhooks", exact=True).first.click()
        row = p.locator("table.data tbody tr").filter(has_text="short-lived")
        row.get_by_role("button", name="Edit short-lived").click()
        editor = p.get_by_role("dialog", name="Edit webhook short-lived")
        editor.get_by_role("button", name="Delete").click()
        confirm = p.get_by_role("dialog", name="Delete this webhook?")
        expect(confirm).to_contain_text("short-lived")
        p.keyboard.press("Escape")  # cancels: nothing is deleted, the editor stays open
        expect(confirm).to_have_count(0)
        expect(editor).to_be_visible()
        assert client.get(url).status_code == 200

        editor.get_by_role("button", name="Delete").click()
        expect(confirm.get_by_role("button", name="Delete")).to_be_focused()
        p.keyboard.press("Enter")
        expect(p.get_by_role("dialog")).to_have_count(0)
        expect(p.get_by_role("status").filter(has_text="Webhook deleted.")).to_be_visible()
        expect(row).to_have_count(0)
        assert client.get(url).status_code == 404


def test_the_jobs_page_shows_new_work_by_itself_and_stops_asking_once_left(page: Page) -> None:
    p = page.page
    failing = WebhookReceiver(SECRET, status=500).start()
    try:
        with superuser_client(page.base) as client:
            create(
                client, "/api/collections", {"name": "chores", "fields": [{"name": "title", "type": "text"}]}
            )
            page.sign_in()
            p.get_by_role("link", name="Jobs").click()
            dead_count = p.get_by_role("list", name="Jobs per status").get_by_role("button", name="Dead")
            dead_count.click()
            rows = p.locator("table.data tbody tr")
            expect(p.get_by_text("No dead job.").or_(rows.first)).to_be_visible()
            before = int(dead_count.locator(".count").inner_text())
            expect(rows).to_have_count(before)
            expect(p.get_by_text(re.compile(r"^Updated "))).to_be_visible()
            p.evaluate("window.sameDocument = true")  # gone if the page were reloaded

            # a delivery the receiver refuses: with one attempt allowed, a dead job at once
            create(
                client,
                "/api/collections/_webhooks/records",
                {
                    "name": "refused",
                    "url": failing.url,
                    "collections": ["chores"],
                    "active": True,
                    "secret": SECRET,
                },
            )
            create(client, "/api/collections/chores/records", {"title": "sweep"})
        failing.wait_for(1)
        expect(dead_count.locator(".count")).to_have_text(str(before + 1), timeout=30_000)
        expect(rows).to_have_count(before + 1)
        expect(rows.filter(has_text="webhook.deliver").first).to_contain_text("HTTP 500")
        assert p.evaluate("window.sameDocument") is True

        p.get_by_role("link", name="Crons").click()
        expect(p.get_by_role("heading", name="Crons", exact=True)).to_be_visible()
        asked: list[str] = []
        p.on("request", lambda request: asked.append(request.url) if "/api/jobs" in request.url else None)
        p.wait_for_timeout(8_000)  # longer than the 5 s between two refreshes
        assert asked == []

        # no dead job left behind for the other tests' counts: the receiver is fixed, the job retried
        failing.status = 200
        with superuser_client(page.base) as client:
            (newest, *_) = client.get("/api/jobs", params={"status": "dead"}).json()["items"]
            client.post(f"/api/jobs/{newest['id']}/retry").raise_for_status()
        assert failing.wait_for(2)[1].answered == 200
    finally:
        failing.stop()


def test_a_dead_job_shows_its_error_and_is_retried(page: Page) -> None:
    p = page.page
    failing = WebhookReceiver(SECRET, status=500).start()
    try:
        with superuser_client(page.base) as client:
            create(
                client, "/api/collections", {"name": "tasks", "fields": [{"name": "title", "type": "text"}]}
            )
            create(
                client,
                "/api/collections/_webhooks/records",
                {
                    "name": "failing",
                    "url": failing.url,
                    "collections": ["tasks"],
                    "active": True,
                    "secret": SECRET,
                },
            )
            create(client, "/api/collections/tasks/records", {"title": "do it"})
        failing.wait_for(1)
        page.sign_in()
        p.get_by_role("link", name="Jobs").click()
        expect(p.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()
        counts = p.get_by_role("list", name="Jobs per status")
        dead_count = counts.get_by_role("button", name="Dead")
        refresh_until(page, dead_count.filter(has_text="1"), p.get_by_role("button", name="Refresh"))

        dead_count.click()
        expect(dead_count).to_have_attribute("aria-pressed", "true")
        expect(p.get_by_label("Filter by status")).to_have_value("dead")
        row = p.locator("table.data tbody tr").filter(has_text="webhook.deliver")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("HTTP 500")
        page.shot("22-jobs-dead")

        row.get_by_role("button", name="Details of webhook.deliver job").click()
        details = p.get_by_role("dialog")
        expect(details.get_by_role("alert")).to_contain_text("HTTP 500")
        expect(details).to_contain_text('"webhook"')
        expect(details).not_to_contain_text("do it")  # the record stays out of the listing
        page.shot("23-job-details")

        failing.status = 200  # the receiver is fixed: a retry delivers
        details.get_by_role("button", name="Retry").click()
        expect(p.get_by_role("status").filter(has_text="The job was queued again.")).to_be_visible()
        assert failing.wait_for(2)[1].answered == 200
        p.get_by_label("Filter by status").select_option("done")
        done = p.locator("table.data tbody tr").filter(has_text="webhook.deliver")
        refresh_until(page, done, p.get_by_role("button", name="Refresh"))
        expect(done.first).to_contain_text("done")
        expect(counts.get_by_role("button", name="Dead")).to_contain_text("0")

        p.get_by_role("link", name="Webhooks", exact=True).click()
        p.get_by_role("link", name="failing").click()
        attempts = p.get_by_role("table", name="Deliveries").locator("tbody tr")
        expect(attempts.filter(has_text="Not delivered")).to_contain_text("HTTP 500")
        expect(attempts.filter(has_text="Delivered").filter(has_not_text="Not delivered")).to_contain_text(
            "200"
        )
    finally:
        failing.stop()


def test_a_cron_is_listed_and_run_now(page: Page) -> None:
    p = page.page
    page.sign_in()
    p.get_by_role("link", name="Crons").click()
    expect(p.get_by_role("heading", name="Crons", exact=True)).to_be_visible()
    row = p.locator("table.data tbody tr").filter(has_text="__pbLogsCleanup__")
    expect(row).to_contain_text("0 */6 * * *")
    expect(p.locator("table.data tbody tr")).to_have_count(4)
    row.get_by_role("button", name="Run __pbLogsCleanup__ now").click()
    expect(
        p.get_by_role("status").filter(has_text="__pbLogsCleanup__ was queued to run now.")
    ).to_be_visible()
    page.shot("24-crons")

    p.get_by_role("link", name="Jobs").click()
    ran = p.locator("table.data tbody tr").filter(has_text="cron:__pbLogsCleanup__")
    refresh_until(page, ran.filter(has_text="done"), p.get_by_role("button", name="Refresh"))


def test_the_overview_shows_live_numbers_from_the_metrics(page: Page) -> None:
    p = page.page
    page.sign_in()
    p.get_by_role("link", name="Overview").click()
    expect(p.get_by_role("heading", name="Overview", exact=True)).to_be_visible()
    cards = p.get_by_role("list", name="Live numbers")
    # the dashboard's own requests are traffic: after the second reading (a second in) there is a rate
    expect(cards.locator("[data-metric=rps] .overview-value")).to_have_text(re.compile(r"^[0-9][0-9.,]*$"))
    expect(cards.locator("[data-metric=p95] .overview-value")).to_have_text(re.compile(r"^(≤ \d+ (ms|s)|–)$"))
    expect(cards.locator("[data-metric=memory] .overview-value")).to_have_text(re.compile(r"^[1-9]\d* MB$"))
    expect(cards.locator("[data-metric=errors] .overview-value")).to_have_text("0")
    expect(cards.locator("[data-metric=memory] svg polyline")).to_have_count(1)
    with superuser_client(page.base) as client:
        create(client, "/api/collections", {"name": "seen", "fields": [{"name": "x", "type": "text"}]})
        for n in range(30):
            create(client, "/api/collections/seen/records", {"x": str(n)})
    # the next reading counts the 31 requests (and the dashboard's): the rate line has points
    expect(cards.locator("[data-metric=rps] svg polyline")).to_have_count(1, timeout=15_000)
    page.shot("25-overview")


def test_the_jobs_page_on_a_phone(phone: Page) -> None:
    p = phone.page
    phone.sign_in()
    p.get_by_role("button", name="Menu").click()
    p.get_by_role("link", name="Jobs").click()
    expect(p.locator("#sidebar")).not_to_be_in_viewport()
    counts = p.get_by_role("list", name="Jobs per status")
    for label in ("Dead", "Failed", "Queued", "Running", "Done"):
        expect(counts.get_by_role("button", name=label)).to_be_in_viewport()
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    phone.shot("25-phone-jobs")
