from __future__ import annotations

import pytest
from rules_world import World

from tests.conftest import skip_or_fail


@pytest.fixture(scope="module")
def world():
    w = World()
    yield w
    w.close()


@pytest.fixture
def pg_world(world):
    if world.pg is None:
        skip_or_fail(f"PostgreSQL not reachable: {getattr(world, 'pg_error', '')}")
    return world
