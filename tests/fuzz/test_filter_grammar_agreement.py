"""The CI-sized fuzzing of the filter language: grammar-generated and mutated filters
(tests/fuzz/filter_grammar.py) over generated rows, run on SQLite, on PostgreSQL and by the
in-memory evaluator; none may crash (the API's 5xx), and the three must return the same rows or
all refuse (filter_agreement.py says how splits are told apart).

The suite runs 40 examples of 10 filters each (the same every run); `make fuzz` runs 5 times as
many with fresh inputs and prints the outcomes as Hypothesis events (valid, invalid-400,
split-400 by cause); `python -m tests.fuzz.filter_nightly` is the nightly size (100,000 inputs).
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bastion.rules import RequestInfo
from tests.conftest import require_services, skip_or_fail
from tests.contract.rules.rules_world import World
from tests.fuzz.filter_agreement import Tally, check, load
from tests.fuzz.filter_grammar import ANY_FILTER, POSTS, REQUESTS
from tests.support.fuzz_scale import DERANDOMIZE, examples

_world: World | None = None


def _get_world() -> World:
    global _world
    if _world is None:
        _world = World()
        if _world.pg is None and require_services():
            skip_or_fail(f"PostgreSQL not reachable: {getattr(_world, 'pg_error', '')}")
    return _world


def teardown_module() -> None:
    global _world
    if _world is not None:
        _world.close()
        _world = None


@settings(
    max_examples=examples(40),
    deadline=None,
    derandomize=DERANDOMIZE,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(posts=POSTS, filters=st.lists(ANY_FILTER, min_size=10, max_size=10), request=REQUESTS)
def test_the_three_implementations_agree(
    posts: list[dict[str, Any]], filters: list[str], request: dict[str, Any]
) -> None:
    world = _get_world()
    load(world, posts)
    tally = Tally()
    for expr in filters:
        check(world, expr, RequestInfo(**request), tally)
    for name, count in (("valid", tally.valid), ("invalid-400", tally.invalid), *tally.splits.items()):
        for _ in range(count):
            event(name if name in ("valid", "invalid-400") else f"split-400 {name}")
    assert not tally.crashes, tally.crashes
    assert not tally.disagreements, [
        (expr, {where: (a.kind, a.rows, a.reason) for where, a in answers.items()})
        for expr, answers in tally.disagreements
    ]
