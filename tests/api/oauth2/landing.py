"""Where /api/oauth2-redirect sends the popup: the dashboard's success or failure page, by a 307
after a GET and a 303 after a form POST, as PocketBase does."""

from __future__ import annotations

import httpx

PAGES = {"../_/#/auth/oauth2-redirect-success": "success", "../_/#/auth/oauth2-redirect-failure": "failure"}


def landing(r: httpx.Response) -> str:
    """ "success" or "failure" — or what else came back, for the assertion's message."""
    expected = 307 if r.request.method == "GET" else 303
    if r.status_code != expected:
        return f"status {r.status_code}: {r.text[:200]}"
    return PAGES.get(r.headers.get("location", ""), f"location {r.headers.get('location')!r}")
