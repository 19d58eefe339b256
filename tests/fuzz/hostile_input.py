"""What the never-5xx fuzz suites share: the Hypothesis settings, a strategy for filter
expressions, and the check every answer must pass (below 500, no SQL or traceback leaked)."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from tests.support.fuzz_scale import DERANDOMIZE, examples

SETTINGS = settings(
    max_examples=examples(60),
    deadline=None,
    derandomize=DERANDOMIZE,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


def filters(comparison: st.SearchStrategy[str], max_leaves: int) -> st.SearchStrategy[str]:
    """Comparisons joined with && / || in nested groups, or any short text."""
    return st.one_of(
        st.recursive(
            comparison,
            lambda inner: st.builds(
                lambda a, j, b: f"({a} {j} {b})", inner, st.sampled_from(["&&", "||"]), inner
            ),
            max_leaves=max_leaves,
        ),
        st.text(max_size=40),
    )


_LEAKS = re.compile(r"traceback|select .* from|sqlite|asyncpg|syntax error|\.py\b", re.IGNORECASE)


def assert_sane(r) -> None:
    assert r.status_code < 500, r.text
    assert not _LEAKS.search(r.text), r.text
