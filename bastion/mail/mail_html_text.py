"""A plain-text rendering of a mail's HTML body, for clients that do not show HTML.

Deliberately rudimentary, in the manner of PocketBase's converter: whitespace collapses, block
elements start new lines, `<br>` always breaks, list items get "- ", links become
`[label](href)` so the link (and the token in it) survives, and non-content elements (style,
script, images, forms ...) are dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = frozenset(
    {
        "style",
        "script",
        "iframe",
        "applet",
        "object",
        "svg",
        "img",
        "button",
        "form",
        "textarea",
        "input",
        "select",
        "option",
        "template",
        "head",
        "title",
    }
)
_INLINE = frozenset({"a", "span", "small", "strike", "strong", "sub", "sup", "em", "b", "u", "i"})
_VOID = frozenset(
    {"br", "img", "input", "meta", "link", "hr", "area", "base", "col", "embed", "source", "wbr"}
)
_SPACES = re.compile(r"\s+")


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip_depth = 0
        self.can_break = False
        self.link_href: str | None = None
        self.link_text: list[str] = []
        self.in_link = False

    def _write(self, text: str) -> None:
        (self.link_text if self.in_link else self.out).append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            if tag not in _VOID:
                self.skip_depth += 1
            return
        if self.skip_depth:
            return
        if tag == "br" or self.can_break and tag not in _INLINE:
            self._write("\r\n")
            self.can_break = False
        if tag == "li":
            self._write("- ")
        if tag == "a" and not self.in_link:
            self.in_link = True
            self.link_text = []
            self.link_href = next((v for k, v in attrs if k == "href"), None)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            if tag not in _VOID and self.skip_depth:
                self.skip_depth -= 1
            return
        if self.skip_depth or tag != "a" or not self.in_link:
            return
        self.in_link = False
        label = "".join(self.link_text).strip() or "LINK"
        self.out.append(f"[{label}]")
        if self.link_href:
            self.out.append(f"({self.link_href})")

    def handle_data(self, data: str) -> None:
        if self.skip_depth:
            return
        text = _SPACES.sub(" ", data)
        if not self.can_break:
            text = text.lstrip(" ")  # the previous output ended a line: drop the indentation
        if text:
            self._write(text)
            self.can_break = True


def html_to_text(html: str) -> str:
    converter = _Converter()
    converter.feed(html)
    converter.close()
    return "".join(converter.out).strip()
