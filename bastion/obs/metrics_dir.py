"""The directory where the workers of one `bastion serve` keep their metrics (prometheus-client's
multiprocess mode, obs/metrics.py).

`serve` calls `prepare()` first thing, before anything imports prometheus-client (which reads
`PROMETHEUS_MULTIPROC_DIR` once, at import) and before granian starts the workers, which inherit
the variable. The directory is this run's own, `bastion-metrics-<pid>` in the temp directory,
emptied at start (a container's server is pid 1 at every start) and removed when the server
exits; the directories of earlier runs whose server is gone are removed too. A server that
restarts itself in place (exec, after a restore) starts again with an empty directory. A directory set by
the operator in `PROMETHEUS_MULTIPROC_DIR` is used as it is, emptied of its `.db` files at start,
as prometheus-client asks, and kept.

No import of prometheus-client here: the command line imports this module.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
_PREFIX = "bastion-metrics-"


def prepare() -> Path:
    """This run's metrics directory, empty, named in the environment the workers inherit."""
    given = os.environ.get(ENV)
    if given and not Path(given).name.startswith(_PREFIX):  # ours: serve restarting itself (exec)
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink(missing_ok=True)
        return path
    base = Path(tempfile.gettempdir())
    _remove_abandoned(base)
    path = base / f"{_PREFIX}{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(mode=0o700)
    os.environ[ENV] = str(path)
    atexit.register(_remove, path, os.getpid())
    return path


def _remove(path: Path, owner: int) -> None:
    # The workers are forked from the server and inherit the hook: only the server removes it.
    if os.getpid() == owner:
        shutil.rmtree(path, ignore_errors=True)


def _remove_abandoned(base: Path) -> None:
    """The directories of servers that exited without removing theirs (killed)."""
    with contextlib.suppress(OSError):
        for entry in base.iterdir():
            pid = entry.name.removeprefix(_PREFIX)
            if entry.name.startswith(_PREFIX) and pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: another user's process
        return True
    return True
