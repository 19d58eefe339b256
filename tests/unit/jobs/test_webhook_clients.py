"""Kept-alive webhook connections are shared only by targets that would open the same connection:
same address and port, same scheme, same Host and the same TLS name."""

from __future__ import annotations

from bastion.jobs.webhooks.http_clients import MAX_CLIENTS, WebhookClients
from bastion.jobs.webhooks.url_safety import Target


def _target(name: str, address: str = "93.184.216.34", scheme: str = "https") -> Target:
    return Target(
        url=f"{scheme}://{address}/hook",
        headers={"Host": name},
        extensions={"sni_hostname": name} if scheme == "https" else {},
    )


async def test_one_client_per_name_on_a_shared_address():
    clients = WebhookClients(timeout=5)
    try:
        a = clients.for_target(_target("a.example.com"))
        assert clients.for_target(_target("a.example.com")) is a
        assert clients.for_target(_target("b.example.com")) is not a  # same IP, another name
        assert clients.for_target(_target("a.example.com", scheme="http")) is not a
        assert clients.for_target(_target("a.example.com", address="93.184.216.35")) is not a
    finally:
        await clients.close()


async def test_the_least_recently_used_client_is_closed_beyond_the_limit():
    clients = WebhookClients(timeout=5)
    try:
        first = clients.for_target(_target("n0.example.com"))
        for n in range(1, MAX_CLIENTS + 1):
            clients.for_target(_target(f"n{n}.example.com"))
        assert clients.for_target(_target("n0.example.com")) is not first  # it was evicted
    finally:
        await clients.close()
    assert first.is_closed
