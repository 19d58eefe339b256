"""`bastion serve --hooksDir` as users run it: the hook files load in the worker (each worker's
App loads them at start, as in-process tests show; one worker keeps this test short) and answer
their routes, as an installed plugin's do; a hook file with a syntax error, or a plugin that does
not import, stops the start with one line naming it."""

from __future__ import annotations

import os
import subprocess

import httpx

from tests.api.hooks.hook_files import install_plugin, write_hooks
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


def _with_site(site):
    return {"PYTHONPATH": os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)}


def test_serve_loads_an_installed_plugin(tmp_path):
    site = tmp_path / "site-packages"
    site.mkdir()
    plugin = "from bastion.hooks import hooks\n\n\n@hooks.route('GET', '/api/plugged')\ndef plugged(e):\n    return {'plugged': True}\n"
    install_plugin(site, "bastion-plugged", "bastion_plugged", plugin, "bastion_plugged")
    with serving(tmp_path / "data", args=("--workers", "1"), env=_with_site(site)) as (_, base):
        r = httpx.get(f"{base}/api/plugged")
        assert r.status_code == 200, r.text
        assert r.json() == {"plugged": True}


def test_serve_refuses_a_plugin_that_does_not_import(tmp_path):
    site = tmp_path / "site-packages"
    site.mkdir()
    install_plugin(
        site, "bastion-broken", "bastion_broken", "import not_installed_anywhere\n", "bastion_broken"
    )
    r = subprocess.run(
        [BASTION, "serve", "--http", f"127.0.0.1:{free_port()}", "--dir", str(tmp_path / "data")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **_with_site(site)},
    )
    assert r.returncode == 1, r.stderr
    assert (
        "Error: plugin 'bastion-broken' of bastion-broken 1.0 (bastion_broken) failed to load: "
        "ModuleNotFoundError: No module named 'not_installed_anywhere'"
    ) in r.stderr
    assert "Traceback" not in r.stderr
