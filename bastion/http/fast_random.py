"""Random bytes for identifiers that need to be unique, not secret (request ids, log row ids).

`os.urandom` is a system call that releases the GIL: on a busy server every request id then
hands the GIL to whichever thread wants it and waits to get it back, which measured as ~10% of a
pinned core under load. A Mersenne Twister seeded from the OS, reseeded in every forked worker
(granian forks its workers, and two workers must not repeat each other's ids), costs no system
call. Never use it for tokens, passwords or anything an attacker must not guess.
"""

from __future__ import annotations

import os
import random

_rng = random.Random(os.urandom(32))


def _reseed() -> None:
    _rng.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed)


def random_bytes(n: int) -> bytes:
    return _rng.randbytes(n)
