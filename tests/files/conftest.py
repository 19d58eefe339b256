"""Fixtures for the file tests: a collection with every kind of file field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiClient

DOCS = {
    "name": "docs",
    **{f"{action}Rule": "" for action in ("list", "view", "create", "update", "delete")},
    "fields": [
        {"name": "title", "type": "text"},
        {
            "name": "one",
            "type": "file",
            "maxSelect": 1,
            "maxSize": 20000,
            "mimeTypes": ["image/png", "image/jpeg", "text/plain"],
            "thumbs": ["10x10", "20x0", "0x5", "8x8t", "8x8b", "30x30f"],
        },
        {"name": "many", "type": "file", "maxSelect": 3},
        {"name": "secret", "type": "file", "maxSelect": 1, "protected": True},
    ],
}


@pytest.fixture
async def docs(api: ApiClient) -> dict[str, Any]:
    return await api.create_collection(DOCS)
