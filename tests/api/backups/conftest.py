"""A SQLite App signed in as the superuser (backups are of SQLite data directories), and helpers."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bastion.config import Config
from tests.conftest import ApiClient, signed_in_api


@pytest.fixture
async def sapi(tmp_path: Path) -> AsyncIterator[ApiClient]:
    async with signed_in_api(Config(data_dir=tmp_path / "data")) as client:
        yield client


async def notes_collection(api: ApiClient) -> None:
    await api.create_collection(
        {
            "name": "notes",
            "listRule": "",
            "viewRule": "",
            "fields": [{"name": "title", "type": "text"}, {"name": "doc", "type": "file", "maxSelect": 1}],
        }
    )


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return out.getvalue()


def open_database_from(archive: Path, member: str, into: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(archive) as zf:
        zf.extract(member, into)
    return sqlite3.connect(into / member)
