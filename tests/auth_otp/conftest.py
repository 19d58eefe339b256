"""OTP/MFA tests share the mail tests' real SMTP server and settings fixtures."""

import pytest

pytest.importorskip("aiosmtpd", reason="aiosmtpd (test SMTP server) is not installed")

from tests.mail.conftest import mail_api, smtp  # noqa: E402

__all__ = ["mail_api", "smtp"]
