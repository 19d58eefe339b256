"""The bounds a restore puts on an archive before unpacking anything (zip bombs, huge entry
counts): checked on the zip's directory, with no byte unpacked."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from bastion.backups.backup_restore import RestoreError, RestoreLimits, check_archive


def write_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def test_too_many_entries(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "a.zip", {"data.db": b"x", "storage/1": b"1", "storage/2": b"2"})
    with pytest.raises(RestoreError, match="more than 2 entries"):
        check_archive(archive, tmp_path, RestoreLimits(max_entries=2))
    assert len(check_archive(archive, tmp_path, RestoreLimits(max_entries=3))) == 3


def test_what_it_unpacks_to_must_fit_on_the_disk(tmp_path: Path) -> None:
    # 32 MiB of zeros compress to a few KiB: the declared size counts, not the zip's
    archive = write_zip(tmp_path / "bomb.zip", {"data.db": b"\0" * (32 << 20)})
    assert archive.stat().st_size < 256 << 10
    free = shutil.disk_usage(tmp_path).free  # leave 1 MiB usable (other writers may change it)
    with pytest.raises(RestoreError, match=f"unpacks to {32 << 20} bytes"):
        check_archive(archive, tmp_path, RestoreLimits(free_space_margin=free - (1 << 20)))


def test_backups_and_temp_entries_are_left_out(tmp_path: Path) -> None:
    archive = write_zip(
        tmp_path / "a.zip",
        {"data.db": b"x", "backups/old.zip": b"z", ".pb_temp_to_delete/x": b"t", "storage/f": b"f"},
    )
    kept = [i.filename for i in check_archive(archive, tmp_path, RestoreLimits())]
    assert kept == ["data.db", "storage/f"]
