"""Write one backup archive: a zip of the data directory with consistent copies of its databases.

Blocking file work, run in a thread (backup_service.py). What goes in, under the same relative
paths as in the data directory, so unzipping it into an empty data directory restores it:

- every SQLite database at the top of the data directory (data.db, auxiliary.db, …), and the
  main database when a `sqlite:` URL keeps it elsewhere, as a snapshot (store/sqlite_snapshot.py)
  rather than the live file, which may be mid-write, with its -wal holding the latest commits;
- every other regular file and folder (`storage/`: the uploaded files), read as they are;
- never the backups folder, the temp folder, hidden files (locks, sockets) or SQLite's -wal,
  -shm and -journal side files.

The zip is written under a temp name beside the backups folder's parent and renamed into place
only when complete, so a listing never shows a partial archive. The work is bounded by a
deadline, checked between files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from bastion.store.sqlite_snapshot import is_sqlite_file, snapshot_sqlite

BACKUPS_DIR = "backups"
TEMP_DIR = ".pb_temp_to_delete"  # PocketBase's name, inside the data dir (same file system)
_SIDE_FILES = ("-wal", "-shm", "-journal")


Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


class BackupTimeout(Exception):
    """The archive was not finished before its deadline (nothing was kept)."""


def write_archive(
    data_dir: Path,
    target: Path,
    *,
    extra_database: Path | None,
    deadline: float,
    prepare: Callable[[Path], dict[str, Path]] | None = None,
    progress: Progress | None = None,
) -> None:
    """Write the backup of `data_dir` to `target` (a new file); `deadline` is a `time.monotonic()`.
    `prepare(work dir)` writes more files into the work dir first and names them in the
    archive (a PostgreSQL deployment's dump and its marker). `progress(done, total)` is told
    the bytes zipped so far after each file (the command line's progress bar)."""
    temp_root = data_dir / TEMP_DIR
    temp_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="pb_backup_", dir=temp_root))
    partial = work / "archive.zip"
    try:
        extra = prepare(work) if prepare is not None else {}
        snapshots = _snapshot_databases(data_dir, extra_database, work, deadline)
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            entries = [*extra.items(), *snapshots.items()]
            entries += [
                (path.relative_to(data_dir).as_posix(), path)
                for path in _plain_files(data_dir, skip=set(snapshots) | set(extra))
            ]
            sizes = [_size(path) for _, path in entries]
            done, total = 0, sum(sizes)
            for (name, path), size in zip(entries, sizes, strict=True):
                _check(deadline)
                # a file removed while the walk went on (a record's file deleted) is left out
                with contextlib.suppress(FileNotFoundError):
                    zf.write(path, name)
                done += size
                if progress is not None:
                    progress(done, total)
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise BackupTimeout("the backup took too long and was abandoned")


def _snapshot_databases(data_dir: Path, extra: Path | None, work: Path, deadline: float) -> dict[str, Path]:
    """Each database's archive name and the snapshot written for it."""
    sources = {p.name: p for p in sorted(data_dir.iterdir()) if _is_top_level_database(p)}
    if extra is not None and extra.resolve().parent != data_dir.resolve():
        sources.setdefault(extra.name, extra)
    copies: dict[str, Path] = {}
    for name, source in sources.items():
        _check(deadline)
        copy = work / f"db_{len(copies)}"
        snapshot_sqlite(source, copy)
        copies[name] = copy
    return copies


def _is_top_level_database(path: Path) -> bool:
    return (
        path.is_file()
        and not path.is_symlink()
        and not path.name.startswith(".")
        and not path.name.endswith(_SIDE_FILES)
        and is_sqlite_file(path)
    )


def _plain_files(data_dir: Path, skip: set[str]) -> Iterator[Path]:
    for entry in sorted(data_dir.iterdir()):
        name = entry.name
        if name in skip or name.startswith(".") or name == BACKUPS_DIR or name.endswith(_SIDE_FILES):
            continue
        if entry.is_symlink():
            continue
        if entry.is_file():
            yield entry
        elif entry.is_dir():
            for root, dirs, files in os.walk(entry):
                dirs.sort()
                for file in sorted(files):
                    path = Path(root) / file
                    if path.is_file() and not path.is_symlink():
                        yield path
