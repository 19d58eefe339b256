"""Migration files: `<unix timestamp>_<name>.py` in the migrations folder, applied in name order.

A file is a plain Python module with `up(app)` and `down(app)`, each `async def` or plain `def`
(bastion/migrations/facade.py is what `app` offers). Files whose name starts with `_` or `.`
are not migrations (a folder's helpers).
"""

from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path
from types import ModuleType

_NAME_RE = re.compile(r"^(\d+)_\w+\.py$", re.ASCII)
_SLUG_RE = re.compile(r"[^A-Za-z0-9_]+")


def is_migration(name: str) -> bool:
    return bool(_NAME_RE.match(name))


def migration_files(directory: Path) -> list[Path]:
    """The folder's migration files in name order (none when the folder does not exist)."""
    if not directory.is_dir():
        return []
    return sorted(
        (p for p in directory.iterdir() if p.is_file() and is_migration(p.name)), key=lambda p: p.name
    )


def slug(name: str) -> str:
    """`Add posts!` → `add_posts`: what a file name may hold after its timestamp."""
    out = _SLUG_RE.sub("_", name.strip()).strip("_").lower()
    return out or "migration"


def new_file_name(directory: Path, name: str, not_before: int = 0) -> str:
    """`<timestamp>_<slug>.py`, its timestamp now or, when a file of the folder (or `not_before`)
    is as recent, one past it: the new file sorts after every existing one, so that migrations
    made within one second are still applied in the order they were made."""
    latest = max([not_before - 1, *(_timestamp(p.name) for p in migration_files(directory))])
    return f"{max(int(time.time()), latest + 1)}_{slug(name)}.py"


def _timestamp(name: str) -> int:
    return int(name.split("_", 1)[0])


def load(path: Path) -> ModuleType:
    """Run a migration file as a module of its own (not kept in sys.modules)."""
    spec = importlib.util.spec_from_file_location(f"bastion_migrations.{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_new(directory: Path, name: str, text: str) -> Path:
    """Write a new migration file named `<timestamp>_<name>.py`; its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / new_file_name(directory, name)
    path.write_text(text, encoding="utf-8")
    return path
