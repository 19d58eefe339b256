"""`bastion serve --hooksDir` as users run it: the hook files load in the worker (each worker's
App loads them at start, as in-process tests show; one worker keeps this test short) and answer
their routes; a hook file with a syntax error stops the start with one line naming file:line."""

from __future__ import annotations

import subprocess

import httpx

from tests.api.hooks.hook_files import write_hooks
from tests.support.serve_process import BASTION, free_port, serving

HOOKS = """
import os

from bastion.hooks import hooks


@hooks.on_record_create("_superusers")
def never(e):
    raise AssertionError("not for this test")


@hooks.route("GET", "/api/hello/{name}")
def hello(e):
    return {"message": f"Hello {e.path_params['name']}", "auth": e.auth.id if e.auth else None}
"""


def test_serve_loads_the_hooks_dir(tmp_path):
    folder = write_hooks(tmp_path / "my_hooks", hello=HOOKS)
    with serving(tmp_path / "data", args=("--hooksDir", str(folder), "--workers", "1")) as (_, base):
        r = httpx.get(f"{base}/api/hello/there")
        assert r.status_code == 200, r.text
        assert r.json() == {"message": "Hello there", "auth": None}


def test_serve_refuses_a_hook_file_with_a_syntax_error(tmp_path):
    folder = write_hooks(tmp_path / "my_hooks", broken="from bastion.hooks import hooks\n\nif True\n")
    r = subprocess.run(
        [BASTION, "serve", "--http", f"127.0.0.1:{free_port()}", "--dir", str(tmp_path / "data")]
        + ["--hooksDir", str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1, r.stderr
    assert f"Error: hook file {(folder / 'broken.py').resolve()}:3: syntax error" in r.stderr
    assert "Traceback" not in r.stderr
