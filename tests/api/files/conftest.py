"""Fixtures for the file tests: a collection with every kind of file field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ApiClient
from tests.support.s3_server import new_bucket_settings

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


@pytest.fixture(params=["local", "s3"])
def storage_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def docs(api: ApiClient, storage_kind: str, request: pytest.FixtureRequest) -> dict[str, Any]:
    """The `docs` collection, with files on local disk or in a fresh bucket on a local S3 server."""
    if storage_kind == "s3":
        endpoint = request.getfixturevalue("s3_endpoint")
        r = await api.su("PATCH", "/api/settings", json={"s3": new_bucket_settings(endpoint)})
        assert r.status_code == 200, r.text
        assert api.app.files.storage.name == "s3"
    return await api.create_collection(DOCS)
