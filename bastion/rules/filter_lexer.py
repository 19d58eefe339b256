r"""The filter tokenizer: the same lexical rules as PocketBase's `fexpr` scanner.

Identifiers start with a letter, `@`, `_` or `#` and continue with letters, digits, `_`, `.`, `:`;
an identifier directly followed by `(` is a function call (nested at most 3 deep). Numbers are
digits with an optional leading `-` and one `.`. Text is '…' or "…"; a backslash escapes the next
character, and as in PocketBase 0.40.6 `\\`, `\'`, `\"`, `\n`, `\t` and `\r` stand for that
character while any other pair is kept as written (`'a\\b'` is `a\b`, `'c:\dir'` is `c:\dir`).
`//` starts a comment to the end of the line (or of the enclosing group).

A `(` group is what balances it (quotes respected, comments not: fexpr finds a group's end before
it reads what is inside). The scanner answers a group as the span of its content; the parser reads
that span with a scanner of its own. One pass over the group records where every nested group
ends, so reading deeply nested filters stays linear and never recurses.
"""

from __future__ import annotations

from dataclasses import dataclass

from bastion.rules.errors import RuleSyntaxError, go_quote
from bastion.rules.filter_ast import FUNCTION, IDENTIFIER, NUMBER, SIGN_OPS, TEXT, Token

WS = "whitespace"
JOIN = "join"
SIGN = "sign"
GROUP = "group"
COMMENT = "comment"
EOF_T = "eof"

MAX_FUNC_DEPTH = 3
_SIGN_CHARS = "=?!><~"
_SPECIAL_START = "@_#"


def _is_letter(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def _is_digit(ch: str) -> bool:
    return "0" <= ch <= "9"


def _ident_start(ch: str) -> bool:
    return _is_letter(ch) or ch in _SPECIAL_START


def _valid_identifier(lit: str) -> bool:
    return bool(lit) and lit[-1] not in ".:" and not (len(lit) == 1 and lit in _SPECIAL_START)


_UNESCAPED = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r"}


@dataclass
class Lexeme:
    kind: str  # one of the token kinds above or a filter_ast operand type
    literal: str
    token: Token | None = None  # set for operand lexemes
    group: Scanner | None = None  # set for GROUP: a scanner over the group's content


class Scanner:
    """Lexemes of `text[start:end]`. `ends` maps a `(` offset to its `)` offset, as found by the
    pass that delimited this span (see `_group`)."""

    def __init__(self, text: str, start: int = 0, end: int | None = None, ends: dict[int, int] | None = None):
        self.data = text
        self.pos = start
        self.end = len(text) if end is None else end
        self.ends = ends if ends is not None else {}

    def scan(self) -> Lexeme:
        if self.pos >= self.end:
            return Lexeme(EOF_T, "")
        ch = self.data[self.pos]
        if ch in " \t\n":
            return self._whitespace()
        if ch == "(":
            return self._group()
        if _ident_start(ch):
            return self._identifier(MAX_FUNC_DEPTH)
        if ch == "-" or _is_digit(ch):
            return self._number()
        if ch in "'\"":
            return self._text(preserve_quotes=False)
        if ch in _SIGN_CHARS:
            return self._run(SIGN, _SIGN_CHARS, SIGN_OPS, "sign operator")
        if ch in "&|":
            return self._run(JOIN, "&|", {"&&", "||"}, "join operator")
        if ch == "/":
            return self._comment()
        raise RuleSyntaxError(f"unexpected character {ch!r}")

    def _whitespace(self) -> Lexeme:
        start = self.pos
        while self.pos < self.end and self.data[self.pos] in " \t\n":
            self.pos += 1
        return Lexeme(WS, self.data[start : self.pos])

    def _run(self, kind: str, chars: str, valid: set[str] | frozenset[str], what: str) -> Lexeme:
        start = self.pos
        while self.pos < self.end and self.data[self.pos] in chars:
            self.pos += 1
        lit = self.data[start : self.pos]
        if lit not in valid:
            raise RuleSyntaxError(f"invalid {what} {go_quote(lit)}")
        return Lexeme(kind, lit)

    def _number(self) -> Lexeme:
        buf: list[str] = []
        had_dot = False
        while self.pos < self.end:
            ch = self.data[self.pos]
            if not (_is_digit(ch) or (ch == "-" and not buf) or (ch == "." and not had_dot)):
                break
            had_dot = had_dot or ch == "."
            buf.append(ch)
            self.pos += 1
        lit = "".join(buf)
        if lit == "-" or lit.startswith(".") or lit.endswith("."):
            raise RuleSyntaxError(f"invalid number {go_quote(lit)}")
        return Lexeme(NUMBER, lit, Token(NUMBER, lit))

    def _text(self, preserve_quotes: bool) -> Lexeme:
        start = self.pos
        self.pos = _text_end(self.data, start, self.end)
        lit = self.data[start : self.pos]
        if not preserve_quotes:
            lit = _unescape(lit[1:-1])
        return Lexeme(TEXT, lit, Token(TEXT, lit))

    def _comment(self) -> Lexeme:
        if self.data[self.pos : self.pos + 2] != "//":
            raise RuleSyntaxError("invalid comment")
        end = self.data.find("\n", self.pos, self.end)
        end = self.end if end < 0 else end
        lit = self.data[self.pos + 2 : end].strip()
        self.pos = end + 1 if end < self.end else end
        return Lexeme(COMMENT, lit)

    def _identifier(self, depth: int) -> Lexeme:
        start = self.pos
        self.pos += 1  # the (special) start rune
        while self.pos < self.end:
            ch = self.data[self.pos]
            if ch == "(":
                name = self.data[start : self.pos]
                if depth <= 0:
                    raise RuleSyntaxError(f"max nested function arguments reached (max: {MAX_FUNC_DEPTH})")
                if not _valid_identifier(name):
                    raise RuleSyntaxError(f"invalid function name {go_quote(name)}")
                return self._function_args(name, depth)
            if not (_is_letter(ch) or _is_digit(ch) or ch in "._:"):
                break
            self.pos += 1
        lit = self.data[start : self.pos]
        if not _valid_identifier(lit):
            raise RuleSyntaxError(f"invalid identifier {go_quote(lit)}")
        return Lexeme(IDENTIFIER, lit, Token(IDENTIFIER, lit))

    def _function_args(self, name: str, depth: int) -> Lexeme:
        self.pos += 1  # "("
        args: list[Token] = []
        expect_comma = False
        while True:
            if self.pos >= self.end:
                raise RuleSyntaxError(f"invalid or incomplete function {go_quote(name)} (expected ')')")
            ch = self.data[self.pos]
            if ch == ")":
                self.pos += 1
                return Lexeme(FUNCTION, name, Token(FUNCTION, name, tuple(args)))
            if ch in " \t\n":
                self._whitespace()
                continue
            if ch == "/":
                self._comment()
                continue
            is_comma = ch == ","
            if expect_comma and not is_comma:
                raise RuleSyntaxError(f"expected comma after the last argument in function {go_quote(name)}")
            if not expect_comma and is_comma:
                raise RuleSyntaxError(f"unexpected comma in function {go_quote(name)}")
            expect_comma = False
            if is_comma:
                self.pos += 1
                continue
            if _ident_start(ch):
                lex = self._identifier(depth - 1)
            elif ch == "-" or _is_digit(ch):
                lex = self._number()
            elif ch in "'\"":
                lex = self._text(preserve_quotes=False)
            else:
                raise RuleSyntaxError(f"unsupported argument character {ch!r} in function {go_quote(name)}")
            assert lex.token is not None
            args.append(lex.token)
            expect_comma = True

    def _group(self) -> Lexeme:
        start = self.pos
        ends = self.ends
        if start not in ends:
            # not delimited by the pass that delimited this span (or at the top level): a new pass
            ends = _group_ends(self.data, start, self.end)
        close = ends[start]
        self.pos = close + 1
        return Lexeme(GROUP, "", group=Scanner(self.data, start + 1, close, ends))


def _text_end(data: str, start: int, end: int) -> int:
    """The offset just past the quoted text starting at `start` (a backslash escapes the next
    character, so `'a\\'` is closed and `'a\'` is not)."""
    quote = data[start]
    i = start + 1
    while i < end:
        ch = data[i]
        if ch == "\\":
            i += 2
            continue
        if ch == quote:
            return i + 1
        i += 1
    raise RuleSyntaxError(f"invalid quoted text {go_quote(data[start:end])}")


def _unescape(body: str) -> str:
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            out.append(_UNESCAPED.get(nxt, ch + nxt))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _group_ends(data: str, start: int, end: int) -> dict[int, int]:
    """Where the group opened at `start` closes, and every group nested in it: one pass that
    balances brackets outside quoted text (comments are not recognised here, as in fexpr)."""
    ends: dict[int, int] = {}
    opened = [start]
    i = start + 1
    while i < end:
        ch = data[i]
        if ch in "'\"":
            i = _text_end(data, i, end)
            continue
        if ch == "(":
            opened.append(i)
        elif ch == ")":
            ends[opened.pop()] = i
            if not opened:
                return ends
        i += 1
    raise RuleSyntaxError(f"invalid formatted group - missing {len(opened)} closing bracket(s)")
