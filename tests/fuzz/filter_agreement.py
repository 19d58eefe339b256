"""One filter, three implementations: the SQL on SQLite, the SQL on PostgreSQL and the in-memory
evaluator (the one realtime uses) must return the same rows, or all refuse it.

Each answers `rows`, `refused` (what the API answers 400: a syntax or resolve error, or a value
the database refuses, as api/asgi.py maps them) or `crash` (anything else: the API's 5xx).
`Tally` counts the inputs by outcome. An input is:

- valid: every implementation answered rows, and the same ones (else a disagreement);
- invalid: every one refused it;
- split: some refused, the others answered. Only the refusals listed in `KNOWN_SPLITS` are
  expected (strftime beyond what PostgreSQL's to_char or the evaluator can do, a NUL that
  PostgreSQL's text cannot hold); any other split is a disagreement.
"""

from __future__ import annotations

import copy
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bastion import rules
from bastion.rules import RequestInfo
from bastion.store.sqlite import _LIMIT_MESSAGES
from tests.contract.rules.rules_world import ROWS, World

NOW = datetime(2024, 6, 15, 12, 30, 45, 123000, tzinfo=UTC)  # the macros' clock, the same for all three
_REFUSED = (
    rules.RuleSyntaxError,
    rules.RuleResolveError,
    OverflowError,
    sqlite3.DataError,
    asyncpg.DataError,
    asyncpg.ProgramLimitExceededError,
)
# (implementation, words of its refusal): the refusals a split may come from
KNOWN_SPLITS = (
    ("postgres", "strftime"),  # formats and modifiers to_char has no equivalent for
    ("evaluator", "strftime"),  # modifiers the evaluator does not implement
    ("postgres", "invalid byte sequence"),  # NUL in a text parameter
    ("postgres", "0x00"),
)


@dataclass(frozen=True)
class Answer:
    kind: str  # "rows", "refused" or "crash"
    rows: tuple[str, ...] = ()
    reason: str = ""


def _refusal(exc: BaseException) -> bool:
    if isinstance(exc, _REFUSED):
        return True
    return isinstance(exc, sqlite3.OperationalError) and str(exc).startswith(_LIMIT_MESSAGES)


def _answer(run: Any) -> Answer:
    try:
        return Answer("rows", tuple(sorted(run())))
    except Exception as exc:  # noqa: BLE001 - every failure is classified, as the API's guard does
        kind = "refused" if _refusal(exc) else "crash"
        return Answer(kind, reason=f"{type(exc).__name__}: {exc}"[:300])


@dataclass
class Tally:
    inputs: int = 0
    valid: int = 0
    invalid: int = 0
    splits: Counter[str] = field(default_factory=Counter)
    crashes: list[tuple[str, str, str]] = field(default_factory=list)  # (filter, where, reason)
    disagreements: list[tuple[str, dict[str, Answer]]] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"inputs={self.inputs} valid={self.valid} invalid-400={self.invalid} "
            f"split-400={sum(self.splits.values())} 5xx={len(self.crashes)} "
            f"disagreements={len(self.disagreements)}"
        )


def load(world: World, posts: list[dict[str, Any]]) -> None:
    """`posts` (ids given here) as the world's posts, the other collections as ROWS has them."""
    rows = copy.deepcopy(ROWS)
    rows["posts"] = [{"id": f"p{i}", **p} for i, p in enumerate(posts)]
    world.reload(rows)


def check(world: World, expr: str, request: RequestInfo, tally: Tally) -> None:
    """Run `expr` three ways over the world's posts and count the outcome in `tally`."""
    answers = {"evaluator": _answer(lambda: world.eval_ids("posts", expr, request, now=NOW))}
    answers["sqlite"] = _answer(lambda: world.sql_ids("sqlite", "posts", expr, request, now=NOW))
    if world.pg is not None:
        answers["postgres"] = _answer(lambda: world.sql_ids("postgres", "posts", expr, request, now=NOW))
    tally.inputs += 1
    for where, answer in answers.items():
        if answer.kind == "crash":
            tally.crashes.append((expr, where, answer.reason))
    kinds = {a.kind for a in answers.values()}
    if kinds == {"rows"}:
        if len({a.rows for a in answers.values()}) == 1:
            tally.valid += 1
        else:
            tally.disagreements.append((expr, answers))
    elif kinds == {"refused"}:
        tally.invalid += 1
    elif "crash" not in kinds:
        refused = [(w, a.reason) for w, a in answers.items() if a.kind == "refused"]
        known = [
            next((f"{w}: {words}" for w2, words in KNOWN_SPLITS if w2 == w and words in r), "")
            for w, r in refused
        ]
        if all(known):
            tally.splits[known[0]] += 1
        else:
            tally.disagreements.append((expr, answers))
