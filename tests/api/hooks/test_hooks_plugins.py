"""Plugins installed as packages (docs/hooks.md, "Plugins"): a real distribution on sys.path
(its `.dist-info` with an `entry_points.txt`, as pip writes it) whose `bastion.plugins` entry
point names a module or a callable; its hooks run on real requests, before the hook files' own,
and survive a `--dev` reload; a plugin that does not load stops the start naming it."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from bastion.app import App
from bastion.config import Config
from bastion.hooks import HookLoadError, load_hooks
from tests.api.hooks.hook_files import install_plugin, write_hooks
from tests.conftest import signed_in_api

SQLITE_ONLY = pytest.mark.parametrize("backend", ["sqlite"])  # plugins do not depend on the database

MODULE_PLUGIN = """
from bastion.hooks import RecordEvent, hooks


@hooks.on_record_create("users")
def stamp(e: RecordEvent) -> None:
    e.record["name"] = "plugin:" + (e.record.get("name") or "")


@hooks.route("GET", "/api/plugin/ping")
async def ping(e):
    return {"pong": True, "auth": e.auth and e.auth.id}
"""

CALLABLE_PLUGIN = """
from bastion.hooks import Hooks


def setup(hooks: Hooks) -> None:
    @hooks.route("GET", "/api/plugin/setup")
    def answered(e):
        return {"from": "setup"}
"""

BROKEN_PLUGIN = """
import a_module_that_is_not_installed
"""


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A site-packages directory of the test's own on sys.path; its modules forgotten after."""
    folder = tmp_path / "site-packages"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    before = set(sys.modules)
    yield folder
    for name in set(sys.modules) - before:
        if name.startswith("bastion_plugin_"):
            del sys.modules[name]


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@SQLITE_ONLY
async def test_a_module_plugin_and_a_callable_plugin_run_on_requests(
    tmp_path: Path, database_url: str, site: Path
) -> None:
    module, setup = unique("bastion_plugin_audit"), unique("bastion_plugin_setup")
    install_plugin(site, "bastion-audit", module, MODULE_PLUGIN, module)
    install_plugin(site, "bastion-setup", setup, CALLABLE_PLUGIN, f"{setup}:setup")
    # a hook file of the folder runs after the plugin's hook on the same event
    hooks_dir = write_hooks(
        tmp_path / "bastion_hooks",
        after=(
            "from bastion.hooks import hooks\n\n\n"
            "@hooks.on_record_create('users')\n"
            "def after(e):\n"
            "    e.record['name'] = e.record['name'] + ':file'\n"
        ),
    )
    config = Config(data_dir=tmp_path / "data", database_url=database_url, hooks_dir=str(hooks_dir))
    async with signed_in_api(config) as api:
        assert sorted(api.app.hooks.plugins) == [
            f"plugin 'bastion-audit' of bastion-audit 1.0 ({module})",
            f"plugin 'bastion-setup' of bastion-setup 1.0 ({setup}:setup)",
        ]
        user, token = await api.create_user("p@example.com", name="ada")
        assert user["name"] == "plugin:ada:file"
        r = await api.request("GET", "/api/plugin/ping", token=token)
        assert r.status_code == 200 and r.json() == {"pong": True, "auth": user["id"]}
        r = await api.request("GET", "/api/plugin/setup")
        assert r.status_code == 200 and r.json() == {"from": "setup"}
        # a `--dev` reload loads the files again and keeps the plugins' hooks (imported once)
        again = load_hooks(hooks_dir)
        assert len(again.before["create"]) == 2 and len(again.routes) == 2


@SQLITE_ONLY
async def test_a_plugin_that_does_not_load_stops_the_start(
    tmp_path: Path, database_url: str, site: Path
) -> None:
    module = unique("bastion_plugin_broken")
    install_plugin(site, "bastion-broken", module, BROKEN_PLUGIN, module)
    app = App(Config(data_dir=tmp_path / "data", database_url=database_url))
    with pytest.raises(HookLoadError) as failed:
        await app.start()
    assert str(failed.value) == (
        f"plugin 'bastion-broken' of bastion-broken 1.0 ({module}) failed to load: "
        "ModuleNotFoundError: No module named 'a_module_that_is_not_installed'"
    )
    await app.stop()


def test_a_plugin_target_that_is_not_callable_is_refused(site: Path, tmp_path: Path) -> None:
    module = unique("bastion_plugin_value")
    install_plugin(site, "bastion-value", module, "VALUE = 3\n", f"{module}:VALUE")
    with pytest.raises(HookLoadError, match=r"plugin 'bastion-value' .* neither a module nor a callable: 3"):
        load_hooks(tmp_path / "no-hooks")


def test_the_package_is_typed() -> None:
    """`bastion/py.typed` (PEP 561): a type checker run on hook files reads Bastion's annotations
    (the wheel takes every file of the package: pyproject's `packages = ["bastion"]`)."""
    import bastion

    assert (Path(bastion.__file__).parent / "py.typed").is_file()
