"""What a rule may ask about the current request (`@request.*`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SUPERUSERS = "_superusers"


@dataclass
class RequestInfo:
    # The auth record's fields incl. "id", "collectionId", "collectionName"; None when anonymous.
    auth: dict[str, Any] | None = None
    body: dict[str, Any] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)  # keys lowercased, "-" -> "_"
    method: str = "GET"
    context: str = "default"

    @property
    def is_superuser(self) -> bool:
        return self.auth is not None and self.auth.get("collectionName") == SUPERUSERS

    def static_data(self) -> dict[str, Any]:
        """The `@request.*` tree as the static resolver walks it."""
        return {
            "context": self.context,
            "method": self.method,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "auth": self.auth,
        }
