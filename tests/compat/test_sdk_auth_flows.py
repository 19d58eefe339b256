"""The JS SDK through every sign-in flow, with real mail and a real OpenID Connect provider.

`sdk/flows_auth.mjs` registers a user, verifies it, signs in by password, refresh, one-time code
and OAuth2 code, resets the password and is impersonated by a superuser. The test starts what the
flows need besides the server: an SMTP server (aiosmtpd) whose mails the scenario reads from a
spool directory (tokens and codes come out of the mails, as a user's would), and the local OIDC
provider of tests/oauth2. Run against PocketBase, Bastion on SQLite and Bastion on PostgreSQL.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.support.smtp_server import SmtpSink

from .servers import RunningServer
from .test_sdk import run_scenario

pytestmark = pytest.mark.compat

SCRIPT = "flows_auth.mjs"  # in sdk/, named so that test_sdk.py's sdk_*.mjs glob skips it


@pytest.fixture
def mail_spool(tmp_path: Path) -> Iterator[tuple[SmtpSink, Path]]:
    spool = tmp_path / "mail"
    spool.mkdir()
    sink = SmtpSink(spool_dir=str(spool)).start()
    try:
        yield sink, spool
    finally:
        sink.stop()


@pytest.fixture
def idp() -> Iterator[OidcProvider]:
    # A fresh address per test, so the first OAuth2 sign-in always creates the user.
    user = {
        "sub": f"ext-{secrets.token_hex(4)}",
        "name": "Ada Lovelace",
        "preferred_username": "ada",
        "email": f"ada-{secrets.token_hex(4)}@example.com",
        "email_verified": True,
    }
    with OidcProvider(user) as provider:
        yield provider


def test_auth_flows_with_the_js_sdk(
    target: RunningServer,
    sdk_ready: None,
    mail_spool: tuple[SmtpSink, Path],
    idp: OidcProvider,
) -> None:
    sink, spool = mail_spool
    env = {
        "SMTP_HOST": sink.host,
        "SMTP_PORT": str(sink.port),
        "MAIL_SPOOL": str(spool),
        "OIDC_ISSUER": idp.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_EMAIL": idp.user["email"],
        "OIDC_NAME": idp.user["name"],
    }
    result = run_scenario(SCRIPT, target, env)
    assert result.returncode == 0, (
        f"flows_auth.mjs against {target.name} exited {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    # Every mail the scenario read went through the SMTP server, to the addresses it used.
    assert len(sink.inbox) >= 3
