"""Filter text -> `Expr` tree, with PocketBase's `fexpr` grammar and error cases.

`parse` is cached: rules and common client filters are parsed once per process. Groups are read
with an explicit stack, never by recursion, so a filter's bracket depth costs no Python stack;
what a deep filter would cost later (compiling, evaluating, the database's own parser) is bounded
by `MAX_NESTING` on the depth of the tree that remains once redundant brackets are gone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from bastion.rules.errors import RuleSyntaxError, go_quote
from bastion.rules.filter_ast import And, Comparison, Expr, Or, Token
from bastion.rules.filter_lexer import COMMENT, EOF_T, GROUP, JOIN, SIGN, WS, Scanner

MAX_FILTER_LENGTH = 3500  # PocketBase's per-filter length cap for client filters
# How deeply `&&` and `||` may alternate, `a || (b && (c || …))`: a group of the same join as its
# parent, or around a single comparison, adds nothing. Every tree walker recurses once per
# level, and SQLite's parser gives up on SQL much deeper than this; real filters stay far below.
MAX_NESTING = 32

_OPERAND_KINDS = ("identifier", "text", "number", "function")
_BEFORE_SIGN, _SIGN, _AFTER_SIGN, _JOIN = range(4)


@dataclass
class _Run:
    """The `fexpr.Parse` state machine over one span (the whole filter or one group)."""

    scanner: Scanner
    items: list[tuple[str, Expr, int]] = field(default_factory=list)  # (join, item, depth)
    step: int = _BEFORE_SIGN
    join: str = "&&"
    left: Token | None = None
    op: str = ""
    seen_any: bool = False

    def finish(self) -> tuple[Expr, int]:
        if self.step != _JOIN:
            if not self.items and not self.seen_any:
                raise RuleSyntaxError("empty filter expression")
            raise RuleSyntaxError("invalid or incomplete filter expression")
        if not self.items:
            raise RuleSyntaxError("empty filter expression")
        return _fold(self.items)


def _parse(text: str) -> Expr:
    runs = [_Run(Scanner(text))]
    while True:
        run = runs[-1]
        lex = run.scanner.scan()
        if lex.kind == EOF_T:
            expr, depth = run.finish()
            runs.pop()
            if not runs:
                return expr
            parent = runs[-1]
            # fexpr accepts a group wherever it appears and moves on to expect a join
            parent.items.append((parent.join, expr, depth))
            parent.step = _JOIN
            continue
        if lex.kind in (WS, COMMENT):
            continue
        run.seen_any = True
        if lex.kind == GROUP:
            assert lex.group is not None
            runs.append(_Run(lex.group))
            continue
        _step(run, lex.kind, lex.literal, lex.token)


def _step(run: _Run, kind: str, literal: str, token: Token | None) -> None:
    if run.step == _BEFORE_SIGN:
        if kind not in _OPERAND_KINDS:
            raise RuleSyntaxError(
                f"expected left operand (identifier, function, text or number), got {go_quote(literal)} ({kind})"
            )
        run.left = token
        run.step = _SIGN
    elif run.step == _SIGN:
        if kind != SIGN:
            raise RuleSyntaxError(f"expected a sign operator, got {go_quote(literal)} ({kind})")
        run.op = literal
        run.step = _AFTER_SIGN
    elif run.step == _AFTER_SIGN:
        if kind not in _OPERAND_KINDS:
            raise RuleSyntaxError(
                f"expected right operand (identifier, function, text or number), got {go_quote(literal)} ({kind})"
            )
        assert run.left is not None and token is not None
        run.items.append((run.join, Comparison(run.left, run.op, token), 0))
        run.step = _JOIN
    else:
        if kind != JOIN:
            raise RuleSyntaxError(f"expected && or ||, got {go_quote(literal)} ({kind})")
        run.join = literal
        run.step = _BEFORE_SIGN


def _fold(items: list[tuple[str, Expr, int]]) -> tuple[Expr, int]:
    """Apply SQL precedence (`&&` before `||`) to a joined run; a group of the same join as the
    run it sits in is merged into it (both are associative, in three-valued logic too)."""
    ors: list[tuple[Expr, int]] = []
    current: list[tuple[Expr, int]] = []
    for i, (join, item, depth) in enumerate(items):
        if i > 0 and join == "||":
            ors.append(_join(And, current))
            current = []
        current.append((item, depth))
    ors.append(_join(And, current))
    return _join(Or, ors)


def _join(kind: type[And] | type[Or], parts: list[tuple[Expr, int]]) -> tuple[Expr, int]:
    if len(parts) == 1:
        return parts[0]
    items: list[Expr] = []
    depth = 0
    for item, item_depth in parts:
        if isinstance(item, kind):
            items.extend(item.items)
            item_depth -= 1  # its items join this node instead
        else:
            items.append(item)
        depth = max(depth, item_depth)
    depth += 1
    if depth > MAX_NESTING:
        raise RuleSyntaxError(f"the filter nests && and || too deeply (max {MAX_NESTING} levels)")
    return kind(tuple(items)), depth


@lru_cache(maxsize=1024)
def parse(text: str) -> Expr:
    """Parse a filter/rule expression; raises RuleSyntaxError with a client-fit message."""
    if not isinstance(text, str):
        raise RuleSyntaxError("the filter expression must be a string")
    return _parse(text)


def check_syntax(text: str) -> str | None:
    """The syntax error message for a rule expression, or None when it parses."""
    try:
        parse(text)
    except RuleSyntaxError as exc:
        return str(exc)
    return None


SUPERUSER_ONLY_FIELDS = ("@collection.", "@request.")


def superuser_only_field(text: str) -> str | None:
    """`@collection.`/`@request.` when a client `filter`/`sort` uses it (PocketBase answers 403
    "Only superusers can filter by <field>" for non-superusers); None otherwise."""
    return next((f for f in SUPERUSER_ONLY_FIELDS if f in text), None)
