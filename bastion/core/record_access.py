"""Who is asking: the authenticated record (if any) and what that allows them to see.

The API layer builds one `Access` per request from the verified token; the core uses it for rule
evaluation (`request_info`) and for deciding which fields a record exposes to this caller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bastion import rules
from bastion.core.record_model import Record


@dataclass
class Access:
    auth: Record | None = None
    method: str = "GET"
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    context: str = "default"
    # the client address as the proxy-headers middleware resolved it (not visible to rules, as in
    # PocketBase; the sign-in alerts fingerprint it)
    client_ip: str = ""

    @property
    def is_superuser(self) -> bool:
        return self.auth is not None and self.auth.collection.is_superusers

    def auth_dict(self) -> dict[str, Any] | None:
        if self.auth is None:
            return None
        data = dict(self.auth.data)
        data["collectionId"] = self.auth.collection.id
        data["collectionName"] = self.auth.collection.name
        return data

    def request_info(self, body: dict[str, Any] | None = None) -> rules.RequestInfo:
        return rules.RequestInfo(
            auth=self.auth_dict(),
            body=self.body if body is None else body,
            query=self.query,
            headers=self.headers,
            method=self.method,
            context=self.context,
        )

    def with_body(self, body: dict[str, Any], method: str | None = None) -> Access:
        return Access(self.auth, method or self.method, self.query, self.headers, body, self.context)


def normalize_headers(raw: dict[str, str]) -> dict[str, str]:
    """`X-Token` -> `x_token`, as `@request.headers.*` names them."""
    return {k.lower().replace("-", "_"): v for k, v in raw.items()}
