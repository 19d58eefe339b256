"""The `fields` query parameter: keep only the listed keys of a JSON response.

PocketBase (tools/picker) applies it to every successful JSON response:

    fields=id,title                 only these keys
    fields=*,expand.author.name     every root key, but only `name` inside expand.author
    fields=expand.author.*          every key of expand.author, nothing else
    fields=body:excerpt(200,true)   plain-text excerpt of an HTML string, "..." when cut

Lists of objects are filtered item by item; for a list result (`{"items": [...], "page": ...}`)
only the items are filtered (`items_only=True`). A path into a non-object value keeps the value
whole. Malformed expressions (unbalanced brackets or quotes, unknown modifier, bad arguments)
are a generic 400, as in PocketBase.

The result is a new structure; values that are kept whole are shared with the input, not copied.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape as html_unescape
from html.parser import HTMLParser
from typing import Any

from bastion.errors import BadRequestError

__all__ = ["ExcerptModifier", "ParsedFields", "excerpt", "parse_fields", "pick_fields", "tokenize"]

# Go's tokenizer trims these around each token (minus whichever are separators)
_TOKEN_TRIM = "\t\n\v\f\r \x85\xa0"
_QUOTES = "'\"`"


def tokenize(raw: str, separators: str = ",", ignore_parenthesis: bool = False) -> list[str]:
    """Split on separators outside quotes and (unless ignored) parentheses; PocketBase's
    tools/tokenizer. Empty tokens are skipped; unbalanced input raises ValueError."""
    trim = "".join(c for c in _TOKEN_TRIM if c not in separators)
    tokens: list[str] = []
    buf: list[str] = []
    depth = 0
    quote = ""
    prev = ""

    def flush() -> None:
        if depth > 0 or quote:
            raise ValueError(f"unbalanced parenthesis or quoted expression: {''.join(buf)!r}")
        token = "".join(buf).strip(trim)
        if token:
            tokens.append(token)
        buf.clear()

    for ch in raw:
        if prev != "\\":
            if not ignore_parenthesis and ch == "(" and not quote:
                depth += 1
            elif not ignore_parenthesis and ch == ")" and depth > 0 and not quote:
                depth -= 1
            elif ch in _QUOTES:
                if quote == ch:
                    quote = ""
                elif not quote:
                    quote = ch
        if ch in separators and depth == 0 and not quote:
            flush()
            prev = ""
            continue
        prev = ch
        buf.append(ch)
    if buf or depth or quote:
        flush()
    return tokens


_GO_OCTAL = re.compile(r"[+-]?0[0-7]+\Z")
_GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


def _cast_int(raw: str) -> int:
    """spf13/cast ToInt on a string: drop any decimal part, parse with Go base prefixes, 0 on failure."""
    raw = raw.split(".", 1)[0]
    try:
        if _GO_OCTAL.match(raw):
            return int(raw, 8)
        return int(raw, 0)
    except ValueError:
        return 0


@dataclass(frozen=True, slots=True)
class ExcerptModifier:
    max_length: int
    with_ellipsis: bool = False

    @classmethod
    def from_args(cls, args: list[str]) -> ExcerptModifier:
        if not args:
            raise ValueError("max argument is required - expected (max, withEllipsis?)")
        if len(args) > 2:
            raise ValueError("too many arguments - expected (max, withEllipsis?)")
        max_length = _cast_int(args[0])
        if max_length <= 0:
            raise ValueError("max argument must be > 0")
        return cls(max_length, len(args) > 1 and args[1] in _GO_TRUE)

    def apply(self, value: Any) -> Any:
        # non-strings pass through untouched (the field may be a missing expand, a number ...)
        if not isinstance(value, str):
            return value
        return excerpt(value, self.max_length, self.with_ellipsis)


Modifier = ExcerptModifier
_MODIFIERS = {"excerpt": ExcerptModifier.from_args}


def _parse_modifier(raw: str) -> Modifier:
    parts = tokenize(raw, separators="(), ", ignore_parenthesis=True)
    if not parts:
        raise ValueError(f"invalid or empty modifier expression {raw!r}")
    factory = _MODIFIERS.get(parts[0])
    if factory is None:
        raise ValueError(f"missing or invalid modifier {parts[0]!r}")
    return factory(parts[1:])


# field path -> modifier (or None); insertion-ordered, a repeated path keeps the last modifier
ParsedFields = dict[str, Modifier | None]


@lru_cache(maxsize=512)
def _parse_cached(raw: str) -> tuple[tuple[str, Modifier | None], ...]:
    result: ParsedFields = {}
    for token in tokenize(raw):
        name, sep, modifier = token.strip().partition(":")
        result[name] = _parse_modifier(modifier) if sep else None
    return tuple(result.items())


def parse_fields(raw: str) -> ParsedFields:
    """Parse a `fields` expression (cached per distinct string). Raises BadRequestError."""
    try:
        return dict(_parse_cached(raw))
    except ValueError:
        raise BadRequestError() from None


_LIST_RESULT_KEYS = frozenset({"items", "page", "perPage", "totalItems", "totalPages"})


def pick_fields(data: Any, fields: str | ParsedFields, *, items_only: bool | None = None) -> Any:
    """Apply a `fields` expression to a response body (object, or list of objects).

    With items_only the body is a list result and only its `items` are filtered; left as None,
    a dict with exactly the list result keys is taken to be one (a record always has an id).
    An empty expression returns `data` itself.
    """
    parsed = parse_fields(fields) if isinstance(fields, str) else fields
    if not parsed:
        return data
    if items_only is None:
        items_only = isinstance(data, dict) and data.keys() == _LIST_RESULT_KEYS
    if items_only:
        if isinstance(data, dict) and "items" in data:
            return {**data, "items": _pick_value(data["items"], parsed)}
        return data
    return _pick_value(data, parsed)


def _pick_value(data: Any, fields: ParsedFields) -> Any:
    if isinstance(data, dict):
        return _pick_map(data, fields)
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return [_pick_map(item, fields) if isinstance(item, dict) else item for item in data]
    return data  # scalars and lists of scalars: nothing to pick inside


def _pick_map(data: dict[str, Any], fields: ParsedFields) -> dict[str, Any]:
    if not fields:
        return data

    if "*" in fields:
        star = fields["*"]
        fields = dict(fields)
        for key in data:
            if not any((f + ".").startswith(key + ".") for f in fields):
                fields[key] = star

    out: dict[str, Any] = {}
    for key, value in data.items():
        prefix = key + "."
        matching = {f: m for f, m in fields.items() if (f + ".").startswith(prefix)}
        if not matching:
            continue
        if key in matching:
            # the key itself is listed: keep it whole, through its modifier if any
            modifier = matching[key]
            out[key] = modifier.apply(value) if modifier is not None else value
            continue
        rest = {(f + ".")[len(prefix) :].removesuffix("."): m for f, m in matching.items()}
        out[key] = _pick_value(value, rest)
    return out


# ---------------------------------------------------------------------------------------------
# excerpt: HTML to a short plain text, walking the document as PocketBase does (including its
# early stop once enough bytes were collected, which can leave multi-byte text shorter than max)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_EXCLUDED_TAGS = _words(
    "head style script iframe embed applet object svg img picture dialog template button form "
    "textarea input select option"
)
_INLINE_TAGS = _words(
    "a abbr acronym b bdo big br button cite code em i label q small span strong strike sub sup time"
)
_VOID_TAGS = _words("area base br col embed hr img input keygen link meta param source track wbr")
# elements an HTML5 parser puts into <head> while no body content has been seen yet
_HEAD_TAGS = _words("base basefont bgsound link meta noframes noscript script style template title")
# start tags that implicitly close an open <p>
_CLOSES_P = _words(
    "address article aside blockquote details div dl fieldset figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr main menu nav ol p pre section ul li dd dt"
)
_GO_WS_RUN = re.compile(r"[\t\n\f\r ]+")  # Go's \s: ASCII only, no \v
# Go's unicode.IsSpace (strings.TrimSpace)
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


# HTML5 raw text elements (RCDATA ones get their character references decoded)
_RAW_TEXT = ("script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "title", "textarea")
_RCDATA = ("title", "textarea")
_FOREIGN = ("svg", "math")
# HTML start tags that end svg/math content (the rest become foreign elements)
_BREAKOUT = _words(
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i img li "
    "listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u ul var"
)
_TABLE_PARTS = _words("caption col colgroup tbody td tfoot th thead tr")
_FOSTER_PARENTS = _words("table tbody tfoot thead tr")
_HEADINGS = _words("h1 h2 h3 h4 h5 h6")
_FORMATTING = _words("a b big code em font i nobr s small strike strong tt u")
_MARKER_TAGS = _words("td th caption applet object marquee template")
# start tags that do not reopen closed formatting elements first
_NO_RECONSTRUCT = (
    _CLOSES_P
    | _TABLE_PARTS
    | _HEAD_TAGS
    | _words("table hr textarea iframe noembed noscript param source track plaintext listing frameset")
)
_SCOPE_LIMITS = _words("applet caption html table td th marquee object template svg math")
# "special" elements stop the search for an open <li> (except address, div and p)
_LI_LIMITS = _words(
    "applet area article aside base blockquote body br button caption center col colgroup dd details dir "
    "dl dt embed fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup "
    "hr html iframe img input li link listing main marquee menu meta nav noembed noframes noscript object "
    "ol param plaintext pre script section select source style summary table tbody td template textarea "
    "tfoot th thead title tr track ul wbr xmp"
)
# the "special" elements of the HTML5 parser (an adoption agency furthest block is one)
_SPECIAL = _LI_LIMITS | _words("address div p basefont bgsound center keygen search")


@dataclass(slots=True)
class _Node:
    tag: str | None  # None for a text node
    text: str = ""
    children: list[_Node] = field(default_factory=list)
    parent: _Node | None = None


def _move(node: _Node, parent: _Node) -> None:
    if node.parent is not None:
        node.parent.children = [c for c in node.parent.children if c is not node]
    node.parent = parent
    parent.children.append(node)


class _TreeBuilder(HTMLParser):
    """A forgiving DOM builder covering the parts of HTML5 tree construction that change an
    excerpt: head content, raw text elements, svg break-out, table parts and foster parenting,
    implied end tags, the adoption agency and the reconstruction of formatting elements.
    Not modelled: foreign content details, quirks beyond <table> inside <p>, form pointers."""

    CDATA_CONTENT_ELEMENTS = _RAW_TEXT

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.head = _Node("head")
        self.body = _Node("body")
        html = _Node("html", children=[self.head, self.body])
        self.head.parent = self.body.parent = html
        self.root = _Node(None, children=[html])
        self.stack: list[_Node] = [self.body]
        self.counts: Counter[str | None] = Counter()  # open elements per tag, for cheap scope checks
        self.active: list[_Node | None] = []  # active formatting elements; None is a marker
        self.in_head_phase = True

    # -- tree helpers

    def _insert(self, node: _Node) -> None:
        target = self.stack[-1]
        table = None
        misplaced = node.tag not in _TABLE_PARTS if node.tag else bool(node.text.strip("\t\n\f\r "))
        if target.tag in _FOSTER_PARENTS and misplaced:
            table = next((n for n in reversed(self.stack) if n.tag == "table"), None)
        if table is not None:
            # content misplaced inside a table goes right before the table
            parent = table.parent or self.body
            index = parent.children.index(table)
            if node.tag is None and index and parent.children[index - 1].tag is None:
                parent.children[index - 1].text += node.text
                return
            node.parent = parent
            parent.children.insert(index, node)
            return
        if node.tag is None and target.children and target.children[-1].tag is None:
            target.children[-1].text += node.text  # adjacent text is one node, as in a DOM
            return
        node.parent = target
        target.children.append(node)

    def _push(self, tag: str) -> _Node:
        node = _Node(tag)
        self._insert(node)
        if tag not in _VOID_TAGS:
            self._enter(node)
        return node

    def _enter(self, node: _Node) -> None:
        self.stack.append(node)
        self.counts[node.tag] += 1

    def _pop_to(self, index: int) -> None:
        """Close every element from stack[index] up; closing a cell clears formatting to its marker."""
        closed = self.stack[index:]
        del self.stack[index:]
        for node in closed:
            self.counts[node.tag] -= 1
        if any(n.tag in _MARKER_TAGS for n in closed) and None in self.active:
            while self.active and self.active.pop() is not None:
                pass

    def _on_stack(self, node: _Node) -> bool:
        return self.counts[node.tag] > 0 and any(n is node for n in self.stack)

    def _in_foreign(self) -> bool:
        return self.counts["svg"] + self.counts["math"] > 0

    def _open(self, tag: str) -> bool:
        return self.counts[tag] > 0

    def _in_scope(self, tag: str, limits: frozenset[str] = _SCOPE_LIMITS) -> bool:
        if not self.counts[tag]:
            return False
        for node in reversed(self.stack[1:]):
            if node.tag == tag:
                return True
            if node.tag in limits:
                return False
        return False

    def _close(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                self._pop_to(i)
                return

    def _active_entry(self, tag: str) -> _Node | None:
        for entry in reversed(self.active):
            if entry is None:
                return None
            if entry.tag == tag:
                return entry
        return None

    def _reconstruct(self) -> None:
        """Reopen formatting elements that an implied end tag closed (<p><b>a<div>b: b is bold)."""
        entries = self.active
        if not entries or entries[-1] is None or self._on_stack(entries[-1]):
            return
        i = len(entries) - 1
        while i > 0:
            before = entries[i - 1]
            if before is None or self._on_stack(before):
                break
            i -= 1
        for j in range(i, len(entries)):
            entry = entries[j]
            if entry is not None:
                entries[j] = self._push(entry.tag or "")

    def _end_formatting(self, tag: str) -> bool:
        """End tag of a formatting element: HTML5's adoption agency algorithm. False when `tag`
        has no active formatting element (then it is handled as any other end tag)."""
        for _ in range(8):
            entry = self._active_entry(tag)
            if entry is None:
                return _ > 0
            if not self._on_stack(entry):
                self.active.remove(entry)
                return True
            if not self._in_scope(tag):
                return True
            at = self._stack_index(entry)
            furthest = next((n for n in self.stack[at + 1 :] if n.tag in _SPECIAL), None)
            if furthest is None:
                self._pop_to(at)
                self.active.remove(entry)
                return True
            self._adopt(entry, at, furthest)
        return True

    def _stack_index(self, node: _Node) -> int:
        return next(i for i, n in enumerate(self.stack) if n is node)

    def _adopt(self, entry: _Node, at: int, furthest: _Node) -> None:
        """The adoption agency's outer loop body: formatting elements between `entry` and the
        furthest block are cloned around it, and the block's content moves into a clone of `entry`."""
        ancestor = self.stack[at - 1]
        bookmark = self.active.index(entry)
        node = last = furthest
        index = self._stack_index(furthest)
        inner = 0
        while True:
            index -= 1
            node = self.stack[index]
            if node is entry:
                break
            inner += 1
            in_active = any(e is node for e in self.active)
            if inner > 3 and in_active:
                self.active.remove(node)
                in_active = False
            if not in_active:
                del self.stack[index]
                self.counts[node.tag] -= 1
                continue
            clone = _Node(node.tag)
            self.active[self.active.index(node)] = clone
            self.stack[index] = clone
            node = clone
            if last is furthest:
                bookmark = self.active.index(clone) + 1
            _move(last, node)
            last = node
        _move(last, ancestor)
        clone = _Node(entry.tag)
        for child in list(furthest.children):
            _move(child, clone)
        _move(clone, furthest)
        self.active.remove(entry)
        self.active.insert(min(bookmark, len(self.active)), clone)
        self.stack.remove(entry)
        self.stack.insert(self._stack_index(furthest) + 1, clone)

    # -- parser events

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        in_foreign = self._in_foreign()
        if in_foreign and tag in _BREAKOUT:
            self._pop_to(next(i for i, n in enumerate(self.stack) if n.tag in _FOREIGN))
            in_foreign = False
        # raw text switching happens right after this call; foreign content has none
        self.CDATA_CONTENT_ELEMENTS = () if in_foreign else _RAW_TEXT
        if tag in ("html", "body", "head"):
            if tag == "body":
                self.in_head_phase = False
            return
        if self.in_head_phase and tag in _HEAD_TAGS:
            node = _Node(tag, parent=self.head)
            self.head.children.append(node)
            if tag not in _VOID_TAGS:
                self._enter(node)
            return
        self.in_head_phase = False
        if in_foreign:
            self._push(tag)
            return
        if self._open("select") and not self._select_start(tag):
            return
        if not self._table_tag(tag):
            return
        self._implied_ends(tag)
        if tag not in _NO_RECONSTRUCT:
            self._reconstruct()
        node = self._push(tag)
        if tag in _FORMATTING:
            self.active.append(node)
        elif tag in _MARKER_TAGS:
            self.active.append(None)

    def _select_start(self, tag: str) -> bool:
        """Inside <select> most tags are dropped; True when `tag` is still to be processed."""
        self.CDATA_CONTENT_ELEMENTS = ("script",)
        if tag in ("select", "input", "keygen", "textarea"):
            self._close("select")  # these end the select; a nested <select> is only an end tag
            self.CDATA_CONTENT_ELEMENTS = _RAW_TEXT
            return tag != "select"
        if tag in ("option", "optgroup"):
            if self.stack[-1].tag == "option":
                self._pop_to(len(self.stack) - 1)
            if tag == "optgroup" and self.stack[-1].tag == "optgroup":
                self._pop_to(len(self.stack) - 1)
            self._push(tag)
            return False
        if tag in ("script", "template"):
            self._push(tag)
        return False

    def _implied_ends(self, tag: str) -> None:
        """End tags an HTML5 parser implies before opening `tag`."""
        if tag in _CLOSES_P and self._in_scope("p", _SCOPE_LIMITS | {"button"}):
            self._close("p")
        if tag == "li" and self.counts["li"]:
            for node in reversed(self.stack[1:]):
                if node.tag == "li":
                    self._close("li")
                    break
                if node.tag in _LI_LIMITS and node.tag not in ("address", "div", "p"):
                    break
        if (tag == "option" and self.stack[-1].tag == "option") or (
            tag in _HEADINGS and self.stack[-1].tag in _HEADINGS
        ):
            self._pop_to(len(self.stack) - 1)
        if tag == "button" and self._in_scope("button"):
            self._close("button")
        if tag == "a" and self._active_entry("a") is not None:
            entry = self._active_entry("a")
            self._end_formatting("a")
            if entry in self.active:
                self.active.remove(entry)
            if entry is not None and self._on_stack(entry):
                self.stack.remove(entry)
                self.counts["a"] -= 1

    def _table_tag(self, tag: str) -> bool:
        """Table parts outside a table are dropped; inside, a new cell/row ends the open one."""
        if tag not in _TABLE_PARTS:
            return True
        if not self._open("table"):
            return False
        table_at = max(i for i, n in enumerate(self.stack) if n.tag == "table")
        closers = {"td": ("td", "th"), "th": ("td", "th"), "tr": ("td", "th", "tr")}.get(tag, _TABLE_PARTS)
        for i in range(len(self.stack) - 1, table_at, -1):
            if self.stack[i].tag in closers:
                self._pop_to(i)
                break
        return True

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        # HTML5 ignores the "/>" of non-void elements: <div/> opens a div
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "p" and not self._in_scope("p", _SCOPE_LIMITS | {"button"}):
            self._reconstruct()
            self._insert(_Node("p"))  # a stray </p> makes an empty paragraph
            return
        if tag in _TABLE_PARTS and not self._open("table"):
            return
        if self._open("select") and tag not in ("select", "option", "optgroup", "script", "template"):
            return  # other end tags mean nothing inside a select
        if tag in _FORMATTING and self._end_formatting(tag):
            return
        self._close(tag)

    def handle_data(self, data: str) -> None:
        if self.in_head_phase and len(self.stack) == 1:
            data = data.lstrip("\t\n\f\r ")
            if not data:
                return
            self.in_head_phase = False
        top = self.stack[-1].tag
        if top in _RCDATA:
            data = html_unescape(data)
        if top not in _RAW_TEXT and not self._in_foreign():
            self._reconstruct()
        self._insert(_Node(None, data))

    def close(self) -> None:
        super().close()
        # an unterminated raw text element runs to the end of the input
        if self.cdata_elem and self.rawdata:
            self.handle_data(self.rawdata)
            self.rawdata = ""


# Markup an HTML5 tokenizer turns into nothing visible but Python's HTMLParser would show as text
# (or choke on): a tag cut off by the end of input, empty and unterminated comments, bogus
# comments (<![CDATA[...]]>, <?...>, <!x>), NUL characters.
_INVISIBLE_MARKUP = re.compile(
    r"<(?:[a-zA-Z]|/[a-zA-Z])[^>]*\Z"
    r"|<!---?>"
    r"|<!--(?:(?!-->).)*\Z"
    r"|<!(?!--|doctype)[^>]*(?:>|\Z)"
    r"|<\?[^>]*(?:>|\Z)"
    r"|\x00",
    re.DOTALL | re.IGNORECASE,
)


def _byte_len(s: str) -> int:
    return len(s.encode("utf-8", "surrogatepass"))


def excerpt(html: str, max_length: int, with_ellipsis: bool = False) -> str:
    """Plain text of `html`, whitespace collapsed, cut to max_length characters ("..." if asked)."""
    builder = _TreeBuilder()
    try:
        builder.feed(_INVISIBLE_MARKUP.sub("", html))
        builder.close()
    except AssertionError:
        pass  # HTMLParser gives up on some malformed declarations; keep the tree built so far

    parts: list[str] = []
    size = 0
    prev_space = False
    limit = max_length + 2  # bytes; the +2 allows for the spaces trimmed at the end

    def write(s: str) -> None:
        nonlocal size
        parts.append(s)
        size += _byte_len(s)

    def enter(node: _Node) -> bool:
        """Emit a node's own text; True when its children should be walked."""
        nonlocal prev_space
        if node.tag is None:
            txt = _GO_WS_RUN.sub(" ", node.text)
            if prev_space:
                txt = txt.lstrip(" ")
            if txt:
                prev_space = txt.endswith(" ")
                write(txt)
        return size <= limit and bool(node.children)

    # explicit stack instead of recursion: user HTML may nest deeper than Python's limit
    stack: list[tuple[Any, bool]] = []
    if enter(builder.root):
        stack.append((iter(builder.root.children), False))
    while stack:
        children, _ = stack[-1]
        child = next(children, None)
        if child is None:
            _, is_block = stack.pop()
            if is_block and not prev_space:
                write(" ")
                prev_space = True
            continue
        if child.tag is not None and child.tag in _EXCLUDED_TAGS:
            continue
        is_block = child.tag is not None and child.tag not in _INLINE_TAGS
        if is_block and not prev_space:
            write(" ")
            prev_space = True
        if enter(child):
            stack.append((iter(child.children), is_block))
        elif is_block and not prev_space:
            write(" ")
            prev_space = True

    result = "".join(parts).strip(_GO_SPACE)
    if len(result) > max_length:
        result = result[:max_length].strip(_GO_SPACE)
        if with_ellipsis:
            result += "..."
    return result
