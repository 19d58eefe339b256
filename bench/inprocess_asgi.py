"""What the in-process request benches share (dispatch_overhead, metrics_overhead,
tracing_overhead): an ASGI scope and receive for a plain GET, finding a layer of the stack, a
SQLite app with a public collection and one record and nothing logged, and interleaved on/off
rounds of a feature's cost."""

from __future__ import annotations

import logging
import random
import statistics
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from bastion.app import App
from bastion.config import Config
from bastion.core.record_access import Access

L = TypeVar("L")


def http_scope(path: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"user-agent", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


def find_layer(asgi: Any, kind: type[L]) -> L:
    """The first middleware of type `kind` in the stack (each layer keeps the next as `.app`)."""
    layer = asgi
    while not isinstance(layer, kind):
        layer = layer.app
    return layer


async def public_record(app: App) -> str:
    """A public collection `pub` with one record (its id is answered); no access-log lines and no
    request-log rows afterwards, so only the request path is measured."""
    schema = {
        "name": "pub",
        "listRule": "",
        "viewRule": "",
        "createRule": "",
        "fields": [{"name": "title", "type": "text"}],
    }
    async with app.transaction() as tx:
        collection = await app.collections.create(tx, schema)
    app.registry.put(collection)
    async with app.transaction() as tx:
        record = await app.records.create(tx, collection, {"title": "a"}, Access(method="POST"))
    logging.disable(logging.CRITICAL)
    app.settings = msgspec.structs.replace(
        app.settings, logs=msgspec.structs.replace(app.settings.logs, max_days=0)
    )
    return record.id


async def twenty_record_app() -> App:
    """A started SQLite App in a temporary directory whose public `pub` holds 20 records (see
    `public_record`): the list the format benchmarks answer. Stop it when done."""
    app = await App(Config(data_dir=Path(tempfile.mkdtemp()))).start()
    await public_record(app)
    collection = app.registry.find_collection("pub")
    assert collection is not None
    async with app.transaction() as tx:
        for i in range(19):
            await app.records.create(tx, collection, {"title": f"record number {i} ✓"}, Access(method="POST"))
    return app


async def on_off_rounds(
    paths: dict[str, str], rounds: int, run: Callable[[str, bool], Awaitable[float]], feature: str
) -> None:
    """`run(path, on)` answers µs per request; each path is run with the feature on and off in
    `rounds` shuffled rounds (a fixed order lets the machine's other load favour one side), after a
    warm-up, and the median and best of each side are printed with the difference of the bests."""
    samples: dict[tuple[str, bool], list[float]] = {}
    for path in paths.values():
        await run(path, True)  # warm-up: caches, memos
    runs = [(name, on) for name in paths for on in (True, False)]
    for _ in range(rounds):
        random.shuffle(runs)
        for name, on in runs:
            samples.setdefault((name, on), []).append(await run(paths[name], on))
    for name in paths:
        with_it, without = samples[(name, True)], samples[(name, False)]
        print(
            f"{name:7} µs/request with {feature}: median {statistics.median(with_it):6.1f}, "
            f"best {min(with_it):6.1f}; without: median {statistics.median(without):6.1f}, "
            f"best {min(without):6.1f}; difference of the bests {min(with_it) - min(without):+5.2f}"
        )
