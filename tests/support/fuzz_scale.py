"""How many examples the property and fuzz tests generate.

The test suite runs them at a smoke size (`BASTION_FUZZ_SCALE` unset: the counts written in the
tests, the same inputs every run); `make fuzz`, CI's step after the suite, multiplies the counts
by its scale and draws new inputs each run (Hypothesis prints a failing example and the seed to
replay it)."""

from __future__ import annotations

import os

SCALE = float(os.environ.get("BASTION_FUZZ_SCALE", "1"))
# The same inputs every run at the suite's size; fresh ones on a fuzzing run
DERANDOMIZE = SCALE == 1


def examples(count: int) -> int:
    """`count` examples at the suite's size, scaled for a fuzzing run."""
    return max(1, round(count * SCALE))
