"""The first superuser, created in the browser from the link the first `bastion serve` prints."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.serve_process import start_serve
from tests.ui.conftest import Page

LINK = re.compile(r"(http://\S+/_/#/pbinstall/\S+)")
EMAIL, PASSWORD = "first@example.com", "first-pass-123"


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, installer link) of a server with no superuser; its banner read from stderr."""
    proc, base = start_serve(tmp_path_factory.mktemp("installer") / "data", args=("--log-access", "off"))
    found = LINK.search(proc.wait_for_line(LINK, timeout=10))
    assert found is not None
    yield base, found.group(1)
    proc.terminate()
    proc.communicate(timeout=20)


@pytest.fixture
def fresh_page(browser: Any, fresh_server: tuple[str, str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = Page(context.new_page(), fresh_server[0])
    yield page
    context.close()
    assert page.problems == []


def test_installer_link_creates_the_first_superuser(fresh_page: Page, fresh_server: tuple[str, str]):
    p = fresh_page.page
    base, link = fresh_server
    p.goto(link)
    expect(p.get_by_role("heading", name="Create the first superuser")).to_be_visible()
    fresh_page.shot("installer-form")
    p.get_by_label("Email").fill(EMAIL)
    p.get_by_label("Password", exact=True).fill(PASSWORD)
    p.get_by_label("Password confirm").fill("something-else")
    p.get_by_role("button", name="Create superuser and sign in").click()
    expect(p.get_by_role("alert")).to_contain_text("passwordConfirm")

    p.get_by_label("Password confirm").fill(PASSWORD)
    p.get_by_role("button", name="Create superuser and sign in").click()
    expect(p.get_by_role("button", name="Sign out")).to_be_visible()
    expect(p.get_by_text(EMAIL)).to_be_visible()
    assert p.url.endswith("#/collections")

    # single use: the same link now says so, and offers the sign-in page
    p.goto(f"{base}/_/#/collections")
    p.get_by_role("button", name="Sign out").click()
    p.goto(link)
    expect(p.get_by_role("alert")).to_contain_text("The first superuser already exists.")
    p.get_by_role("link", name="Go to sign-in").click()
    expect(p.get_by_role("button", name="Sign in")).to_be_visible()


def test_a_forged_installer_link_is_refused(fresh_page: Page, fresh_server: tuple[str, str]):
    p = fresh_page.page
    base, link = fresh_server
    token = link.rsplit("/", 1)[1]
    p.goto(f"{base}/_/#/pbinstall/{token[:-4]}AAAA")
    expect(p.get_by_role("alert")).to_contain_text("This link is invalid or has expired.")
    fresh_page.shot("installer-invalid")
