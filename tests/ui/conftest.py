"""Browser tests of the admin dashboard: headless Debian chromium driven by Playwright (sync API)
against a real `bastion serve` subprocess. Screenshots land in tests/ui/screenshots/ (gitignored).

Without /usr/bin/chromium the tests skip, or fail under BASTION_REQUIRE_SERVICES=1 (CI installs it).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD, skip_or_fail
from tests.support.serve_process import BASTION, start_serve

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).parent / "screenshots"


# Module scope, not session: the sync API runs an event loop in this thread while Playwright is
# open, and the asyncio tests collected after tests/ui must not find it still running.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # A loaded 2-core machine runs several of these at once: give assertions the same 10 s as actions.
    expect.set_options(timeout=10_000)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


def superuser_token(base: str) -> str:
    """A superuser token from the server at `base`, for what a test sets up or checks outside the page."""
    r = httpx.post(
        f"{base}/api/collections/_superusers/auth-with-password",
        json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
        timeout=10,
    )
    r.raise_for_status()
    return str(r.json()["token"])


def superuser_client(base: str) -> httpx.Client:
    """The REST API at `base` as the superuser."""
    return httpx.Client(base_url=base, headers={"Authorization": superuser_token(base)}, timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("ui") / "data"
    subprocess.run(
        [BASTION, "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", str(data)],
        check=True,
        capture_output=True,
    )
    proc, base = start_serve(data)
    yield base
    proc.terminate()
    proc.communicate(timeout=20)


class Page:
    """A Playwright page plus the checks every test wants: no uncaught error, no CSP violation."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.app = f"{base}/_/"
        self.problems: list[str] = []
        page.on("pageerror", lambda exc: self.problems.append(f"uncaught: {exc}"))
        page.on(
            "console",
            lambda msg: self.problems.append(msg.text) if "Content Security Policy" in msg.text else None,
        )

    def shot(self, name: str, *, without_toasts: bool = False) -> None:
        SHOTS.mkdir(exist_ok=True)
        if without_toasts:  # for the README's picture
            self.page.evaluate("document.querySelector('.toasts')?.replaceChildren()")
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def sign_in(self) -> None:
        p = self.page
        p.goto(self.app)
        p.get_by_label("Email").fill(SUPERUSER_EMAIL)
        p.get_by_label("Password").fill(SUPERUSER_PASSWORD)
        p.get_by_label("Password").press("Enter")
        p.get_by_role("button", name="Sign out").wait_for()

    def add_field(self, ftype: str, name: str) -> None:
        """In the open collection editor: add a field of this type and name (its options open)."""
        self.page.get_by_label("New field type").select_option(ftype)
        self.page.get_by_role("button", name="+ Add field").click()
        self.page.locator(".field-card input[placeholder='Field name']").last.fill(name)

    def new_collection(self, name: str, *fields: tuple[str, str]) -> Any:
        """Open the collection editor, fill the name and add (type, name) fields; returns the dialog."""
        self.page.get_by_role("button", name="+ New collection").first.click()
        dialog = self.page.get_by_role("dialog")
        dialog.get_by_label("Name", exact=True).fill(name)
        for ftype, fname in fields:
            self.add_field(ftype, fname)
        return dialog


def _page(browser: Any, server: str, viewport: dict[str, int]) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(10_000)
    wrapped = Page(context.new_page(), server)
    yield wrapped
    context.close()
    assert wrapped.problems == []


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Page]:
    yield from _page(browser, server, {"width": 1280, "height": 860})


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Page]:
    yield from _page(browser, server, {"width": 375, "height": 740})
