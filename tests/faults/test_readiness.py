"""`/api/ready` on a healthy database (SQLite and the shared PostgreSQL), and the fault log's
throttle. The unhealthy cases are in test_http_faults.py and test_sqlite_faults.py."""

from __future__ import annotations

import logging

import pytest

from bastion.obs.log_throttle import LogThrottle


async def test_ready_answers_200_while_the_database_answers(api):
    r = await api.request("GET", "/api/ready")
    assert r.status_code == 200
    assert r.json() == {"code": 200, "data": {}, "message": "API is ready."}
    head = await api.request("HEAD", "/api/ready")
    assert head.status_code == 200 and head.content == b""


def test_the_throttle_writes_one_line_per_key_and_interval_and_counts_the_rest(
    caplog: pytest.LogCaptureFixture,
):
    throttle = LogThrottle(logging.getLogger("bastion.test"), interval=3600)
    with caplog.at_level(logging.INFO, logger="bastion.test"):
        for _ in range(100):
            throttle.log(logging.ERROR, "refused", "database unavailable: %s", "refused")
        throttle.log(logging.ERROR, "timeout", "database unavailable: %s", "timeout")
        throttle.interval = 0  # the interval has passed
        throttle.log(logging.ERROR, "refused", "database unavailable: %s", "refused")
    assert [r.getMessage() for r in caplog.records] == [
        "database unavailable: refused",
        "database unavailable: timeout",
        "database unavailable: refused (99 more like it since the last line)",
    ]
