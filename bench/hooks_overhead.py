"""What Python hooks cost a record create, measured in-process (no HTTP).

Creates records through `RecordService.create` inside `App.transaction()` (which also waits for
after-commit hooks), in alternating rounds on one App, and prints the median time per create:

- `no hooks`: no hook file, or files with routes only (RecordService.hooks is None: one
  attribute check per write, the only cost the hooks feature adds when unused);
- `hooks on another collection`: a before- and an after-hook registered for a collection this
  write is not in (the hooks are asked, none runs);
- `1 before-hook`: a plain function that upper-cases the title;
- `1 before + 1 async after`: plus an async after-commit hook (a task per write, awaited).

    .venv/bin/python bench/hooks_overhead.py [--rounds 7] [--creates 2000] [--database-url postgresql://…]
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
from bastion.hooks import HookRegistry, load_hooks
from bastion.jobs.outbox import acting_superuser

OTHER = """
from bastion.hooks import hooks

@hooks.on_record_create("other")
def before(e):
    pass

@hooks.on_record_after_create_success("other")
async def after(e):
    pass
"""

BEFORE = """
from bastion.hooks import hooks

@hooks.on_record_create("posts")
def shout(e):
    e.record["title"] = e.record["title"].upper()
"""

AFTER = """
from bastion.hooks import hooks

@hooks.on_record_after_create_success("posts")
async def after(e):
    pass
"""


async def _creates(app: App, collection: Collection, count: int) -> float:
    root = acting_superuser(app.registry)
    started = time.perf_counter()
    for n in range(count):
        async with app.transaction() as tx:
            await app.records.create(tx, collection, {"title": f"t{n}"}, root)
    return (time.perf_counter() - started) / count * 1e6


def _load(root: Path, name: str, *files: str) -> HookRegistry:
    folder = root / name
    folder.mkdir()
    for i, text in enumerate(files):
        (folder / f"h{i}.py").write_text(text)
    return load_hooks(folder)


async def main(rounds: int, creates: int, database_url: str) -> None:
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        config = Config(data_dir=root / "data", database_url=database_url, jobs_concurrency=0)
        app = await App(config).start()
        try:
            async with app.db.transaction() as tx:
                posts = await app.collections.create(
                    tx, {"name": "posts", "fields": [{"name": "title", "type": "text"}]}
                )
            app.registry.put(posts)
            cases = {
                "no hooks": HookRegistry(),
                "hooks on another collection": _load(root, "other", OTHER),
                "1 before-hook": _load(root, "before", BEFORE),
                "1 before + 1 async after": _load(root, "both", BEFORE, AFTER),
            }
            results: dict[str, list[float]] = {}
            await _creates(app, posts, creates // 4)  # warm up
            for _ in range(rounds):
                for name, registry in cases.items():
                    app.use_hooks(registry)
                    results.setdefault(name, []).append(await _creates(app, posts, creates))
            print(f"{app.db.dialect}: median µs per create over {rounds} rounds of {creates}")
            for name, values in results.items():
                print(f"  {name:28} {statistics.median(values):8.1f}  (min {min(values):.1f})")
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
