"""What each granian worker runs at start: the App starts, then the process is tuned."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

from bastion.api import server
from bastion.api.asgi import create_asgi_app
from bastion.app import App
from bastion.config import Config


async def _run_lifespan(asgi: object) -> list[str]:
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    sent: list[str] = []
    for kind in ("lifespan.startup", "lifespan.shutdown"):
        inbox.put_nowait({"type": kind})

    async def receive() -> dict[str, str]:
        return await inbox.get()

    async def send(message: dict[str, str]) -> None:
        sent.append(message["type"])

    await asgi({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)  # type: ignore[operator]
    return sent


async def test_on_started_runs_after_the_app_started(tmp_path: Path) -> None:
    app = App(Config(data_dir=tmp_path / "data"))
    seen: list[bool] = []
    asgi = create_asgi_app(
        app, on_started=lambda: seen.append(app.registry.find_collection("users") is not None)
    )
    assert await _run_lifespan(asgi) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert seen == [True]  # called once, with the schema already loaded


def test_tune_gc_freezes_start_up_objects_and_collects_less_often() -> None:
    before = gc.get_threshold()
    try:
        server.tune_gc()
        assert gc.get_threshold() == server.GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
