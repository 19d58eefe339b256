"""The differential summary at the end of a run: per candidate, how many cases agree with PocketBase.

The differential tests record each case's outcome in the run's stash (tests/compat). Under
pytest-xdist those outcomes live in the worker processes, and the summary is printed by the
controller, which never loads tests/compat's conftest (it collects nothing); so this plugin is
registered from the top-level conftest, and each worker hands its outcomes over when it ends.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

# Per candidate, each case's outcome. Defined here, and imported from here by the tests, so that
# both hold the one key: the compat package's own modules are imported under another name.
DIFF_RESULTS = pytest.StashKey[dict[str, dict[str, bool]]]()
_WORKER_KEY = "bastion_diff_results"


def _merge(config: pytest.Config, results: dict[str, dict[str, bool]]) -> None:
    merged = config.stash.setdefault(DIFF_RESULTS, {})
    for name, outcome in results.items():
        merged.setdefault(name, {}).update(outcome)


def pytest_sessionfinish(session: pytest.Session) -> None:
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: its outcomes travel with its "done" message
        workeroutput[_WORKER_KEY] = json.dumps(session.config.stash.get(DIFF_RESULTS, {}))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    raw = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if raw:
        _merge(node.config, json.loads(raw))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Per candidate: how many differential cases agree with PocketBase, and which do not."""
    results = config.stash.get(DIFF_RESULTS, None)
    if not results:
        return
    terminalreporter.section("differential summary (candidate vs PocketBase)")
    for name, outcome in sorted(results.items()):
        passed = sum(outcome.values())
        terminalreporter.write_line(f"{name}: {passed}/{len(outcome)} cases agree")
        failed = sorted(case for case, ok in outcome.items() if not ok)
        if failed:
            terminalreporter.write_line(
                "  differ: " + ", ".join(failed[:60]) + (" ..." if len(failed) > 60 else "")
            )
