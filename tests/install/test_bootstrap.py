"""`make serve` on a Debian/Ubuntu machine without uv: the system python3 is externally managed
(PEP 668), so uv must not be pip-installed into it. The bootstrap runs in a copy of the project
with a PATH holding only the system directories (no uv), exactly as a newcomer's shell has it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.install.conftest import REPO

SYSTEM_PYTHON = Path("/usr/bin/python3")
SYSTEM_PATH = "/usr/bin:/bin"
# What `make serve` needs from the project (the package is installed editable from bastion/).
PROJECT_FILES = ("Makefile", "pyproject.toml", "uv.lock", "README.md", "scripts", "bastion")
DEV_TOOLS = ("pytest", "ruff", "playwright")


def _externally_managed(python: Path) -> bool:
    if not python.exists():
        return False
    stdlib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (Path(stdlib) / "EXTERNALLY-MANAGED").exists()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    if not _externally_managed(SYSTEM_PYTHON):
        pytest.skip(f"{SYSTEM_PYTHON} is not an externally managed (Debian/Ubuntu) Python")
    if shutil.which("uv", path=SYSTEM_PATH) or not shutil.which("make", path=SYSTEM_PATH):
        pytest.skip(f"needs make and no uv on {SYSTEM_PATH}")
    root = tmp_path / "bastion"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PROJECT_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=ignore)
        else:
            shutil.copy2(src, root / name)
    return root


def _newcomer_env(**extra: str) -> dict[str, str]:
    """A PATH without uv, HOME (so pip's and uv's caches are reused) and the machine's network
    settings (proxies, CA bundles); nothing of the test's own venv."""
    env = {"HOME": os.environ.get("HOME", "/root"), "PATH": SYSTEM_PATH, "LANG": "C.UTF-8"}
    network = ("PIP_", "UV_", "SSL_CERT_", "XDG_", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
    env.update({k: v for k, v in os.environ.items() if k.startswith(network) or k.lower().endswith("_proxy")})
    env.update(extra)
    return env


def test_make_serve_bootstraps_without_uv_on_an_externally_managed_python(project: Path):
    r = subprocess.run(
        ["make", "serve", "ARGS=--help"],  # the README's command, stopping after the bootstrap
        cwd=project,
        env=_newcomer_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "externally-managed" not in r.stderr
    assert "--http" in r.stdout  # `bastion serve --help` ran from the new .venv
    # serving needs only the runtime dependencies: no test tools in the serve venv
    assert [t for t in DEV_TOOLS if (project / ".venv/bin" / t).exists()] == []
    # a second run finds the private uv and does not install it again
    again = subprocess.run(
        ["sh", "scripts/bootstrap.sh", "serve"],
        cwd=project,
        env=_newcomer_env(),
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0 and "installing uv" not in again.stderr, again.stderr


def test_missing_venv_module_is_one_clear_line(project: Path, tmp_path: Path):
    """Debian/Ubuntu without python3-venv: no `ensurepip` (a shim on PYTHONPATH hides it here)."""
    shim = tmp_path / "no-ensurepip"
    (shim / "ensurepip").mkdir(parents=True)
    (shim / "ensurepip" / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'ensurepip'\")\n"
    )
    r = subprocess.run(
        ["sh", "scripts/bootstrap.sh", "serve"],
        cwd=project,
        env=_newcomer_env(PYTHONPATH=str(shim)),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "python3-venv" in lines[0], r.stderr
    assert not (project / ".venv").exists() and not (project / ".tools").exists()
