"""The README's curl tour, run as written (only the address, the data directory and the command
are this test's): it waits for the server, and its last request finds the record it created."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from tests.conftest import skip_or_fail
from tests.install.conftest import REPO
from tests.support.serve_process import BASTION, free_port


def _tour() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## A five-minute tour with curl", 1)[1]
    return section.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_readme_tour_finds_the_post_it_created(tmp_path: Path):
    if not shutil.which("curl"):
        skip_or_fail("curl is not installed")
    port = free_port()
    script = (
        _tour()
        .replace(
            "make serve &", f"{BASTION} serve --http 127.0.0.1:{port} --dir {tmp_path}/data >serve.log 2>&1 &"
        )
        .replace(".venv/bin/bastion superuser upsert", f"{BASTION} superuser upsert --dir {tmp_path}/data")
        .replace("localhost:8090", f"localhost:{port}")
    )
    assert "make serve" not in script and "8090" not in script
    r = subprocess.run(
        # the EXIT trap stops the server (SIGTERM: granian's main process stops its workers) however
        # the script ends
        ["bash", "-ec", "trap 'kill %1 2>/dev/null; wait' EXIT\n" + script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    log = (tmp_path / "serve.log").read_text() if (tmp_path / "serve.log").exists() else ""
    assert r.returncode == 0, r.stdout + r.stderr + log
    last = r.stdout.strip().splitlines()[-1]
    listing = json.loads(last[last.index('{"items"') :])
    assert listing["totalItems"] == 1 and listing["items"][0]["tags"] == ["py"], last
