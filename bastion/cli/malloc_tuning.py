"""How `bastion serve`'s processes use glibc's malloc: large blocks go back to the system.

A password hash (argon2id, core/passwords.py) allocates 19 MiB in an executor thread. glibc
serves a block that large with mmap and unmaps it when freed, but only at first: each free of an
mmapped block raises the threshold (up to 32 MiB), so the next ones come from the thread's heap
arena and stay resident once freed; and each thread that meets contention gets an arena of its
own (up to eight per core). After 64 concurrent sign-ins a one-worker server held 180 MB where
it had 62; with hashes bounded to one per core (core/passwords.py) it still held 100 MB where it
has 60 with these settings (`/proc/PID/status`, tests/cli/test_serve_memory.py; issue 21).

So, as `bastion serve` starts: blocks of 4 MiB and more are always mmapped (a fixed threshold,
which also stops the raising), and there are at most two arenas. Python's own allocator serves
small objects without malloc, so neither costs anything measurable on requests.

`malloc_tuning = false` (BASTION_MALLOC_TUNING=0) leaves glibc's defaults, and settings the
operator gave glibc (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_`) win. The limits
are set before any worker is forked, so the workers inherit them, and exported so that processes
`serve` starts (the HTTP/3 listener) apply them too. Elsewhere than glibc nothing changes.
"""

from __future__ import annotations

import ctypes
import os

ARENAS = 2
MMAP_THRESHOLD = 4 * 1024 * 1024
# glibc's malloc.h: (mallopt parameter, environment variable glibc reads at start, value)
_SETTINGS = (
    (-8, "MALLOC_ARENA_MAX", ARENAS),  # M_ARENA_MAX
    (-3, "MALLOC_MMAP_THRESHOLD_", MMAP_THRESHOLD),  # M_MMAP_THRESHOLD
)


def tune_malloc() -> list[str]:
    """Apply the settings the operator did not give; the names of those applied."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return []
    applied = []
    for parameter, variable, value in _SETTINGS:
        if variable in os.environ:
            continue
        os.environ[variable] = str(value)  # for the processes this one starts
        if mallopt(parameter, value):
            applied.append(variable)
    return applied
