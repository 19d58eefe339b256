"""Signing in and out of the dashboard, and what /_/ serves to a browser."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import SUPERUSER_EMAIL
from tests.ui.conftest import Page


def test_sign_in_survives_reload_and_sign_out_ends_it(page: Page) -> None:
    p = page.page
    p.goto(f"{page.base}/_/")
    p.get_by_label("Email").fill(SUPERUSER_EMAIL)
    p.get_by_label("Password").fill("not-the-password")
    p.get_by_role("button", name="Sign in").click()
    expect(p.get_by_role("alert")).to_have_text(
        "Wrong email or password. On a new server, open the installer link `bastion serve` printed,"
        " or run `bastion superuser upsert EMAIL PASSWORD`."
    )
    page.shot("01-sign-in-error")

    page.sign_in()
    expect(p.get_by_text(SUPERUSER_EMAIL)).to_be_visible()
    p.reload()
    expect(p.get_by_role("button", name="Sign out")).to_be_visible()

    p.get_by_role("button", name="Sign out").click()
    expect(p.get_by_role("button", name="Sign in")).to_be_visible()
    p.reload()
    expect(p.get_by_role("button", name="Sign in")).to_be_visible()


def test_deep_link_after_reload_and_phone_menu(phone: Page) -> None:
    p = phone.page
    phone.sign_in()
    p.goto(f"{phone.base}/_/#/settings/batch")
    p.reload()
    expect(p.get_by_role("heading", name="Batch API")).to_be_visible()
    sidebar = p.locator("#sidebar")
    expect(sidebar).not_to_be_in_viewport()
    p.get_by_role("button", name="Menu").click()
    expect(sidebar).to_be_in_viewport()
    phone.shot("02-phone-menu")
    p.keyboard.press("Escape")
    expect(sidebar).not_to_be_in_viewport()
    p.goto(f"{phone.base}/_/#/collections/users")
    expect(p.get_by_role("heading", name="Collections / users")).to_be_visible()
    phone.shot("02-phone-records")
