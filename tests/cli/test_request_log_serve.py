"""A real `bastion serve` on SQLite keeps request logs in auxiliary.db beside data.db, and
writes what is still buffered when it stops on SIGTERM."""

from __future__ import annotations

import signal
import sqlite3

import httpx

from tests.support.serve_process import assert_exits_cleanly, serving


def test_buffered_request_logs_are_written_on_sigterm(tmp_path):
    data = tmp_path / "data"
    with serving(data) as (proc, base):
        for _ in range(3):
            assert httpx.get(f"{base}/api/health", headers={"User-Agent": "sigterm-probe"}).status_code == 200
        proc.send_signal(signal.SIGTERM)
        assert_exits_cleanly(proc, timeout=20)
    assert (data / "data.db").exists()
    conn = sqlite3.connect(data / "auxiliary.db")
    try:
        rows = conn.execute(
            "SELECT message, json_extract(data, '$.status') FROM _logs"
            " WHERE json_extract(data, '$.userAgent') = 'sigterm-probe'"
        ).fetchall()
    finally:
        conn.close()
    assert rows == [("GET /api/health", 200)] * 3
