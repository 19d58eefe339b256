"""Attribute time to named segments (db, auth, encode) of the request being served.

The HTTP layer binds the request's `Timings` collector for the duration of a handler; lower layers
(the store) report into whatever is bound, without knowing about HTTP. Outside a request nothing
is bound and reporting costs one context-variable read. Every `db` segment is also one statement
for the metrics (obs/metric_tally.py), in a request or not. The store reports each statement
through `statement()`, which also hands it to `statement_spans` when traces are on
(obs/tracing_otel.py sets it; while it is None a statement pays one global read for it).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar, Token
from typing import Any, Protocol

from bastion.obs.metric_tally import TALLY


class Collector(Protocol):
    def add(self, name: str, seconds: float) -> None: ...


StatementSpans = Callable[[float, str, str], None]  # seconds, SQL text, database system

statement_spans: StatementSpans | None = None
"""Told of every statement (its duration, text and database) while traces are on."""

_current: ContextVar[Collector | None] = ContextVar("bastion_segment_timings", default=None)


def bind(collector: Collector | None) -> Token[Collector | None]:
    return _current.set(collector)


def unbind(token: Token[Any]) -> None:
    _current.reset(token)


def add(name: str, seconds: float) -> None:
    if name == "db":
        TALLY.statement(seconds)
    collector = _current.get()
    if collector is not None:
        collector.add(name, seconds)


def statement(seconds: float, sql: str, system: str) -> None:
    """One database statement (`system`: `sqlite` or `postgresql`) that took `seconds`."""
    TALLY.statement(seconds)
    collector = _current.get()
    if collector is not None:
        collector.add("db", seconds)
    spans = statement_spans
    if spans is not None:
        spans(seconds, sql, system)
