"""Webhook delivery latency, commit to receipt, and write throughput with one webhook vs none.

One App (SQLite, or PostgreSQL with --database-url) with its job runner, in this process; a
threaded HTTP/1.1 receiver (tests/support/webhook_receiver.py, verifying every signature) in a
process of its own, as a real receiver is (in this process it would take the GIL from the App
and be counted as the webhook's cost); records created one after another through
`RecordService`. Latency is measured from the moment the create's transaction committed to the
moment the receiver read the request (`time.monotonic`, CLOCK_MONOTONIC: one clock for both
processes), so it includes the runner's wake-up, the claim, signing, the POST and the receiver's
parse. Writes per second are timed over the same creates with the webhook switched off and on
(deliveries run concurrently in the same process, as they would).

    PYTHONPATH=. .venv/bin/python bench/webhook_latency.py [--events 500] [--gap 0.02] [--database-url …]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import statistics
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bastion.app import App
from bastion.config import Config
from bastion.jobs.outbox import acting_superuser
from bastion.jobs.webhooks.collections import WEBHOOKS, install_webhook_collections
from tests.support.webhook_receiver import Delivery, WebhookReceiver


class TimedReceiver(WebhookReceiver):
    """Notes when each record's event arrived; keeps connections open (HTTP/1.1), as receivers do."""

    def __init__(self) -> None:
        super().__init__(keep_alive=True)
        self.arrived: dict[str, float] = {}
        self._arrival_lock = threading.Lock()

    def _keep(self, delivery: Delivery) -> None:
        with self._arrival_lock:
            self.arrived[delivery.record["id"]] = time.monotonic()
        super()._keep(delivery)


def _serve_receiver(control: Connection) -> None:
    """The receiver's process: answers commands on `control` until told to stop."""
    receiver = TimedReceiver().start()
    control.send(receiver.url)
    while True:
        command, arg = control.recv()
        if command == "secret":
            receiver.secret = arg
        elif command == "count":
            control.send(len(receiver.arrived))
        elif command == "take":  # the arrivals so far, and forget them
            with receiver._arrival_lock:
                arrived, receiver.arrived = receiver.arrived, {}
            control.send((arrived, all(d.verified for d in receiver.deliveries)))
        else:
            receiver.stop()
            return


class ReceiverProcess:
    def __init__(self) -> None:
        self._control, child = multiprocessing.get_context("spawn").Pipe()
        self._process = multiprocessing.get_context("spawn").Process(target=_serve_receiver, args=(child,))
        self._process.start()
        self.url: str = self._control.recv()

    def ask(self, command: str, arg: Any = None) -> Any:
        self._control.send((command, arg))
        return self._control.recv() if command in ("count", "take") else None

    def stop(self) -> None:
        self._control.send(("stop", None))
        self._process.join(10)


async def _all_arrived(receiver: ReceiverProcess, count: int) -> None:
    deadline = time.monotonic() + 120
    while receiver.ask("count") < count and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


async def main(events: int, database_url: str, gap: float) -> None:
    logging.disable(logging.WARNING)
    receiver = ReceiverProcess()
    with tempfile.TemporaryDirectory() as tmp:
        config = Config(data_dir=Path(tmp), database_url=database_url, webhooks_allow_private=True)
        app = await App(config).start()
        try:
            root = acting_superuser(app.registry)
            async with app.db.transaction() as tx:
                posts = await app.collections.create(
                    tx, {"name": "posts", "fields": [{"name": "title", "type": "text"}]}
                )
            app.registry.put(posts)
            await install_webhook_collections(app.db, app.collections, app.registry)
            app.outbox.invalidate()
            webhooks = app.registry.find_collection(WEBHOOKS)
            assert webhooks is not None
            async with app.db.transaction() as tx:
                hook = await app.records.create(
                    tx, webhooks, {"url": receiver.url, "collections": ["posts"], "active": False}, root
                )
            receiver.ask("secret", str(hook.data["secret"]))

            async def creates(count: int, gap: float = 0.0) -> tuple[float, dict[str, float]]:
                committed: dict[str, float] = {}
                started = time.perf_counter()
                for n in range(count):
                    async with app.transaction() as tx:
                        record = await app.records.create(tx, posts, {"title": f"t{n}"}, root)
                    committed[record.id] = time.monotonic()
                    await asyncio.sleep(gap)  # let the runner take its turn, as between requests
                return count / (time.perf_counter() - started), committed

            off_rate, _ = await creates(events)
            async with app.db.transaction() as tx:
                await app.records.update(tx, webhooks, hook.id, {"active": True}, root)
            on_rate, _ = await creates(events)
            await _all_arrived(receiver, events)
            receiver.ask("take")
            _, committed = await creates(events, gap)  # latency at a steady, unsaturated rate
            await _all_arrived(receiver, events)
            arrived, verified = receiver.ask("take")
            latencies = sorted((arrived[rid] - at) * 1000 for rid, at in committed.items() if rid in arrived)
            print(
                f"{app.db.dialect}: {events} creates each way; latency at one create every {gap * 1000:g} ms"
            )
            print(f"  writes/s, webhook off  {off_rate:8.0f}")
            print(f"  writes/s, webhook on   {on_rate:8.0f}   (deliveries running meanwhile)")
            print(f"  delivered {len(latencies)}/{events}, all signatures verified: {verified}")
            if latencies:
                p50 = statistics.median(latencies)
                p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
                print(f"  latency commit→receipt ms: p50 {p50:.1f}  p99 {p99:.1f}  max {latencies[-1]:.1f}")
        finally:
            await app.stop()
            receiver.stop()


def _args() -> Any:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--gap", type=float, default=0.02, help="seconds between creates when timing latency")
    return parser.parse_args()


if __name__ == "__main__":
    args = _args()
    asyncio.run(main(args.events, args.database_url, args.gap))
