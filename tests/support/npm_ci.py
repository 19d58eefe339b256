"""`npm ci` in a test folder with a package-lock.json (the JS SDK's, the generated clients'), run
only when node_modules is missing or was installed from another lock."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import tempfile
from pathlib import Path


def ensure_npm_ci(folder: Path) -> None:
    """Run `npm ci` in `folder` unless its node_modules holds what its package-lock.json names
    (FileNotFoundError without node or npm; RuntimeError with npm's output when it fails)."""
    stamp_file = folder / "node_modules" / ".bastion-lock-stamp"
    stamp = hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise FileNotFoundError("node/npm is not installed")
    # `npm ci` deletes node_modules first: serialise concurrent test runs on this checkout
    lock_path = (
        Path(tempfile.gettempdir()) / f"bastion-npm-{hashlib.sha256(bytes(folder)).hexdigest()[:12]}.lock"
    )
    with lock_path.open("w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        if stamp_file.exists() and stamp_file.read_text() == stamp:
            return
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=folder, capture_output=True, text=True, timeout=300
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm ci failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        stamp_file.write_text(stamp)
