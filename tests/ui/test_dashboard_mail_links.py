"""The links in users' mails open pages of their own in the dashboard (not the superuser sign-in):
a real SMTP server catches each mail, and the browser follows the link in it."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, importorskip_or_fail
from tests.ui.conftest import Page

importorskip_or_fail("aiosmtpd", "aiosmtpd (the test SMTP server) is not installed")
from tests.support.smtp_server import SmtpSink  # noqa: E402

HREF = re.compile(r'href="([^"]*/_/#/auth/[a-z-]+/[^"]+)"')


@pytest.fixture(scope="module")
def mailing(server: str) -> Iterator[tuple[SmtpSink, httpx.Client]]:
    """The SMTP sink, and a client signed in as the superuser, with the server's mail aimed at the
    sink and its application URL at the server (so the mails link to this dashboard)."""
    sink = SmtpSink().start()
    client = httpx.Client(base_url=server, timeout=15)
    login = client.post(
        "/api/collections/_superusers/auth-with-password",
        json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
    )
    client.headers["Authorization"] = login.json()["token"]
    patch = sink.settings_patch()
    patch["meta"]["appURL"] = server
    assert client.patch("/api/settings", json=patch).status_code == 200
    yield sink, client
    client.close()
    sink.stop()


def _user(client: httpx.Client, email: str, password: str = "user-pass-123") -> dict:
    r = client.post(
        "/api/collections/users/records",
        json={"email": email, "password": password, "passwordConfirm": password},
    )
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def _link(sink: SmtpSink, address: str, action: str) -> str:
    """The dashboard link of the latest `action` mail to `address` (mail leaves in a worker thread)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        for mail in reversed(sink.to(address)):
            found = HREF.search(mail.html)
            if found and f"/{action}/" in found.group(1):
                return found.group(1).replace("&amp;", "&")
        time.sleep(0.1)
    raise AssertionError(f"no {action} mail to {address}")


def test_verification_link(page: Page, mailing: tuple[SmtpSink, httpx.Client]):
    sink, client = mailing
    user = _user(client, "verify@example.com")
    # a superuser signed in in the same browser does not change what the link does
    page.sign_in()
    r = client.post("/api/collections/users/request-verification", json={"email": "verify@example.com"})
    assert r.status_code == 204
    link = _link(sink, "verify@example.com", "confirm-verification")
    assert link.startswith(f"{page.base}/_/#/auth/confirm-verification/")
    p = page.page
    p.goto(link)
    expect(p.get_by_role("status")).to_contain_text("Your email address is verified.")
    page.shot("mail-verification-done")
    assert client.get(f"/api/collections/users/records/{user['id']}").json()["verified"] is True
    p.goto(f"{page.base}/_/#/collections")
    expect(p.get_by_role("button", name="Sign out")).to_be_visible()  # still signed in

    p.goto(link[:-6] + "abcdef")  # a link whose token was tampered with
    expect(p.get_by_role("alert")).to_contain_text("invalid or has expired")


def test_password_reset_link(page: Page, mailing: tuple[SmtpSink, httpx.Client]):
    sink, client = mailing
    _user(client, "reset@example.com")
    r = client.post("/api/collections/users/request-password-reset", json={"email": "reset@example.com"})
    assert r.status_code == 204
    p = page.page
    p.goto(_link(sink, "reset@example.com", "confirm-password-reset"))
    expect(p.get_by_role("heading", name="Choose a new password")).to_be_visible()
    expect(p.get_by_text("For reset@example.com.")).to_be_visible()
    p.get_by_label("New password", exact=True).fill("new-pass-4567")
    p.get_by_label("New password confirm").fill("not-the-same")
    p.get_by_role("button", name="Set new password").click()
    expect(p.get_by_role("alert")).to_contain_text("passwordConfirm")
    p.get_by_label("New password confirm").fill("new-pass-4567")
    page.shot("mail-password-reset-form")
    p.get_by_role("button", name="Set new password").click()
    expect(p.get_by_role("status")).to_contain_text("Your password is changed.")
    login = httpx.post(
        f"{page.base}/api/collections/users/auth-with-password",
        json={"identity": "reset@example.com", "password": "new-pass-4567"},
    )
    assert login.status_code == 200, login.text


def test_email_change_link(page: Page, mailing: tuple[SmtpSink, httpx.Client]):
    sink, client = mailing
    _user(client, "old@example.com", "change-pass-123")
    token = httpx.post(
        f"{page.base}/api/collections/users/auth-with-password",
        json={"identity": "old@example.com", "password": "change-pass-123"},
    ).json()["token"]
    r = httpx.post(
        f"{page.base}/api/collections/users/request-email-change",
        headers={"Authorization": token},
        json={"newEmail": "new@example.com"},
    )
    assert r.status_code == 204, r.text
    p = page.page
    p.goto(_link(sink, "new@example.com", "confirm-email-change"))
    expect(p.get_by_text("change your email address to new@example.com")).to_be_visible()
    p.get_by_label("Password").fill("wrong-password")
    p.get_by_role("button", name="Confirm new email").click()
    expect(p.get_by_role("alert")).to_be_visible()
    p.get_by_label("Password").fill("change-pass-123")
    p.get_by_role("button", name="Confirm new email").click()
    expect(p.get_by_role("status")).to_contain_text("Your email address is changed.")
    login = httpx.post(
        f"{page.base}/api/collections/users/auth-with-password",
        json={"identity": "new@example.com", "password": "change-pass-123"},
    )
    assert login.status_code == 200, login.text


def test_the_oauth2_popup_lands_on_a_page_that_says_how_it_went(page: Page):
    """/api/oauth2-redirect sends the popup to the dashboard, as PocketBase's does; a state no
    realtime client waits for is a failure."""
    p = page.page
    p.goto(f"{page.base}/api/oauth2-redirect?state=nobody&code=x")
    expect(p.get_by_role("alert")).to_contain_text("did not complete")
    assert p.url.endswith("/_/#/auth/oauth2-redirect-failure")
    page.shot("oauth2-redirect-failure")
    p.goto(f"{page.base}/_/#/auth/oauth2-redirect-success")
    expect(p.get_by_role("status")).to_contain_text("Signed in.")


def test_superuser_forgotten_password(page: Page, mailing: tuple[SmtpSink, httpx.Client]):
    """From the sign-in page: the reset mail of a superuser (a second one, so the module's stays),
    its link, a new password, and a sign-in with it; an unknown address gets the same answer."""
    sink, client = mailing
    email, old = "second-admin@example.com", "old-admin-pass-1"
    r = client.post(
        "/api/collections/_superusers/records", json={"email": email, "password": old, "passwordConfirm": old}
    )
    assert r.status_code == 200, r.text
    p = page.page
    p.goto(page.app)
    p.get_by_label("Email").fill(email)
    p.get_by_label("Password").fill("not-my-password")
    p.get_by_role("button", name="Sign in").click()
    expect(p.get_by_role("alert")).to_contain_text("bastion superuser upsert EMAIL PASSWORD")

    p.get_by_role("link", name="Forgotten password?").click()
    expect(p.get_by_role("heading", name="Forgotten password")).to_be_visible()
    p.get_by_label("Email").fill("nobody-here@example.com")
    p.get_by_role("button", name="Send reset link").click()
    expect(p.get_by_role("status")).to_contain_text(
        "If the email belongs to a superuser, a reset link is on its way."
    )
    p.get_by_role("link", name="Back to sign-in").click()
    p.get_by_role("link", name="Forgotten password?").click()
    p.get_by_label("Email").fill(email)
    p.get_by_role("button", name="Send reset link").click()
    expect(p.get_by_role("status")).to_contain_text(
        "If the email belongs to a superuser, a reset link is on its way."
    )
    page.shot("superuser-reset-requested")

    link = _link(sink, email, "confirm-password-reset")
    p.goto(link)
    expect(p.get_by_text(f"For {email}.")).to_be_visible()
    p.get_by_label("New password", exact=True).fill("new-admin-pass-2")
    p.get_by_label("New password confirm").fill("new-admin-pass-2")
    p.get_by_role("button", name="Set new password").click()
    expect(p.get_by_role("status")).to_contain_text("Your password is changed.")
    p.get_by_role("link", name="Go to sign-in").click()
    p.get_by_label("Email").fill(email)
    p.get_by_label("Password").fill(old)
    p.get_by_role("button", name="Sign in").click()
    expect(p.get_by_role("alert")).to_contain_text("Wrong email or password.")
    p.get_by_label("Password").fill("new-admin-pass-2")
    p.get_by_role("button", name="Sign in").click()
    expect(p.get_by_role("button", name="Sign out")).to_be_visible()
    assert sink.to("nobody-here@example.com") == []
