"""The `_webhooks` and `_webhookDeliveries` system collections, installed on first use.

A fresh Bastion lists exactly PocketBase's collections (clients and the differential tests compare
them), so these two appear only when a superuser first names them (api/webhooks.py calls
`install_webhook_collections`). Both rules are superuser-only (every rule None). Installing is
safe with many processes racing: the schema stamp's row is bumped first, which locks it until the
transaction ends, so installers queue there; whoever comes second finds the collections and rolls
back. Other processes then see the bumped stamp and reload their schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bastion.core.collection_model import BASE, RULE_NAMES, Collection
from bastion.core.fields import (
    BoolField,
    DateField,
    Field,
    JSONField,
    NumberField,
    RelationField,
    SelectField,
    TextField,
    default_id_field,
    default_timestamp_fields,
)
from bastion.core.ids import field_id_for
from bastion.store import collections_table

if TYPE_CHECKING:
    from bastion.core.collection_service import CollectionService
    from bastion.core.schema_registry import SchemaRegistry
    from bastion.store.database import Database

WEBHOOKS = "_webhooks"
DELIVERIES = "_webhookDeliveries"
WEBHOOKS_ID = "pbc_bastion_webhooks"
DELIVERIES_ID = "pbc_bastion_webhook_deliveries"
NAMES = frozenset({WEBHOOKS, DELIVERIES, WEBHOOKS_ID, DELIVERIES_ID})
"""What a request may name them by (the records API takes a name or an id)."""

URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#@]+(?:[/?#]\S*)?$"
"""http or https with a host: anything else is refused on save (400, `url`)."""
SECRET_PATTERN = r"^whsec_[A-Za-z0-9+/]{32,88}={0,2}$"
_SECRET_GENERATED = "whsec_[A-Za-z0-9+/]{32}"  # 32 random base64 characters = 24 random bytes
EVENT_NAMES = ["create", "update", "delete"]


def _text(
    name: str,
    *,
    required: bool = False,
    hidden: bool = False,
    max: int = 0,
    pattern: str = "",
    autogenerate_pattern: str = "",
) -> TextField:
    return TextField(
        id=field_id_for("text", name),
        name=name,
        system=True,
        required=required,
        hidden=hidden,
        max=max,
        pattern=pattern,
        autogenerate_pattern=autogenerate_pattern,
    )


def _webhooks() -> Collection:
    fields: list[Field] = [
        default_id_field(),
        _text("name", max=255),
        _text("url", required=True, max=2000, pattern=URL_PATTERN),
        JSONField(id=field_id_for("json", "collections"), name="collections", system=True, max_size=65536),
        SelectField(
            id=field_id_for("select", "events"),
            name="events",
            system=True,
            values=list(EVENT_NAMES),
            max_select=len(EVENT_NAMES),
        ),
        _text("secret", hidden=True, pattern=SECRET_PATTERN, autogenerate_pattern=_SECRET_GENERATED),
        BoolField(id=field_id_for("bool", "active"), name="active", system=True),
        *default_timestamp_fields(system=True),
    ]
    return Collection(
        id=WEBHOOKS_ID,
        name=WEBHOOKS,
        type=BASE,
        system=True,
        fields=fields,
        rules=dict.fromkeys(RULE_NAMES),
    )


def _deliveries() -> Collection:
    def number(name: str) -> NumberField:
        return NumberField(id=field_id_for("number", name), name=name, system=True, only_int=True)

    fields: list[Field] = [
        default_id_field(),
        RelationField(
            id=field_id_for("relation", "webhook"),
            name="webhook",
            system=True,
            required=True,
            collection_id=WEBHOOKS_ID,
            cascade_delete=True,
            max_select=1,
        ),
        _text("eventId", max=100),
        _text("eventType", max=100),
        number("attempt"),
        number("statusCode"),
        number("durationMs"),
        _text("error", max=2000),
        DateField(id=field_id_for("date", "nextAttempt"), name="nextAttempt", system=True),
        BoolField(id=field_id_for("bool", "delivered"), name="delivered", system=True),
        JSONField(id=field_id_for("json", "requestBody"), name="requestBody", system=True, max_size=0),
        *default_timestamp_fields(system=True),
    ]
    index = f"CREATE INDEX `idx_{DELIVERIES.lstrip('_')}_webhook` ON `{DELIVERIES}` (`webhook`, `created`)"
    return Collection(
        id=DELIVERIES_ID,
        name=DELIVERIES,
        type=BASE,
        system=True,
        fields=fields,
        indexes=[index],
        rules=dict.fromkeys(RULE_NAMES),
    )


def webhook_collections() -> list[Collection]:
    """In creation order (deliveries relate to webhooks)."""
    return [_webhooks(), _deliveries()]


def installed(registry: SchemaRegistry) -> bool:
    return registry.find_collection(WEBHOOKS) is not None and registry.find_collection(DELIVERIES) is not None


class _AlreadyInstalled(Exception):
    """Another process installed them first: roll this transaction back."""


def _publish(registry: SchemaRegistry, created: list[Collection]) -> None:
    for collection in created:
        registry.put(collection)


async def install_webhook_collections(
    db: Database, collections: CollectionService, registry: SchemaRegistry
) -> bool:
    """Create both collections unless some process already has; True when this call did. The
    caller reloads its schema when False and its registry still lacks them."""
    created = webhook_collections()
    try:
        async with db.transaction() as tx:
            # The stamp's row lock: racing installers wait here until the first one commits.
            await collections.stamp.bump(tx, "schema")
            if await collections_table.id_taken(tx, WEBHOOKS_ID):
                raise _AlreadyInstalled
            for collection in created:
                await collections.install(tx, collection)
            tx.on_commit(lambda: _publish(registry, created))
    except _AlreadyInstalled:
        return False
    return True
