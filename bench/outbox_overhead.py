"""What the webhook outbox costs a record create, measured in-process (no HTTP).

Creates records through `RecordService.create` in their own transactions, in alternating rounds,
on one App with the job runner off (deliveries are queued, never sent), and prints the median
time per create of each case:

- `no outbox`: RecordService without its outbox hook (as before webhooks existed);
- `outbox, no webhooks`: the hook wired, the webhook collections never installed (a fresh server);
- `outbox, 1 inactive`: installed, one webhook, switched off;
- `outbox, 1 webhook`: one active webhook on the collection: the event is built and one
  `webhook.deliver` job inserted in the same transaction.

    .venv/bin/python bench/outbox_overhead.py [--rounds 7] [--creates 2000] [--database-url postgresql://…]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path

from bastion.app import App
from bastion.config import Config
from bastion.core.collection_model import Collection
from bastion.core.record_model import Record
from bastion.jobs.outbox import Outbox, acting_superuser
from bastion.jobs.webhooks.collections import WEBHOOKS, install_webhook_collections


async def _creates(app: App, collection: Collection, count: int) -> float:
    root = acting_superuser(app.registry)
    started = time.perf_counter()
    for n in range(count):
        async with app.db.transaction() as tx:
            await app.records.create(tx, collection, {"title": f"t{n}"}, root)
    return (time.perf_counter() - started) / count * 1e6


async def _webhook(app: App, active: bool) -> str:
    webhooks = app.registry.find_collection(WEBHOOKS)
    assert webhooks is not None
    async with app.db.transaction() as tx:
        record = await app.records.create(
            tx,
            webhooks,
            {"url": "https://example.com/hook", "collections": ["posts"], "active": active},
            acting_superuser(app.registry),
        )
    return record.id


async def main(rounds: int, creates: int, database_url: str) -> None:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(data_dir=Path(tmp), database_url=database_url, jobs_concurrency=0)
        app = await App(config).start()
        try:
            async with app.db.transaction() as tx:
                posts = await app.collections.create(
                    tx, {"name": "posts", "fields": [{"name": "title", "type": "text"}]}
                )
            app.registry.put(posts)
            outbox: Outbox = app.outbox
            results: dict[str, list[float]] = {}

            async def measure(name: str) -> None:
                results.setdefault(name, []).append(await _creates(app, posts, creates))

            await _creates(app, posts, creates // 4)  # warm up
            # the hook alone, nothing configured: what every write pays (no database touched)
            record = Record(posts, {"id": "x" * 15, "title": "t"})
            calls = 100_000
            started = time.perf_counter()
            for _ in range(calls):
                await outbox.record_changed(app.db, "create", record, None)
            hook_alone = (time.perf_counter() - started) / calls * 1e6
            phases: list[tuple[str, bool]] = [("no outbox", False), ("outbox, no webhooks", True)]
            for _ in range(rounds):
                for name, wired in phases:
                    app.records.outbox = outbox if wired else None
                    await measure(name)
            await install_webhook_collections(app.db, app.collections, app.registry)
            outbox.invalidate()
            inactive = await _webhook(app, active=False)
            for _ in range(rounds):
                app.records.outbox = None
                await measure("no outbox (installed)")
                app.records.outbox = outbox
                await measure("outbox, 1 inactive")
            assert inactive
            await _webhook(app, active=True)
            app.records.outbox = outbox
            for _ in range(rounds):
                await measure("outbox, 1 webhook")
            print(f"{app.db.dialect}: the hook alone, no webhooks: {hook_alone:.2f} µs per write")
            print(f"{app.db.dialect}: median µs per create over {rounds} rounds of {creates}")
            for name, values in results.items():
                print(f"  {name:24} {statistics.median(values):8.1f}  (min {min(values):.1f})")
            print(f"  jobs queued: {(await app.jobs.counts()).get('queued', 0)}")
        finally:
            await app.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--creates", type=int, default=2000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.creates, args.database_url))
