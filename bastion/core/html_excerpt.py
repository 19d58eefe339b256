"""Plain-text excerpt of an HTML value: the `:excerpt(max, withEllipsis?)` fields modifier.

PocketBase (tools/picker/excerpt_modifier.go) parses the value with Go's HTML5 parser and walks
the tree: text nodes are written with ASCII whitespace runs collapsed, block elements (anything
not in its inline list) are surrounded by one space, a fixed list of elements (head, script,
form, svg ...) is skipped whole, and the walk stops descending once more than `max + 2` bytes
were written, before the result is trimmed and cut to `max` characters. Those quirks are
observable (multi-byte text can come out shorter than `max`), so the walk below follows them.

The parsing is lexbor's HTML5 tree builder (selectolax), with scripting enabled as in Go's
parser (`<noscript>` content is raw text). Two limits apply, whatever the value:

- Go's parser refuses a document whose stack of open elements passes 512; PocketBase then
  leaves the whole response unfiltered. `ExcerptUnavailable` reports the same refusal, found as
  an element more than 512 levels deep in the parsed tree.
- HTML5 tree building is quadratic in nesting depth by design (lexbor, html5ever and Go's parser
  alike: Go stops at 512 for that reason), its formatting-element reconstruction can clone
  hundreds of elements per tag, and lexbor checks each attribute against the element's others,
  so a 1 MB value could cost minutes. Only what comes before the value's (MAX_TAGS + 1)th tag,
  and before MAX_ATTRIBUTES attributes in all, is read: an excerpt needs the beginning of the
  text, and the text before the cut comes out as it would from the whole value (save for markup
  after the cut that reaches back, such as text misplaced inside an open table). A value that
  needs more (over 512 tags or 2,048 attributes before the excerpt's text, or nesting past 512
  after them) is where the answer can differ from PocketBase's, which reads it all and takes up
  to a second on such values.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborDocumentOptions, LexborHTMLParser, LexborNode

__all__ = ["MAX_ATTRIBUTES", "MAX_OPEN_ELEMENTS", "MAX_TAGS", "ExcerptUnavailable", "excerpt"]

MAX_OPEN_ELEMENTS = 512  # Go's x/net/html limit, counting <html> as the first open element
MAX_TAGS = 512  # markup constructs read from a value (see the module docstring)
MAX_ATTRIBUTES = 2048  # attributes read, all tags together (lexbor's are quadratic per element)

# PocketBase's two tag lists: elements skipped with their content, and elements that are not blocks
_EXCLUDED_TAGS = (
    "head style script iframe embed applet object svg img picture dialog template button form "
    "textarea input select option"
)
_INLINE_TAGS = (
    "a abbr acronym b bdo big br button cite code em i label q small span strong strike sub sup time"
)

_TAG_OPENER = re.compile(r"<[A-Za-z/!?]")  # where the tokenizer may start a tag, comment or declaration
# a start or end tag's name, the space between its attributes, and one attribute with its value,
# as the HTML tokenizer reads them (possessive: no backtracking on hostile input)
_TAG_NAME = re.compile(r"</?[A-Za-z][^\t\n\f\r />]*+")
_ATTRIBUTE_GAP = re.compile(r"[\t\n\f\r /]*+")
_ATTRIBUTE = re.compile(
    r"""[^\t\n\f\r />][^\t\n\f\r /=>]*+"""
    r"""(?:[\t\n\f\r ]*+=[\t\n\f\r ]*+(?:"[^"]*+"?|'[^']*+'?|[^\t\n\f\r >]*+))?+"""
)
_GO_WS_RUN = re.compile(r"[\t\n\f\r ]+")  # Go's \s: ASCII only, no \v
# Go's unicode.IsSpace, what strings.TrimSpace removes
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
)
_GO_SPACE_RUN = re.compile(f"[{_GO_SPACE}]+")
_TEXT_CHUNK = 4096  # a long text node is collapsed piece by piece, until the excerpt is settled
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_PARSE_OPTIONS = LexborDocumentOptions.WO_EVENTS  # the tree as parsed, no DOM mutation side effects

# lexbor node kinds by tag id: 2 text, 4 comment, 5 doctype; elements have ids above 5
_TEXT_ID = 2
_LAST_NON_ELEMENT_ID = 5


class ExcerptUnavailable(ValueError):
    """The value nests deeper than PocketBase's HTML parser accepts."""


def _tag_ids(names: str) -> frozenset[int]:
    """lexbor's fixed ids of standard tag names (custom names get per-document ids instead)."""
    first, second = LexborHTMLParser(""), LexborHTMLParser("")
    ids = set()
    for name in names.split():
        tag_id = first.create_node(name).tag_id
        if tag_id != second.create_node(name).tag_id:
            raise RuntimeError(f"lexbor has no fixed id for <{name}>")
        ids.add(tag_id)
    return frozenset(ids)


_EXCLUDED_IDS = _tag_ids(_EXCLUDED_TAGS)
_INLINE_IDS = _tag_ids(_INLINE_TAGS)


def _readable(html: str) -> str:
    """The part of `html` that is parsed: what comes before its (MAX_TAGS + 1)th tag or the tag
    that takes the attributes past MAX_ATTRIBUTES, with lone surrogates (which PocketBase's JSON
    refuses, and lexbor would drop) as U+FFFD.

    A `<` inside an attribute value or raw text is counted as a tag too: the bounds are on work,
    and counting more only moves the cut earlier."""
    attributes = 0
    cut = len(html)
    for tags, opener in enumerate(_TAG_OPENER.finditer(html), start=1):
        name = _TAG_NAME.match(html, opener.start())
        if name is not None:
            attributes += _attribute_count(html, name.end(), MAX_ATTRIBUTES + 1 - attributes)
        if tags > MAX_TAGS or attributes > MAX_ATTRIBUTES:
            cut = opener.start()
            break
    html = html[:cut]
    try:
        html.encode("utf-8")
    except UnicodeEncodeError:
        html = _LONE_SURROGATE.sub("\ufffd", html)
    return html


def _attribute_count(html: str, pos: int, limit: int) -> int:
    """How many attributes the tag whose name ends at `pos` has, counting up to `limit`."""
    count = 0
    while count < limit:
        gap = _ATTRIBUTE_GAP.match(html, pos)
        pos = gap.end() if gap is not None else pos
        attribute = _ATTRIBUTE.match(html, pos)
        if attribute is None:  # `>` or the end of the value: the tag is over
            break
        pos = attribute.end()
        count += 1
    return count


def excerpt(html: str, max_length: int, with_ellipsis: bool = False) -> str:
    """Plain text of `html`, whitespace collapsed, cut to max_length characters ("..." if asked).

    Raises ExcerptUnavailable where PocketBase's parser gives up (nesting past 512 elements)."""
    document = LexborHTMLParser(_readable(html), scripting=True, options=_PARSE_OPTIONS).root
    text = _walk_text(document.parent if document is not None else None, max_length)
    result = text.strip(_GO_SPACE)
    if len(result) > max_length:
        result = result[:max_length].strip(_GO_SPACE)
        if with_ellipsis:
            result += "..."
    return result


def _walk_text(document: LexborNode | None, max_length: int) -> str:
    """PocketBase's text walk over the whole tree, iteratively (the tree can be 512 deep).

    Every node is visited, because the depth limit holds for the whole document; what is written
    follows Go's walk: an element entered once more than `max_length + 2` bytes were written keeps
    its surrounding spaces but its content is skipped, while later sibling text is still written.
    Writing stops once more than `max_length` non-space characters are out: the excerpt is then
    settled (its first `max_length` characters, and that it was cut)."""
    parts: list[str] = []
    size = 0  # bytes written, as Go's strings.Builder counts them
    limit = max_length + 2
    visible = 0  # characters written other than spaces
    prev_space = False
    depth = 0  # open elements above `node`
    # per element descended into: (is a written block, content skipped); `muted` is the latter
    # for the current node: inside an excluded element or one entered past the limit
    entered: list[tuple[bool, bool]] = []
    muted = False
    node = document.child if document is not None else None
    while node is not None:
        tag_id = node.tag_id
        if tag_id == _TEXT_ID:
            data = "" if muted or visible > max_length else (node.text_content or "")
            for start in range(0, len(data), _TEXT_CHUNK):
                # a whitespace run split between pieces collapses as one: the second half is
                # stripped after the first one's space, as at the start of a text node
                txt = _GO_WS_RUN.sub(" ", data[start : start + _TEXT_CHUNK])
                if prev_space:
                    txt = txt.lstrip(" ")
                if txt:
                    prev_space = txt[-1] == " "
                    parts.append(txt)
                    size += len(txt.encode("utf-8"))
                    visible += len(_GO_SPACE_RUN.sub("", txt))
                    if visible > max_length:
                        break
        elif tag_id > _LAST_NON_ELEMENT_ID:
            if depth >= MAX_OPEN_ELEMENTS:
                raise ExcerptUnavailable("html: open stack of elements exceeds 512 nodes")
            block = False
            skip_content = muted
            if not muted:
                if tag_id in _EXCLUDED_IDS:
                    skip_content = True
                else:
                    block = tag_id not in _INLINE_IDS
                    if block and not prev_space:
                        parts.append(" ")
                        size += 1
                        prev_space = True
                    skip_content = size > limit
            child = node.child
            if child is not None:
                entered.append((block, muted))
                depth += 1
                muted = skip_content
                node = child
                continue
            if block and not prev_space:
                parts.append(" ")
                size += 1
                prev_space = True
        # next node: the next sibling, closing the elements whose last child this was
        following = node.next
        while following is None and entered:
            parent = node.parent
            # `entered` holds one entry per element we went down into: this node has a parent
            assert parent is not None
            node = parent
            block, muted = entered.pop()
            depth -= 1
            if block and not prev_space:
                parts.append(" ")
                size += 1
                prev_space = True
            following = node.next
        node = following
    return "".join(parts)
