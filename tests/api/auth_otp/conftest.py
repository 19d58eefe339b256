"""OTP and MFA mail their codes to a real SMTP server."""

from tests.conftest import importorskip_or_fail

# The modules here import the test SMTP server at the top: without aiosmtpd (a test-only
# dependency) they skip, saying why, instead of breaking collection (fail under
# BASTION_REQUIRE_SERVICES=1). The `smtp` and `mail_api` fixtures are in tests/conftest.py.
importorskip_or_fail("aiosmtpd", "aiosmtpd (the test SMTP server) is not installed")
