"""The nightly-sized fuzzing of the filter language: grammar-generated and mutated filters over
generated rows, each run on SQLite, on PostgreSQL and by the in-memory evaluator.

    python -m tests.fuzz.filter_nightly [--inputs 100000] [--per-example 20] [--max-seconds 3600] [--seed N]

It prints the counts (inputs, valid, invalid-400, split-400 by cause, 5xx, disagreements) and the
first failures, and exits non-zero on any 5xx or disagreement. The CI-sized run of the same
generators is tests/fuzz/test_filter_grammar_agreement.py. Hypothesis draws the inputs here
without shrinking (a failure is printed as found, with the rows it ran on); PostgreSQL is
BASTION_TEST_PG (default postgresql://postgres@127.0.0.1:5432/test), a private schema dropped
at the end; without it the run compares two implementations and says so.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as fixed_seed
from hypothesis import strategies as st

from bastion.rules import RequestInfo
from tests.contract.rules.rules_world import World
from tests.fuzz.filter_agreement import Tally, check, load
from tests.fuzz.filter_grammar import ANY_FILTER, POSTS, REQUESTS


class _TimeUp(Exception):
    pass


def run(inputs: int, per_example: int, max_seconds: float, seed: int | None) -> tuple[Tally, bool, float]:
    """(the tally, whether PostgreSQL took part, seconds taken)."""
    world = World()
    tally = Tally()
    started = time.monotonic()
    examples = -(-inputs // per_example)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # no shrinking: failures are collected, not raised
        suppress_health_check=list(HealthCheck),
    )
    @given(
        posts=POSTS,
        filters=st.lists(ANY_FILTER, min_size=per_example, max_size=per_example),
        request=REQUESTS,
    )
    def one(posts: list[dict[str, Any]], filters: list[str], request: dict[str, Any]) -> None:
        if tally.inputs >= inputs:
            return
        if time.monotonic() - started > max_seconds:
            raise _TimeUp
        load(world, posts)
        info = RequestInfo(**request)
        for expr in filters[: inputs - tally.inputs]:
            before = len(tally.crashes) + len(tally.disagreements)
            check(world, expr, info, tally)
            if len(tally.crashes) + len(tally.disagreements) > before and len(tally.disagreements) <= 5:
                print(f"  on rows {posts!r} with request {request!r}", flush=True)

    if seed is not None:
        one = fixed_seed(seed)(one)
    try:
        one()
    except _TimeUp:
        pass
    finally:
        with_pg = world.pg is not None
        world.close()
    return tally, with_pg, time.monotonic() - started


def report(tally: Tally, with_pg: bool, seconds: float) -> None:
    engines = (
        "SQLite, PostgreSQL and the evaluator" if with_pg else "SQLite and the evaluator (no PostgreSQL)"
    )
    print(f"filter fuzz over {engines}, {seconds:.0f} s")
    print(tally.line())
    for cause, n in sorted(tally.splits.items()):
        print(f"  split-400 {cause}: {n}")
    for expr, where, reason in list(dict.fromkeys(tally.crashes))[:10]:
        print(f"5xx on {where}: {expr!r}\n    {reason}")
    for expr, answers in list({expr: answers for expr, answers in tally.disagreements}.items())[:10]:
        print(f"disagreement: {expr!r}")
        for where, answer in answers.items():
            print(
                f"    {where}: {answer.kind} {list(answer.rows) if answer.kind == 'rows' else answer.reason}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--per-example", type=int, default=20, help="filters per generated data set")
    parser.add_argument("--max-seconds", type=float, default=3600, help="stop early after this long")
    parser.add_argument("--seed", type=int, default=None, help="replay a run")
    options = parser.parse_args()
    tally, with_pg, seconds = run(options.inputs, options.per_example, options.max_seconds, options.seed)
    report(tally, with_pg, seconds)
    if tally.inputs < options.inputs:
        print(f"stopped after {options.max_seconds:.0f} s, {tally.inputs} of {options.inputs} inputs")
    return 1 if tally.crashes or tally.disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
