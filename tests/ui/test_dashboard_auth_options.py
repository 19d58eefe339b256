"""An auth collection's options through the dashboard: OAuth2 providers with their logos and the
stored secret kept, OTP, MFA with its rule checked as it is typed, a mail template (issue 19)."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect

from tests.ui.conftest import Page, superuser_client


def watch_console(page: Page) -> list[str]:
    """Console errors other than the browser's note on an API answer of 4xx (the rule check's)."""
    errors: list[str] = []
    page.page.on(
        "console",
        lambda m: (
            errors.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None
        ),
    )
    return errors


def test_oauth2_provider_otp_mfa_and_a_mail_template(page: Page) -> None:
    p = page.page
    console = watch_console(page)
    page.sign_in()
    p.goto(f"{page.app}#/collections/users")
    p.get_by_role("button", name="Edit collection").click()
    dialog = p.get_by_role("dialog", name="Edit users")

    dialog.get_by_role("tab", name="OAuth2").click()
    dialog.get_by_label("Sign in with OAuth2").check()
    dialog.get_by_role("button", name="+ Add provider").click()
    picker = p.get_by_role("dialog", name="Add an OAuth2 provider")
    expect(picker.locator("svg[data-provider]")).to_have_count(20)  # every provider Bastion knows
    picker.get_by_role("button", name="Google").click()
    form = p.get_by_role("dialog", name="Add Google")
    form.get_by_label("Client ID").fill("google-client-1")
    form.get_by_role("button", name="Done").click()
    expect(form.get_by_role("alert")).to_have_text("The client secret is required.")
    form.get_by_label("Client secret").fill("google-secret-1")
    form.get_by_label("Client secret").press("Enter")
    row = dialog.get_by_role("list", name="OAuth2 providers").get_by_role("listitem")
    expect(row).to_have_count(1)
    expect(row.get_by_role("img", name="Google logo")).to_be_visible()
    expect(row).to_contain_text("new secret")
    dialog.get_by_role("button", name="+ Add provider").click()
    expect(picker.get_by_role("button", name="Google")).to_have_count(0)  # added already
    picker.get_by_role("button", name="GitHub", exact=True).click()
    form = p.get_by_role("dialog", name="Add GitHub")
    form.get_by_label("Client ID").fill("github-client-1")
    form.get_by_label("Client secret").fill("github-secret-1")
    form.get_by_role("button", name="Done").click()
    expect(row).to_have_count(2)
    expect(row.nth(1).get_by_role("img", name="GitHub logo")).to_be_visible()
    dialog.get_by_label("Provider's name").select_option("name")
    page.shot("auth-oauth2")

    dialog.get_by_role("tab", name="Auth options").click()
    dialog.get_by_label("Sign in with a one-time code sent by email").check()
    dialog.get_by_label("Code length").fill("6")
    dialog.get_by_label("Require a second sign-in method (MFA)").check()
    expect(dialog.locator("#mfa-methods-warn")).to_be_hidden()  # password, OTP and OAuth2 are on
    rule = dialog.get_by_label("MFA rule")
    rule.fill("verified = (")
    expect(dialog.locator("#rule-mfa-status")).to_have_class("status bad")
    rule.fill("verified = true")
    expect(dialog.locator("#rule-mfa-status")).to_have_text("Valid syntax.")
    dialog.get_by_label("MFA window (seconds)").fill("300")
    page.shot("auth-options")

    dialog.get_by_role("tab", name="Mail templates").click()
    otp = dialog.locator("details[data-template='otp.emailTemplate']")
    otp.locator("summary").click()
    otp.get_by_label("Subject").fill("Your code for {APP_NAME}")
    otp.get_by_label("Body (HTML)").fill("<p>Your code: ")
    otp.get_by_role("button", name="{OTP}", exact=True).click()
    expect(otp.get_by_label("Body (HTML)")).to_have_value("<p>Your code: {OTP}")
    otp.get_by_label("Body (HTML)").press("End")
    otp.get_by_label("Body (HTML)").type("</p>")
    expect(otp.locator("summary")).to_contain_text("Your code for {APP_NAME}")
    page.shot("auth-mail-templates")
    dialog.get_by_role("button", name="Save changes").click()
    expect(p.get_by_text("Saved users.")).to_be_visible()

    with superuser_client(page.base) as api:
        users = api.get("/api/collections/users").json()
        methods = httpx.get(f"{page.base}/api/collections/users/auth-methods").json()
    provider = users["oauth2"]["providers"][0]
    assert users["oauth2"]["enabled"] is True and provider["name"] == "google"
    assert provider["clientId"] == "google-client-1" and "clientSecret" not in provider
    assert users["oauth2"]["mappedFields"]["name"] == "name"
    assert [m["name"] for m in methods["oauth2"]["providers"]] == ["google", "github"]
    assert users["otp"]["enabled"] is True and users["otp"]["length"] == 6
    assert users["otp"]["emailTemplate"] == {
        "subject": "Your code for {APP_NAME}",
        "body": "<p>Your code: {OTP}</p>",
    }
    assert users["mfa"] == {"enabled": True, "duration": 300, "rule": "verified = true"}

    # Edited again with the secret left empty: the stored one is kept (the server would refuse an
    # enabled provider without a secret); GitHub removed.
    p.get_by_role("button", name="Edit collection").click()
    dialog.get_by_role("tab", name="OAuth2").click()
    expect(row.locator(".badge")).to_have_text(["secret stored", "secret stored"])
    dialog.get_by_role("button", name="Edit Google").click()
    form = p.get_by_role("dialog", name="Edit Google")
    expect(form.get_by_label("Client secret")).to_have_value("")
    form.get_by_label("Client ID").fill("google-client-2")
    form.get_by_role("button", name="Done").click()
    dialog.get_by_role("button", name="Remove GitHub").click()
    expect(row).to_have_count(1)
    dialog.get_by_role("button", name="Save changes").click()
    expect(p.get_by_role("dialog")).to_have_count(0)
    with superuser_client(page.base) as api:
        providers = api.get("/api/collections/users").json()["oauth2"]["providers"]
    assert [(x["name"], x["clientId"]) for x in providers] == [("google", "google-client-2")]
    assert console == []


def test_auth_options_on_a_phone(phone: Page) -> None:
    p = phone.page
    phone.sign_in()
    p.goto(f"{phone.app}#/collections/users")
    p.get_by_role("button", name="Edit collection").click()
    dialog = p.get_by_role("dialog", name="Edit users")
    fits = "d => d.querySelector('.modal-body').scrollWidth <= d.querySelector('.modal-body').clientWidth"
    for tab in ("Auth options", "OAuth2", "Mail templates"):
        dialog.get_by_role("tab", name=tab).click()
        assert dialog.evaluate(fits), tab
    dialog.locator("details[data-template='verificationTemplate'] summary").click()
    assert dialog.evaluate(fits)
    dialog.get_by_role("tab", name="OAuth2").click()
    dialog.get_by_role("button", name="+ Add provider").click()
    picker = p.get_by_role("dialog", name="Add an OAuth2 provider")
    expect(picker.get_by_role("button").nth(1)).to_be_focused()  # the first provider (after Close)
    p.keyboard.press("Escape")  # closes the picker only
    expect(picker).to_have_count(0)
    expect(dialog).to_be_visible()
