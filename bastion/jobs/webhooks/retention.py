"""How long delivery attempts stay in `_webhookDeliveries`: each attempt is a row, so without a
limit the table grows with every event a webhook receives. The logs' cleanup cron
(`__pbLogsCleanup__`, every six hours) also deletes the attempts older than
`webhooks_deliveries_max_days` (7 by default; 0 keeps them). They are logs, not records a client
changed: no realtime event, no outbox job (as log retention)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bastion.core.datetime_format import format_dt
from bastion.jobs.webhooks.collections import DELIVERIES
from bastion.store.row_write import delete_rows

if TYPE_CHECKING:
    from bastion.core.schema_registry import SchemaRegistry
    from bastion.store.database import Database


async def trim_deliveries(
    db: Database, registry: SchemaRegistry, max_days: int, now: datetime | None = None
) -> int:
    """Delete the attempts logged more than `max_days` ago; how many went (0 when not installed)."""
    if max_days <= 0 or registry.find_collection(DELIVERIES) is None:
        return 0
    cutoff = format_dt((now or datetime.now(UTC)) - timedelta(days=max_days))
    async with db.transaction() as tx:
        return await delete_rows(tx, DELIVERIES, before={"created": cutoff})
