"""Who is asking, and what a collection's API rules let them do.

The API layer builds one `Access` per request from the verified token; the core uses it for rule
evaluation (`request_info`) and for deciding which fields a record exposes to this caller.

`access_condition` is the one place where (collection, rule, caller) becomes a refusal or a SQL
condition, as PocketBase's `CanAccessRecord` (core/record_query.go) is: a superuser sees every
record, a `null` rule refuses everyone else, `""` lets everyone through, and any other rule is
compiled for this caller. Every entry point goes through it: REST list/view/update/delete/create,
expand, batch (through the same handlers), realtime on every transport, auth rules and protected
files; each then answers a refusal its own way (403, 404, nothing expanded, nothing sent). The
three states themselves are `rules.rule_access`, which the rules engine also applies to every
collection a filter or a sort reaches through a relation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bastion import rules
from bastion.core.collection_model import Collection
from bastion.core.record_model import Record
from bastion.core.record_query import ALWAYS, Condition, compile_condition, find_by_id
from bastion.core.schema_registry import SchemaRegistry
from bastion.errors import ForbiddenError
from bastion.store.database import Executor

SUPERUSER_ONLY = "Only superusers can perform this action."


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


def normalize_headers(raw: dict[str, str]) -> dict[str, str]:
    """`X-Token` -> `x_token`, as `@request.headers.*` names them."""
    return {k.lower().replace("-", "_"): v for k, v in raw.items()}


def access_rule(rule: str | None, access: Access) -> rules.RuleAccess:
    """What `rule` (a collection's listRule … deleteRule, authRule) lets this caller do, before
    anything is compiled: a handler that must refuse before it reads a record asks this."""
    return rules.rule_access(rule, trusted=access.is_superuser)


def access_condition(
    collection: Collection,
    rule: str | None,
    access: Access,
    registry: SchemaRegistry,
    dialect: str,
    *,
    body: dict[str, Any] | None = None,
) -> Condition | None:
    """The rows of `collection` that `rule` shows this caller, as a WHERE condition on the table
    aliased `record_query.ALIAS` (`ALWAYS` for every row), or None when the caller is refused.
    `body` replaces the request body the rule reads (`@request.body.*`, for writes)."""
    decided = access_rule(rule, access)
    if decided.refused:
        return None
    if decided.everyone:
        return ALWAYS
    # rules are trusted: they may read hidden fields and collections clients may not list
    request = access.request_info(body)
    return compile_condition(decided.rule, collection, registry, request, dialect, allow_hidden=True)


def required_condition(
    collection: Collection,
    rule: str | None,
    access: Access,
    registry: SchemaRegistry,
    dialect: str,
    *,
    body: dict[str, Any] | None = None,
) -> Condition:
    """`access_condition` for the REST record handlers: a refusal is PocketBase's 403."""
    cond = access_condition(collection, rule, access, registry, dialect, body=body)
    if cond is None:
        raise ForbiddenError(SUPERUSER_ONLY)
    return cond


async def can_access_record(
    db: Executor, registry: SchemaRegistry, record: Record, rule: str | None, access: Access
) -> bool:
    """PocketBase's `CanAccessRecord`: does `rule` let this caller reach this stored record?"""
    cond = access_condition(record.collection, rule, access, registry, db.dialect)
    if cond is None:
        return False
    if not cond.sql:
        return True
    return await find_by_id(db, record.collection, record.id, [cond]) is not None
