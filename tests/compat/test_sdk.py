"""The official PocketBase JS SDK, run against each server under test.

Each `sdk/sdk_*.mjs` is one scenario: it gets the base URL in PB_URL, prints its steps and exits
non-zero on the first mismatch. The scenarios pass against the real PocketBase, so they are the
specification a compatible server must meet.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .servers import ADMIN_EMAIL, ADMIN_PASSWORD, RunningServer

SDK_DIR = Path(__file__).resolve().parent / "sdk"
SCENARIOS = sorted(p.name for p in SDK_DIR.glob("sdk_*.mjs"))

pytestmark = pytest.mark.compat


def run_scenario(
    script: str, server: RunningServer, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node is not installed"
    env = {
        **os.environ,
        "PB_URL": server.base_url,
        "PB_ADMIN_EMAIL": ADMIN_EMAIL,
        "PB_ADMIN_PASSWORD": ADMIN_PASSWORD,
        **(extra_env or {}),
    }
    return subprocess.run([node, str(SDK_DIR / script)], env=env, capture_output=True, text=True, timeout=90)


# Scenarios whose Bastion side is another open issue's work. Strict: the day one starts passing,
# the xfail turns into a failure and this table must shrink.
NOT_YET_IN_BASTION: dict[str, str] = {}


@pytest.mark.parametrize("script", SCENARIOS)
def test_sdk_scenario(
    script: str, target: RunningServer, sdk_ready: None, request: pytest.FixtureRequest
) -> None:
    if target.name.startswith("bastion") and script in NOT_YET_IN_BASTION:
        request.applymarker(pytest.mark.xfail(reason=NOT_YET_IN_BASTION[script], strict=True))
    result = run_scenario(script, target)
    assert result.returncode == 0, (
        f"{script} against {target.name} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
