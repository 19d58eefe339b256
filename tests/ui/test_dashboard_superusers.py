"""Settings › Trusted proxy, Superuser IPs and Superusers through the dashboard (issue 19)."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD
from tests.ui.conftest import Page


def _su_token(base: str, email: str = SUPERUSER_EMAIL, password: str = SUPERUSER_PASSWORD) -> httpx.Response:
    return httpx.post(
        f"{base}/api/collections/_superusers/auth-with-password",
        json={"identity": email, "password": password},
    )


def _settings(base: str) -> dict:
    token = _su_token(base).json()["token"]
    return httpx.get(f"{base}/api/settings", headers={"Authorization": token}).json()


def test_trusted_proxy_and_superuser_ips(page: Page) -> None:
    p = page.page
    page.sign_in()
    p.goto(f"{page.app}#/settings/proxy")
    p.get_by_label("Client IP headers").fill("X-Forwarded-For,\nX-Real-IP")
    p.get_by_text("Use the leftmost address").click()
    p.get_by_role("button", name="Save changes").click()
    expect(p.get_by_text("Settings saved.")).to_be_visible()
    proxy = _settings(page.base)["trustedProxy"]
    assert proxy == {"headers": ["X-Forwarded-For", "X-Real-IP"], "useLeftmostIP": True}
    p.reload()
    expect(p.get_by_label("Client IP headers")).to_have_value("X-Forwarded-For\nX-Real-IP")
    # back to no proxy: the test server is reached directly
    p.get_by_label("Client IP headers").fill("")
    p.get_by_role("button", name="Save changes").click()
    expect(p.get_by_text("Settings saved.")).to_be_visible()
    assert _settings(page.base)["trustedProxy"]["headers"] == []

    p.get_by_role("link", name="Superuser IPs").click()
    expect(p.get_by_text("The server sees your address as 127.0.0.1.")).to_be_visible()
    ips = p.get_by_label("Allowed addresses")
    ips.fill("127.0.0.1, not-an-ip")
    p.get_by_role("button", name="Save changes").click()
    p.get_by_role("dialog").get_by_role("button", name="Save and restrict").click()
    expect(p.locator("#s-superuser-ips-err")).to_contain_text("Item 2: Invalid IP or CIDR subnet.")
    ips.fill("127.0.0.1")
    p.get_by_role("button", name="Save changes").click()
    dialog = p.get_by_role("dialog")
    expect(dialog).to_contain_text("only 127.0.0.1 may act as a superuser")
    page.shot("12-settings-superuser-ips")
    dialog.get_by_role("button", name="Save and restrict").click()
    expect(p.get_by_text("Settings saved.")).to_be_visible()
    assert _settings(page.base)["superuserIPs"] == ["127.0.0.1"]
    expect(p.locator("#s-superuser-ips-err")).to_be_hidden()
    ips.fill("")
    p.get_by_role("button", name="Save changes").click()  # an empty list needs no confirmation
    expect(p.get_by_text("Settings saved.")).to_be_visible()
    assert _settings(page.base)["superuserIPs"] == []


def test_superusers_add_change_password_delete(page: Page) -> None:
    p = page.page
    page.sign_in()
    p.goto(f"{page.app}#/settings/superusers")
    table = p.get_by_role("table", name="Superusers")
    me = table.locator("tr").filter(has_text=SUPERUSER_EMAIL)
    expect(me.locator(".badge")).to_have_text("you")

    p.get_by_role("button", name="+ Add superuser").click()
    dialog = p.get_by_role("dialog")
    dialog.get_by_label("Email").fill("ops@example.com")
    dialog.get_by_label("Password", exact=True).fill("opspass1234")
    dialog.get_by_label("Confirm password").fill("opspass9999")
    dialog.get_by_label("Confirm password").press("Enter")
    expect(dialog.locator(".form-error")).to_contain_text("passwordConfirm")
    dialog.get_by_label("Confirm password").fill("opspass1234")
    dialog.get_by_role("button", name="Create").click()
    ops = table.locator("tr").filter(has_text="ops@example.com")
    expect(ops).to_have_count(1)
    expect(ops.locator(".badge")).to_have_count(0)
    assert _su_token(page.base, "ops@example.com", "opspass1234").status_code == 200

    ops.get_by_role("button", name="Change password of ops@example.com").click()
    dialog = p.get_by_role("dialog")
    dialog.get_by_label("Password", exact=True).fill("newpass5678")
    dialog.get_by_label("Confirm password").fill("newpass5678")
    dialog.get_by_role("button", name="Change password").click()
    expect(p.get_by_text("Password of ops@example.com changed.")).to_be_visible()
    page.shot("13-settings-superusers", without_toasts=True)
    assert _su_token(page.base, "ops@example.com", "newpass5678").status_code == 200
    assert _su_token(page.base, "ops@example.com", "opspass1234").status_code == 400

    ops.get_by_role("button", name="Delete ops@example.com").click()
    p.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(ops).to_have_count(0)
    assert _su_token(page.base, "ops@example.com", "newpass5678").status_code == 400

    # the only superuser left: its Delete button is disabled (Bastion's API would not refuse)
    expect(me.get_by_role("button", name=f"Delete {SUPERUSER_EMAIL}")).to_be_disabled()


def test_superusers_on_a_phone(phone: Page) -> None:
    p = phone.page
    phone.sign_in()
    p.goto(f"{phone.app}#/settings/superusers")
    expect(p.get_by_role("table", name="Superusers").locator(".badge")).to_have_text("you")
    p.get_by_role("button", name="+ Add superuser").click()
    dialog = p.get_by_role("dialog")
    expect(dialog.get_by_label("Email")).to_be_focused()
    p.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
