"""Fixtures for mail tests: a real SMTP server, and Bastion's settings pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

# aiosmtpd is a test-only dependency; skip (with the reason) rather than break collection where
# the environment predates it.
pytest.importorskip("aiosmtpd", reason="aiosmtpd (test SMTP server) is not installed")

from tests.conftest import ApiClient  # noqa: E402
from tests.mail.smtp_server import SmtpSink  # noqa: E402


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
async def mail_api(api: ApiClient, smtp: SmtpSink) -> AsyncIterator[ApiClient]:
    """The `api` client with SMTP settings aimed at `smtp`."""
    r = await api.su("PATCH", "/api/settings", json=smtp.settings_patch())
    assert r.status_code == 200, r.text
    yield api
