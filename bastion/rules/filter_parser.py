"""Filter text -> `Expr` tree, with PocketBase's `fexpr` grammar and error cases.

`parse` is cached: rules and common client filters are parsed once per process.
"""

from __future__ import annotations

from functools import lru_cache

from bastion.rules.errors import RuleSyntaxError
from bastion.rules.filter_ast import And, Comparison, Expr, Or, Token
from bastion.rules.filter_lexer import COMMENT, EOF_T, GROUP, JOIN, SIGN, WS, Scanner

MAX_FILTER_LENGTH = 3500  # PocketBase's per-filter length cap for client filters

_OPERAND_KINDS = ("identifier", "text", "number", "function")
_BEFORE_SIGN, _SIGN, _AFTER_SIGN, _JOIN = range(4)


def _parse_flat(text: str) -> list[tuple[str, Expr]]:
    """The `fexpr.Parse` state machine: a flat list of (join, item)."""
    result: list[tuple[str, Expr]] = []
    scanner = Scanner(text)
    step = _BEFORE_SIGN
    join = "&&"
    left: Token | None = None
    op = ""
    seen_any = False
    while True:
        lex = scanner.scan()
        if lex.kind == EOF_T:
            break
        if lex.kind in (WS, COMMENT):
            continue
        seen_any = True
        if lex.kind == GROUP:
            # fexpr accepts a group wherever it appears and moves on to expect a join
            result.append((join, _fold(_parse_flat(lex.literal))))
            step = _JOIN
            continue
        if step == _BEFORE_SIGN:
            if lex.kind not in _OPERAND_KINDS:
                raise RuleSyntaxError(
                    f"expected left operand (identifier, function, text or number), got {lex.literal!r} ({lex.kind})"
                )
            left = lex.token
            step = _SIGN
        elif step == _SIGN:
            if lex.kind != SIGN:
                raise RuleSyntaxError(f"expected a sign operator, got {lex.literal!r} ({lex.kind})")
            op = lex.literal
            step = _AFTER_SIGN
        elif step == _AFTER_SIGN:
            if lex.kind not in _OPERAND_KINDS:
                raise RuleSyntaxError(
                    f"expected right operand (identifier, function, text or number), got {lex.literal!r} ({lex.kind})"
                )
            assert left is not None and lex.token is not None
            result.append((join, Comparison(left, op, lex.token)))
            step = _JOIN
        else:
            if lex.kind != JOIN:
                raise RuleSyntaxError(f"expected && or ||, got {lex.literal!r} ({lex.kind})")
            join = lex.literal
            step = _BEFORE_SIGN
    if step != _JOIN:
        if not result and not seen_any:
            raise RuleSyntaxError("empty filter expression")
        raise RuleSyntaxError("invalid or incomplete filter expression")
    if not result:
        raise RuleSyntaxError("empty filter expression")
    return result


def _fold(items: list[tuple[str, Expr]]) -> Expr:
    """Apply SQL precedence (`&&` before `||`) to a flat joined run."""
    ors: list[Expr] = []
    current: list[Expr] = []
    for i, (join, item) in enumerate(items):
        if i > 0 and join == "||":
            ors.append(current[0] if len(current) == 1 else And(tuple(current)))
            current = []
        current.append(item)
    ors.append(current[0] if len(current) == 1 else And(tuple(current)))
    return ors[0] if len(ors) == 1 else Or(tuple(ors))


@lru_cache(maxsize=1024)
def parse(text: str) -> Expr:
    """Parse a filter/rule expression; raises RuleSyntaxError with a client-fit message."""
    if not isinstance(text, str):
        raise RuleSyntaxError("the filter expression must be a string")
    return _fold(_parse_flat(text))


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
