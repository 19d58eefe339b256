"""Bastion as a newcomer installs it: the built wheel in a clean venv, from PyPI, with pip.

The venv is made once per module with the interpreter's own `venv` (so it has pip and nothing
else); pip's download and wheel caches are reused, so only the first run on a machine downloads.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@dataclass
class PlainInstall:
    """A venv holding only the wheel and its declared dependencies."""

    venv: Path
    wheel: Path

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    @property
    def bastion(self) -> str:
        return str(self.venv / "bin" / "bastion")


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, **kwargs)  # type: ignore[call-overload]
    assert r.returncode == 0, f"{' '.join(cmd)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def plain_install(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlainInstall]:
    root = tmp_path_factory.mktemp("plain-install")
    venv = root / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    dist = root / "dist"
    _run([*pip, "wheel", "--no-deps", "-w", str(dist), str(REPO)])
    wheels = list(dist.glob("bastion-*.whl"))
    assert len(wheels) == 1, wheels
    # --no-compile: byte-compiling every dependency (botocore alone is thousands of files) is most
    # of the install's CPU time and tells nothing about whether the install works
    _run([*pip, "install", "--no-compile", str(wheels[0])])
    yield PlainInstall(venv, wheels[0])
