"""Users of an auth collection (create, mails, impersonate) and the settings pages, through the
dashboard, with a real SMTP server catching the mails."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import importorskip_or_fail
from tests.ui.conftest import Page, superuser_token

importorskip_or_fail("aiosmtpd", "aiosmtpd (the test SMTP server) is not installed")
from tests.support.smtp_server import SmtpSink  # noqa: E402


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def _wait_for_mail(smtp: SmtpSink, address: str) -> None:
    # Mail is sent after the answer, in a worker thread: poll the sink for a while.
    for _ in range(100):
        if smtp.to(address):
            return
        time.sleep(0.1)
    raise AssertionError(f"no mail to {address}")


def test_settings_smtp_with_test_mail_and_application_name(page: Page, smtp: SmtpSink) -> None:
    p = page.page
    page.sign_in()
    p.get_by_role("link", name="Settings").click()
    p.get_by_label("Application name").fill("Acme Admin")
    p.get_by_role("button", name="Save changes").click()
    expect(p.get_by_text("Settings saved.")).to_be_visible()
    p.reload()
    expect(p.get_by_label("Application name")).to_have_value("Acme Admin")

    p.get_by_role("link", name="Mail").click()
    p.get_by_label("Sender address").fill("support@acme.test")
    p.get_by_text("Send mail through an SMTP server").click()
    p.get_by_label("SMTP host").fill(smtp.host)
    p.get_by_label("Port").fill(str(smtp.port))
    p.get_by_role("button", name="Save changes").click()
    expect(p.get_by_text("Settings saved.")).to_be_visible()
    page.shot("10-settings-mail")
    p.get_by_role("button", name="Send test email").click()
    p.get_by_label("Recipient").fill("inbox@example.com")
    p.get_by_label("Recipient").press("Enter")
    expect(p.get_by_text("Test email sent to inbox@example.com.")).to_be_visible()
    _wait_for_mail(smtp, "inbox@example.com")

    p.get_by_role("link", name="Rate limits").click()
    p.get_by_role("button", name="+ Add rule").click()
    p.get_by_label("Rule 5 label").fill("/api/collections/posts/records")
    p.get_by_label("Rule 5 max requests").fill("7")
    p.get_by_role("button", name="Save changes").click()
    expect(p.get_by_text("Settings saved.")).to_be_visible()
    settings = httpx.get(
        f"{page.base}/api/settings", headers={"Authorization": superuser_token(page.base)}
    ).json()
    assert settings["meta"]["appName"] == "Acme Admin"
    assert settings["smtp"]["enabled"] is True and settings["smtp"]["port"] == smtp.port
    assert {"label": "/api/collections/posts/records", "audience": "", "duration": 10, "maxRequests": 7} in (
        settings["rateLimits"]["rules"]
    )

    p.get_by_role("link", name="File storage").click()
    p.get_by_text("Store uploaded files in S3-compatible storage").click()
    for label, value in (("Endpoint", "http://127.0.0.1:9000"), ("Bucket", "files"), ("Region", "us-east-1")):
        p.get_by_label(label, exact=True).fill(value)
    p.get_by_label("Access key").fill("key")
    p.get_by_label("Secret").fill("s3cret")
    p.get_by_role("button", name="Save changes").click()
    expect(p.get_by_text("Settings saved.")).to_be_visible()
    p.get_by_role("link", name="Batch API").click()
    p.get_by_text("Enable the batch API").click()
    p.get_by_label("Max requests per batch").fill("25")
    p.get_by_role("button", name="Save changes").click()
    expect(p.get_by_text("Settings saved.")).to_be_visible()
    settings = httpx.get(
        f"{page.base}/api/settings", headers={"Authorization": superuser_token(page.base)}
    ).json()
    assert settings["s3"]["enabled"] is True and settings["s3"]["bucket"] == "files"
    assert "secret" not in settings["s3"]  # masked on the way out, kept on the server
    assert settings["batch"]["enabled"] is True and settings["batch"]["maxRequests"] == 25

    p.get_by_role("link", name="Token durations").click()
    p.locator("#tok-users-authToken").fill("7200")
    p.get_by_role("button", name="Save changes").click()
    expect(p.get_by_text("Token durations saved.")).to_be_visible()
    users = httpx.get(
        f"{page.base}/api/collections/users", headers={"Authorization": superuser_token(page.base)}
    ).json()
    assert users["authToken"]["duration"] == 7200


def test_users_create_verify_reset_and_impersonate(page: Page, smtp: SmtpSink) -> None:
    p = page.page
    r = httpx.patch(
        f"{page.base}/api/settings",
        json=smtp.settings_patch(),
        headers={"Authorization": superuser_token(page.base)},
    )
    assert r.status_code == 200, r.text
    page.sign_in()
    p.get_by_role("navigation", name="Collections").get_by_role("link", name="users auth", exact=True).click()
    p.get_by_role("button", name="+ New record").first.click()
    dialog = p.get_by_role("dialog")
    dialog.locator("#f-email").fill("jane@example.com")
    dialog.locator("#f-name").fill("Jane")
    dialog.locator("#f-password").fill("janepass123")
    dialog.locator("#f-passwordConfirm").fill("janepass124")
    dialog.get_by_role("button", name="Create").click()
    expect(dialog.locator("#err-passwordConfirm")).to_be_visible()
    dialog.locator("#f-passwordConfirm").fill("janepass123")
    dialog.get_by_role("button", name="Create").click()
    row = p.locator("table.data tbody tr").filter(has_text="jane@example.com")
    expect(row).to_have_count(1)

    row.click()
    dialog = p.get_by_role("dialog")
    expect(dialog.get_by_text("not verified")).to_be_visible()
    dialog.get_by_role("button", name="Send password reset email").click()
    expect(p.get_by_text("Password reset email sent.")).to_be_visible()
    _wait_for_mail(smtp, "jane@example.com")

    dialog.get_by_role("button", name="Impersonate").click()
    token = dialog.get_by_label("Impersonation token").input_value()
    page.shot("11-user-impersonate")
    rec_id = row.get_attribute("data-id")
    r = httpx.get(f"{page.base}/api/collections/users/records/{rec_id}", headers={"Authorization": token})
    assert r.status_code == 200 and r.json()["email"] == "jane@example.com"

    dialog.get_by_text("verified", exact=True).click()
    dialog.get_by_role("button", name="Save changes").click()
    expect(p.get_by_role("dialog")).to_have_count(0)
    row.click()
    expect(p.get_by_role("dialog").get_by_text("not verified")).to_have_count(0)
