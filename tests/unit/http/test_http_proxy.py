from __future__ import annotations

import pytest

from bastion.http.cors import CorsPolicy
from bastion.http.edge import EdgeMiddleware
from bastion.http.proxy import ClientResolver, clean_address, parse_forwarded, real_ip_from_headers


def ProxyHeadersMiddleware(app, trusted=(), settings=None):  # noqa: N802 (reads as the layer it was)
    """The client resolution as the stack applies it: first thing in the edge layer."""
    return EdgeMiddleware(app, CorsPolicy(), client=ClientResolver(trusted, settings))


async def report(scope, receive, send):
    body = f"{scope['state']['client_ip']}|{scope['scheme']}|{scope['client'][0]}".encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


TRUSTED = ["10.0.0.0/8", "127.0.0.1"]


async def fetch(client_for, peer, headers, trusted=TRUSTED):
    async with client_for(ProxyHeadersMiddleware(report, trusted), peer=peer) as client:
        resp = await client.get("/", headers=headers)
    return resp.text.split("|")


async def test_untrusted_peer_headers_are_ignored(client_for):
    ip, scheme, client = await fetch(
        client_for, "203.0.113.9", {"X-Forwarded-For": "1.1.1.1", "X-Forwarded-Proto": "https"}
    )
    assert (ip, scheme, client) == ("203.0.113.9", "http", "203.0.113.9")


async def test_no_trusted_proxies_configured_means_peer_is_client(client_for):
    ip, scheme, _ = await fetch(client_for, "10.0.0.2", {"X-Forwarded-For": "1.1.1.1"}, trusted=[])
    assert (ip, scheme) == ("10.0.0.2", "http")


async def test_trusted_peer_rightmost_untrusted_hop_wins(client_for):
    headers = {"X-Forwarded-For": "6.6.6.6, 1.1.1.1, 10.0.0.3", "X-Forwarded-Proto": "https"}
    ip, scheme, client = await fetch(client_for, "10.0.0.2", headers)
    # 6.6.6.6 could have been written by the client itself: never believed.
    assert (ip, scheme, client) == ("1.1.1.1", "https", "1.1.1.1")


async def test_all_hops_trusted_takes_the_leftmost(client_for):
    ip, _, _ = await fetch(client_for, "127.0.0.1", {"X-Forwarded-For": "10.1.1.1, 10.2.2.2"})
    assert ip == "10.1.1.1"


async def test_forwarded_header_with_ipv6_and_proto(client_for):
    headers = {"Forwarded": 'for="[2001:db8::1]:4711";proto=https, for=10.0.0.5'}
    ip, scheme, _ = await fetch(client_for, "10.0.0.2", headers)
    assert (ip, scheme) == ("2001:db8::1", "https")


async def test_unparseable_rightmost_hop_falls_back_to_peer(client_for):
    ip, _, _ = await fetch(client_for, "10.0.0.2", {"X-Forwarded-For": "1.1.1.1, unknown"})
    assert ip == "10.0.0.2"


async def test_trust_all_star(client_for):
    ip, _, _ = await fetch(client_for, "198.51.100.1", {"X-Forwarded-For": "1.1.1.1"}, trusted=["*"])
    assert ip == "1.1.1.1"


def test_bad_trusted_entry_fails_at_start():
    with pytest.raises(ValueError):
        ProxyHeadersMiddleware(report, ["not-an-ip"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.2.3.4", "1.2.3.4"),
        ("1.2.3.4:8080", "1.2.3.4"),
        ('"[::1]:80"', "::1"),
        ("::1", "::1"),
        ("unknown", None),
        ("_hidden", None),
    ],
)
def test_clean_address(raw, expected):
    assert clean_address(raw) == expected


def test_parse_forwarded_pairs():
    assert parse_forwarded("for=1.1.1.1;proto=HTTPS;by=x, For=2.2.2.2") == [
        ("1.1.1.1", "https"),
        ("2.2.2.2", None),
    ]


async def test_websocket_scope_gets_ws_scheme_from_a_trusted_proxy():
    seen = {}

    async def app(scope, receive, send):
        seen.update(scheme=scope["scheme"], ip=scope["state"]["client_ip"])

    scope = {
        "type": "websocket",
        "scheme": "ws",
        "path": "/api/realtime",
        "headers": [(b"x-forwarded-for", b"1.1.1.1"), (b"x-forwarded-proto", b"https")],
        "client": ("10.0.0.2", 1234),
    }
    await ProxyHeadersMiddleware(app, TRUSTED)(scope, None, None)
    assert seen == {"scheme": "wss", "ip": "1.1.1.1"}


# ---- PocketBase's trustedProxy settings (headers, useLeftmostIP), read per request ----------


def settings_source(names, leftmost=False):
    calls = []

    def current():
        calls.append(1)
        return names, leftmost

    current.calls = calls
    return current


async def fetch_with(client_for, peer, headers, names, trusted=(), leftmost=False):
    app = ProxyHeadersMiddleware(report, trusted, settings_source(names, leftmost))
    async with client_for(app, peer=peer) as client:
        resp = await client.get("/", headers=headers)
    return resp.text.split("|")


async def test_settings_headers_from_any_peer_when_no_proxies_are_configured(client_for):
    ip, scheme, client = await fetch_with(
        client_for, "198.51.100.7", [("X-Real-IP", "1.2.3.4")], ["X-Real-IP"]
    )
    assert (ip, scheme, client) == ("1.2.3.4", "http", "1.2.3.4")


async def test_settings_headers_only_from_configured_proxies(client_for):
    headers = [("X-Real-IP", "1.2.3.4")]
    ip, _, _ = await fetch_with(client_for, "198.51.100.7", headers, ["X-Real-IP"], trusted=TRUSTED)
    assert ip == "198.51.100.7"
    ip, _, _ = await fetch_with(client_for, "10.0.0.2", headers, ["X-Real-IP"], trusted=TRUSTED)
    assert ip == "1.2.3.4"


async def test_settings_are_asked_on_every_request(client_for):
    source = settings_source(["X-Real-IP"])
    async with client_for(ProxyHeadersMiddleware(report, (), source)) as client:
        for _ in range(3):
            await client.get("/")
    assert len(source.calls) == 3


@pytest.mark.parametrize(
    ("headers", "names", "leftmost", "expected"),
    [
        ([(b"x-forwarded-for", b"6.6.6.6, 1.2.3.4")], ["X-Forwarded-For"], False, "1.2.3.4"),
        ([(b"x-forwarded-for", b"6.6.6.6, 1.2.3.4")], ["X-Forwarded-For"], True, "6.6.6.6"),
        ([(b"x-forwarded-for", b"junk, 1.2.3.4, 5.6.7.8:80")], ["X-Forwarded-For"], False, "1.2.3.4"),
        (
            [(b"x-forwarded-for", b"9.9.9.9"), (b"x-forwarded-for", b"8.8.8.8")],
            ["x-forwarded-for"],
            False,
            "8.8.8.8",
        ),
        (
            [(b"x-real-ip", b"junk"), (b"x-forwarded-for", b"1.2.3.4")],
            ["X-Real-IP", "X-Forwarded-For"],
            False,
            "1.2.3.4",
        ),
        (
            [(b"x-real-ip", b""), (b"x-forwarded-for", b"1.2.3.4")],
            ["X-Real-IP", "X-Forwarded-For"],
            False,
            "1.2.3.4",
        ),
        ([(b"x-forwarded-for", b"1.2.3.4")], ["X-Real-IP", ""], False, None),
        ([(b"x-real-ip", b" 2001:db8::1 ")], ["X-Real-IP"], False, "2001:db8::1"),
    ],
)
def test_real_ip_from_headers(headers, names, leftmost, expected):
    assert real_ip_from_headers(headers, names, leftmost) == expected
