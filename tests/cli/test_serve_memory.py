"""What a worker of `bastion serve` holds after concurrent password sign-ins (cli/malloc_tuning.py).

Each argon2id hash allocates 19 MiB in an executor thread. With glibc's defaults those blocks end
up kept in per-thread arenas once freed, and a one-worker server grew by over 100 MB from a
few dozen sign-ins; with the settings `serve` applies they go back to the system. The control
run turns the settings off (`malloc_tuning`), so this shows they are what keeps the memory down,
on this machine's malloc.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.compat.servers import BASTION_BIN, start_server, stop_server

CLIENTS, SIGN_INS = 16, 4
GLIBC_DEFAULTS = {"BASTION_MALLOC_TUNING": "0"}


def _worker_rss_kb(pid: int) -> int:
    children = [
        int(c)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for c in (task / "children").read_text().split()
    ]
    workers = [c for c in children if b"bastion.bus.broker" not in Path(f"/proc/{c}/cmdline").read_bytes()]
    assert len(workers) == 1, workers
    for line in Path(f"/proc/{workers[0]}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _rss_after_sign_ins(tmp: Path, env: dict[str, str] | None) -> int:
    server = start_server("bastion", BASTION_BIN, tmp, args=("--workers", "1"), env=env)
    try:
        su = {"Authorization": server.superuser_token()}
        limits = {"rateLimits": {"excludedIPs": ["127.0.0.1"]}}  # the sign-in baseline would refuse most
        assert httpx.patch(f"{server.base_url}/api/settings", json=limits, headers=su).status_code == 200
        body = {"email": "m@example.com", "password": "pass12345", "passwordConfirm": "pass12345"}
        made = httpx.post(f"{server.base_url}/api/collections/users/records", json=body, headers=su)
        assert made.status_code == 200, made.text

        def sign_in(_: int) -> list[int]:
            with httpx.Client(base_url=server.base_url, timeout=30) as client:
                return [
                    client.post(
                        "/api/collections/users/auth-with-password",
                        json={"identity": "m@example.com", "password": "pass12345"},
                    ).status_code
                    for _ in range(SIGN_INS)
                ]

        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = [s for batch in pool.map(sign_in, range(CLIENTS)) for s in batch]
        assert statuses == [200] * (CLIENTS * SIGN_INS)
        assert server.proc is not None
        return _worker_rss_kb(server.proc.pid)
    finally:
        stop_server(server)


def test_sign_ins_do_not_leave_their_hash_memory_in_the_worker(tmp_path: Path) -> None:
    tuned = _rss_after_sign_ins(tmp_path / "tuned", None)
    untuned = _rss_after_sign_ins(tmp_path / "untuned", GLIBC_DEFAULTS)
    # measured here: ~62 MB against ~180 MB
    assert tuned < 110 * 1024, tuned
    assert untuned - tuned > 40 * 1024, (tuned, untuned)
