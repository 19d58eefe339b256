"""Restore a backup archive into a SQLite data directory: check it, unpack it, swap it in.

Blocking file work, run in a thread (backup_service.py). The steps, as PocketBase's
`RestoreBackup` (core/base_backup.go), with the checks PocketBase leaves out:

1. check the zip without writing anything: at most `max_entries` entries, only plain files and
   folders under relative names (no absolute name, no `..`, no backslash, no symlink), their
   declared sizes together below the free disk space (a zip bomb stops here: Python's zip
   reader never returns more than an entry's declared size), a top-level `data.db`;
2. unpack it into `<data dir>/.pb_temp_to_delete/pb_restore_<random>/` (the same file system,
   so the moves below are renames) and check every top-level database with `PRAGMA quick_check`,
   and that data.db is Bastion's (a PocketBase data.db is not: the server would not start);
3. hold the write lock of the live main database (`BEGIN IMMEDIATE` on a connection of its own,
   kept until the process restarts): writers of every process wait and then fail busy instead
   of writing into a database that is being replaced;
4. move the current content of the data directory (everything but `backups/`, the temp folder
   and hidden files: lock files, sockets) into `.pb_temp_to_delete/old_pb_data_<random>/`, then
   move the unpacked content in; if a move fails, the moves done are undone in reverse order.

The previous content stays in `old_pb_data_…` until the next start removes it
(`remove_leftovers`), so a restore that went wrong can still be undone by hand.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bastion.backups.backup_archive import BACKUPS_DIR, TEMP_DIR, Progress
from bastion.store.errors import DatabaseBusy
from bastion.store.sqlite_snapshot import database_problem, hold_write_lock, is_sqlite_file

MAIN_DATABASE = "data.db"
# A backup of a PostgreSQL deployment (backup_service.py): the marker says so, the dump beside it
POSTGRES_MARKER = "bastion_postgres.json"
POSTGRES_DUMP = "postgres.dump"
RESTORE_PREFIX = "pb_restore_"
OLD_DATA_PREFIX = "old_pb_data_"
# the temp folder's work of a backup being written, an upload, a bucket's download (backup_service.py)
PARTIAL_PREFIXES = ("pb_backup_", "pb_upload_", "pb_restore_zip_")
_KEPT = (BACKUPS_DIR, TEMP_DIR)  # never replaced by a restore (PocketBase's exclude list)


class RestoreError(Exception):
    """The archive cannot be restored (the data directory is unchanged); the message says why."""


@dataclass(frozen=True)
class RestoreLimits:
    """Bounds on what an archive may unpack to."""

    max_entries: int = 1_000_000
    # bytes kept free on the data directory's file system once unpacked
    free_space_margin: int = 64 << 20


def check_archive(
    archive: Path, data_dir: Path, limits: RestoreLimits, *, postgres: bool = False
) -> list[zipfile.ZipInfo]:
    """The archive's entries to unpack, once every rule holds (RestoreError otherwise).
    `postgres`: the deployment's database is PostgreSQL, so the archive must be one of its
    backups (the marker and the dump), not a SQLite data directory's."""
    if not zipfile.is_zipfile(archive):
        raise RestoreError("The backup file is not a valid zip archive.")
    try:
        with zipfile.ZipFile(archive) as zf:
            entries = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RestoreError(f"The backup file is not a valid zip archive ({exc}).") from None
    if len(entries) > limits.max_entries:
        raise RestoreError(f"The backup has more than {limits.max_entries} entries.")
    kept: list[zipfile.ZipInfo] = []
    total = 0
    for info in entries:
        parts = _safe_parts(info)
        if parts[0] in _KEPT:
            continue  # never restored over (as PocketBase, which leaves them in the temp dir)
        total += info.file_size
        kept.append(info)
    names = {info.filename for info in kept}
    if postgres and not {POSTGRES_MARKER, POSTGRES_DUMP} <= names:
        raise RestoreError(
            "The backup is not of a PostgreSQL deployment (it has no "
            f"{POSTGRES_MARKER} and {POSTGRES_DUMP}): it cannot be restored into PostgreSQL."
        )
    if not postgres and POSTGRES_MARKER in names:
        raise RestoreError("The backup is of a PostgreSQL deployment: it cannot be restored into SQLite.")
    if not postgres and MAIN_DATABASE not in names:
        raise RestoreError("The backup has no data.db file: it is not a backup of a data directory.")
    free = shutil.disk_usage(data_dir).free - limits.free_space_margin
    if total > free:
        raise RestoreError(
            f"The backup unpacks to {total} bytes; only {max(free, 0)} are free beside the data directory."
        )
    return kept


def _safe_parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    name = info.filename
    bad = (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or (len(name) > 1 and name[1] == ":")  # a drive letter
    )
    parts = PurePosixPath(name).parts
    if bad or not parts or any(p in ("..", ".") for p in parts):
        raise RestoreError(f"The backup has an entry with an unsafe name: {name!r}.")
    kind = stat.S_IFMT(info.external_attr >> 16)  # 0: no Unix type given (plain file)
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise RestoreError(f"The backup has an entry that is not a plain file or folder: {name!r}.")
    return parts


def unpack_archive(
    archive: Path,
    data_dir: Path,
    limits: RestoreLimits | None = None,
    *,
    postgres: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Check and unpack `archive` into a new folder of the data directory's temp folder; its path.
    Nothing outside that folder is written; it is removed again if anything fails.
    `progress(done, total)`: the bytes unpacked so far, after each entry."""
    limits = limits or RestoreLimits()
    entries = check_archive(archive, data_dir, limits, postgres=postgres)
    done, total = 0, sum(info.file_size for info in entries)
    temp_root = data_dir / TEMP_DIR
    temp_root.mkdir(parents=True, exist_ok=True)
    target = Path(tempfile.mkdtemp(prefix=RESTORE_PREFIX, dir=temp_root))
    try:
        with zipfile.ZipFile(archive) as zf:
            for info in entries:
                dest = target.joinpath(*PurePosixPath(info.filename).parts)
                if info.is_dir():
                    dest.mkdir(parents=True, exist_ok=True)
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, dest.open("xb") as out:
                    shutil.copyfileobj(src, out, 1 << 20)
                done += info.file_size
                if progress is not None:
                    progress(done, total)
        _check_databases(target, required=not postgres)
    except zipfile.BadZipFile as exc:
        shutil.rmtree(target, ignore_errors=True)
        raise RestoreError(f"The backup file is damaged ({exc}).") from None
    except FileExistsError as exc:  # the same name twice
        shutil.rmtree(target, ignore_errors=True)
        raise RestoreError(f"The backup has the entry {exc.filename!r} twice.") from None
    except OSError as exc:  # a file where a folder is named, the disk full …
        shutil.rmtree(target, ignore_errors=True)
        raise RestoreError(f"The backup could not be unpacked ({exc}).") from None
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return target


def _check_databases(unpacked: Path, *, required: bool) -> None:
    """data.db (when `required`) and every other top-level SQLite file open and pass
    `PRAGMA quick_check`."""
    main = unpacked / MAIN_DATABASE
    if required and (not main.is_file() or not is_sqlite_file(main)):
        raise RestoreError("The backup's data.db is not a SQLite database.")
    for path in sorted(unpacked.iterdir()):
        if path.is_file() and is_sqlite_file(path):
            problem = database_problem(path, bastion=path.name == MAIN_DATABASE)
            if problem is not None:
                raise RestoreError(f"The backup's {path.name} {problem}.")


def hold_writes(database: Path, *, timeout: float = 30.0) -> sqlite3.Connection:
    """The live database's write lock, held by a connection until it is closed (RestoreError
    when in-flight writes do not let it in within `timeout` seconds)."""
    try:
        return hold_write_lock(database, timeout=timeout)
    except DatabaseBusy as exc:
        raise RestoreError(f"The database stayed busy: cannot restore now ({exc}).") from None


class Swap:
    """The moves that put a restored content in place, which `undo` takes back."""

    def __init__(self) -> None:
        self.done: list[tuple[Path, Path]] = []  # (from, to), in the order they were made

    def undo(self) -> None:
        for source, dest in reversed(self.done):
            os.rename(dest, source)  # if undoing fails too, the error says what is where
        self.done.clear()


def swap_in(data_dir: Path, unpacked: Path) -> Swap:
    """Move the data directory's content aside (into `.pb_temp_to_delete/old_pb_data_…`) and the
    unpacked content in. On failure every move is undone and the error raised."""
    old = Path(tempfile.mkdtemp(prefix=OLD_DATA_PREFIX, dir=data_dir / TEMP_DIR))
    swap = Swap()
    try:
        for entry in _movable(data_dir):
            _move(entry, old / entry.name, swap.done)
        for entry in _movable(unpacked):
            _move(entry, data_dir / entry.name, swap.done)
    except BaseException:
        swap.undo()
        raise
    return swap


def _movable(folder: Path) -> list[Path]:
    return [
        entry
        for entry in sorted(folder.iterdir())
        if entry.name not in _KEPT and not entry.name.startswith(".")
    ]


def _move(source: Path, dest: Path, done: list[tuple[Path, Path]]) -> None:
    if dest.exists() or dest.is_symlink():
        raise FileExistsError(f"{dest} is in the way")
    os.rename(source, dest)
    done.append((source, dest))


def remove_leftovers(data_dir: Path) -> None:
    """Remove what a finished (or interrupted) restore left in the temp folder: the unpacked
    archive and the previous content; and what an interrupted backup, upload or download left
    (a half-written archive, its copy on the way to or from a bucket). Call it only when no
    backup or restore is running."""
    temp_root = data_dir / TEMP_DIR
    with contextlib.suppress(FileNotFoundError):
        for entry in temp_root.iterdir():
            if entry.name.startswith((RESTORE_PREFIX, OLD_DATA_PREFIX, *PARTIAL_PREFIXES)):
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        entry.unlink()
