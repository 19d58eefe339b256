from __future__ import annotations

import sys
from pathlib import Path

import pytest

# the schema fixture is shared with the contract suite (no I/O at import)
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "contract" / "rules"))

from rules_world import build_schema  # noqa: E402


@pytest.fixture(scope="session")
def schema():
    return build_schema()


@pytest.fixture(scope="session")
def posts(schema):
    return schema.find_collection("posts")
