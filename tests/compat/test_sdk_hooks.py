"""Python hooks through the official JS SDK (`sdk/hooks_sdk.mjs`): a live `bastion serve
--hooksDir` with hooks that change a record, add a validation error, refuse a delete, answer a
custom route with the caller's auth, and fail (a clean 500, and a log line naming the file)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.hooks.hook_files import write_hooks

from .servers import BASTION_BIN, RunningServer, start_server, stop_server
from .test_sdk import run_scenario

HOOKS = """
from bastion.hooks import HookError, hooks


@hooks.on_record_create("hooked")
@hooks.on_record_update("hooked")
def shape(e):
    title = e.record["title"].strip()
    if title == "boom":
        raise RuntimeError("a bug in the hook")
    if title.lower() == "spam":
        e.add_error("title", "This title is refused.", "validation_spam")
    e.record["title"] = title.upper()


@hooks.on_record_delete("hooked")
def keep_locked(e):
    if e.record["title"] == "LOCKED":
        raise HookError(403, "This note is locked.")


@hooks.route("GET", "/api/hello/{name}")
def hello(e):
    return {"message": f"Hello {e.path_params['name']}", "auth": e.auth.id if e.auth else None}
"""


@pytest.fixture(scope="module")
def hooked_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    workdir = tmp_path_factory.mktemp("hooked")
    folder = write_hooks(workdir / "hooks", notes=HOOKS)
    server = start_server(
        "bastion-hooks", BASTION_BIN, workdir, args=("--hooksDir", str(folder), "--workers", "1")
    )
    yield server
    stop_server(server)


def test_hooks_through_the_js_sdk(hooked_server: RunningServer, sdk_ready: None) -> None:
    result = run_scenario("hooks_sdk.mjs", hooked_server)
    assert result.returncode == 0, (
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}\n"
        f"--- server log ---\n{hooked_server.log_tail()}"
    )
    log = hooked_server.log_tail()
    assert "notes.py" in log and "a bug in the hook" in log, log
