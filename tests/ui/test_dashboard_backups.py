"""Settings › Backups through the dashboard (issues 17 and 19): create, list, download, delete,
upload, the backup settings, and a restore that restarts the server."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.sync_api import expect

from tests.ui.conftest import SHOTS, Page, superuser_token


def _get(base: str, path: str) -> object:
    return httpx.get(f"{base}{path}", headers={"Authorization": superuser_token(base)}).json()


def _sizes(base: str) -> dict[str, int]:
    found = _get(base, "/api/backups")
    assert isinstance(found, list)
    return {b["key"]: b["size"] for b in found}


def test_backups_page(page: Page, tmp_path: Path) -> None:
    p = page.page
    page.sign_in()
    p.goto(f"{page.app}#/settings/backups")
    expect(p.get_by_text("No backups yet")).to_be_visible()

    # a bad name is refused under the field; a named backup, from the keyboard; then one with
    # the default name
    p.get_by_label("Name of a new backup").fill("First Backup.zip")
    p.get_by_label("Name of a new backup").press("Enter")
    expect(p.locator("#backup-name-err")).to_have_text("Must be in a valid format.")
    p.get_by_label("Name of a new backup").fill("first.zip")
    p.get_by_label("Name of a new backup").press("Enter")
    backups = p.get_by_role("list", name="Backups")
    expect(backups.locator("li[data-key='first.zip']")).to_have_count(1)
    expect(p.locator("#backup-name-err")).to_be_hidden()
    p.get_by_role("button", name="Create backup").click()
    expect(backups.locator("li")).to_have_count(2)
    first_key = backups.locator("li").first.get_attribute("data-key")
    assert first_key and first_key.startswith("pb_backup_"), "newest first"
    assert set(_sizes(page.base)) == {"first.zip", first_key}

    # download: a real zip of the size listed
    row = backups.locator("li[data-key='first.zip']")
    listed = int(row.locator(".backup-size").get_attribute("data-bytes") or 0)
    assert listed == _sizes(page.base)["first.zip"]
    expect(row.locator(".backup-size")).to_have_text(f"{listed / 1024:.1f} KB")
    with p.expect_download() as info:
        row.get_by_role("button", name="Download first.zip").click()
    saved = tmp_path / "first.zip"
    info.value.save_as(saved)
    assert info.value.suggested_filename == "first.zip"
    assert saved.stat().st_size == listed
    assert saved.read_bytes()[:4] == b"PK\x03\x04"

    # delete, after confirming; Cancel first keeps it
    row.get_by_role("button", name="Delete first.zip").click()
    p.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Delete first.zip").click()
    p.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(row).to_have_count(0)
    assert "first.zip" not in _sizes(page.base)

    # the downloaded archive uploaded back
    p.get_by_label("Backup archive to upload").set_input_files(str(saved))
    expect(row).to_have_count(1)
    assert _sizes(page.base)["first.zip"] == listed

    # the settings: a bad cron is refused next to the field, a good one is saved
    cron = p.get_by_label("Schedule (cron, UTC)")
    cron.fill("61 * * * *")
    s3 = p.get_by_label("Keep backups in S3-compatible storage")
    s3.check()
    p.get_by_role("button", name="Save backup settings").click()
    expect(p.locator("#bk-cron-err")).to_be_visible()
    expect(p.locator("#bk-s3-bucket-err")).to_have_text("Cannot be blank.")
    expect(p.locator("#bk-s3-secret-err")).to_have_text("Cannot be blank.")
    s3.uncheck()
    cron.fill("30 3 * * *")
    expect(p.locator(".cron-preview")).to_have_text("Every day at 03:30 UTC")
    p.get_by_label("Automatic backups to keep").fill("5")
    p.get_by_role("button", name="Save backup settings").click()
    expect(p.get_by_text("Backup settings saved.")).to_be_visible()
    expect(p.locator("#bk-cron-err")).to_be_hidden()
    saved_settings = _get(page.base, "/api/settings")
    assert isinstance(saved_settings, dict)
    assert saved_settings["backups"]["cron"] == "30 3 * * *"
    assert saved_settings["backups"]["cronMaxKeep"] == 5
    assert "secret" not in saved_settings["backups"]["s3"]
    page.shot("30-settings-backups", without_toasts=True)
    p.locator(".settings .card").screenshot(path=str(SHOTS / "30-backups-card.png"))  # docs/img/backups.png

    # restore first.zip (taken before the cron was set): the name must be typed, then the
    # server restarts and the page reloads on the restored data
    row.get_by_role("button", name="Restore first.zip").click()
    dialog = p.get_by_role("dialog")
    expect(dialog.get_by_label("to confirm")).to_be_focused()
    p.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    row.get_by_role("button", name="Restore first.zip").click()
    go = dialog.get_by_role("button", name="Restore and restart")
    expect(go).to_be_disabled()
    dialog.get_by_label("to confirm").fill("first")
    expect(go).to_be_disabled()
    dialog.get_by_label("to confirm").fill("first.zip")
    go.click()
    expect(dialog).to_have_count(0, timeout=30_000)
    expect(p.get_by_label("Schedule (cron, UTC)")).to_have_value("", timeout=15_000)
    restored = _get(page.base, "/api/settings")
    assert isinstance(restored, dict)
    assert restored["backups"]["cron"] == ""


def test_backups_on_a_phone(phone: Page) -> None:
    p = phone.page
    phone.sign_in()
    p.goto(f"{phone.app}#/settings/backups")
    expect(p.get_by_role("button", name="Save backup settings")).to_be_visible()
    create = p.get_by_role("button", name="Create backup")
    create.click()
    expect(p.get_by_text("Backup created.")).to_be_visible()
    expect(create).to_be_enabled()
    expect(p.get_by_role("list", name="Backups").locator("li").first).to_be_visible()
    assert p.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.shot("31-settings-backups-phone", without_toasts=True)
