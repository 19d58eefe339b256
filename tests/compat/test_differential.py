"""Differential tests: the same requests against the real PocketBase and a candidate server.

Both servers get the same collections and records (diff_schema.py); every case of diff_cases.py is
sent to both and the answers must agree: status, list metadata, items in order (or as a set where
the order is undefined), record bodies with timestamps and tokens normalised, and for errors the
message and the tree of `data` codes. The reference answers come from a separate PocketBase
instance and are computed once per case. `COMPAT_TARGETS=pocketbase` compares PocketBase with
itself, which checks the harness and that every case is deterministic.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.diff_summary import DIFF_RESULTS

from .diff_cases import all_cases
from .diff_compare import Case, comparable, describe_difference
from .diff_schema import seed
from .servers import RunningServer

pytestmark = pytest.mark.compat

CASES = all_cases()

# Known differences, per target, each with its reason. Strict xfails: once a case starts to agree,
# the run fails until the entry is removed, so this list can only shrink.
KNOWN_GAPS: dict[str, dict[str, str]] = {}


class Seeded:
    """A server with the data set in place: a client, the tokens, and what failed to seed."""

    def __init__(self, server: RunningServer) -> None:
        self.tokens, self.problems = seed(server)
        self.client = httpx.Client(base_url=server.base_url, timeout=30)


@pytest.fixture(scope="package")
def seeded() -> Iterator[Callable[[RunningServer], Seeded]]:
    """Seeds each server once, on first use."""
    done: dict[str, Seeded] = {}

    def get(server: RunningServer) -> Seeded:
        if server.name not in done:
            done[server.name] = Seeded(server)
        return done[server.name]

    yield get
    for value in done.values():
        value.client.close()


@pytest.fixture(scope="package")
def reference_answers() -> dict[str, dict[str, Any]]:
    return {}


def send(client: httpx.Client, tokens: dict[str, str], case: Case) -> dict[str, Any]:
    headers = dict(case.headers)
    if case.auth is not None:
        headers["Authorization"] = tokens.get(case.auth, case.auth)
    if case.form is not None:
        # (None, value) parts make httpx send multipart/form-data without any file
        parts = [(name, (None, value)) for name, value in case.form]
        resp = client.request(case.method, case.path, params=case.params, files=parts, headers=headers)
    elif case.raw is not None:
        headers["Content-Type"] = "application/json"
        resp = client.request(case.method, case.path, params=case.params, content=case.raw, headers=headers)
    elif case.body is not None:
        resp = client.request(case.method, case.path, params=case.params, json=case.body, headers=headers)
    else:
        resp = client.request(case.method, case.path, params=case.params, headers=headers)
    try:
        body: Any = resp.json() if resp.content else None
    except json.JSONDecodeError:
        body = {"<non-json body>": resp.text[:500]}
    return comparable(resp.status_code, body, case.ordered)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(
    case: Case,
    target: RunningServer,
    reference_server: RunningServer,
    seeded: Callable[[RunningServer], Seeded],
    reference_answers: dict[str, dict[str, Any]],
    request: pytest.FixtureRequest,
) -> None:
    gap = KNOWN_GAPS.get(target.name, {}).get(case.id)
    if gap:
        request.applymarker(pytest.mark.xfail(reason=gap, strict=True))
    results = request.config.stash.setdefault(DIFF_RESULTS, {})
    outcome = results.setdefault(target.name, {})
    outcome[case.id] = False
    if case.id not in reference_answers:
        ref = seeded(reference_server)
        assert not ref.problems, f"seeding the reference PocketBase failed: {ref.problems}"
        reference_answers[case.id] = send(ref.client, ref.tokens, case)
    expected = reference_answers[case.id]
    candidate = seeded(target)
    got = send(candidate.client, candidate.tokens, case)
    if got != expected:
        seeding = ""
        if candidate.problems:
            shown = "\n  ".join(candidate.problems[:10])
            seeding = (
                f"(seeding {target.name} had {len(candidate.problems)} failures, first ones:\n  {shown})\n"
            )
        pytest.fail(
            f"{case.method} {case.path} {case.params} as {case.auth}: {target.name} differs from PocketBase\n"
            f"{describe_difference(expected, got)}\n{seeding}"
            f"--- reference ---\n{json.dumps(expected, indent=1, sort_keys=True)[:4000]}\n"
            f"--- {target.name} ---\n{json.dumps(got, indent=1, sort_keys=True)[:4000]}",
            pytrace=False,
        )
    outcome[case.id] = True
