"""Signed webhooks: record changes POSTed to URLs kept as records of `_webhooks`, through the
outbox (bastion/jobs/outbox.py), with every attempt logged in `_webhookDeliveries`.

collections.py   the two system collections, installed on first use
route.py         the outbox route: which webhooks a change goes to (cached, versioned)
signing.py       Standard Webhooks headers
url_safety.py    http(s) only; private addresses refused unless allowed; the address pinned
delivery.py      one attempt (POST, log row) and the `webhook.deliver` job handler
"""
