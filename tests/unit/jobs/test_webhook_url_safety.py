"""Which addresses a webhook may reach without `webhooks_allow_private`, and the pinned target."""

from __future__ import annotations

import ipaddress

import pytest

from bastion.jobs.webhooks.url_safety import HostNotResolved, UnsafeUrl, refused, target_for


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",  # cloud metadata
        "0.0.0.0",
        "100.64.0.1",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_refused(address):
    assert refused(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_allowed(address):
    assert not refused(ipaddress.ip_address(address))


async def test_private_literal_refused_and_allowed_when_configured():
    with pytest.raises(UnsafeUrl, match="webhooks_allow_private"):
        await target_for("http://127.0.0.1:8080/x", allow_private=False)
    with pytest.raises(UnsafeUrl):
        await target_for("http://[::1]/x", allow_private=False)
    with pytest.raises(UnsafeUrl):  # a name resolving to loopback: every address is checked
        await target_for("http://localhost:9/x", allow_private=False)
    target = await target_for("http://127.0.0.1:8080/x", allow_private=True)
    assert target.url == "http://127.0.0.1:8080/x"


async def test_public_address_is_pinned_with_the_original_host():
    target = await target_for("https://93.184.216.34:8443/p?q=1", allow_private=False)
    assert target.url == "https://93.184.216.34:8443/p?q=1"
    assert target.headers == {"host": "93.184.216.34:8443"}
    v6 = await target_for("http://[2606:4700:4700::1111]/p", allow_private=False)
    assert v6.url == "http://[2606:4700:4700::1111]/p"


@pytest.mark.parametrize("url", ["ftp://example.com/", "file:///etc/passwd", "http:///nohost", "nonsense"])
async def test_not_http_refused(url):
    with pytest.raises(UnsafeUrl):
        await target_for(url, allow_private=True)


async def test_name_that_does_not_resolve_is_retryable():
    with pytest.raises(HostNotResolved):
        await target_for("http://no-such-host.invalid/x", allow_private=False)
