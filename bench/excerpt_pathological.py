"""Cost of `:excerpt` on hostile 1 MB editor values, in-process (no HTTP).

    .venv/bin/python bench/excerpt_pathological.py            # best of 5 per value, CPU ms
    .venv/bin/python bench/excerpt_pathological.py --repeat 9

Each value is about 1 MB: deep nesting, unclosed tags, a huge attribute, entity floods, raw text,
and the shapes that make HTML5 tree building expensive (formatting elements cloned for every
paragraph). Prints the CPU time of `excerpt(value, 10, True)` per value and the worst one; the
numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bastion.core import html_excerpt  # noqa: E402

MB = 1_000_000


def fill(unit: str, tail: str = "") -> str:
    return unit * (MB // len(unit)) + tail


def cloning(formatting: int) -> str:
    """Distinct open <b>s that every later paragraph reopens (HTML5 reconstructs them each time)."""
    head = "<p>" + "".join(f"<b c={i}>" for i in range(formatting))
    return head + "</p><p>x" * ((MB - len(head)) // 8)


VALUES = {
    "deep div": fill("<div>", "x"),
    "deep b": fill("<b>", "x"),
    "deep table cells": fill("<table><tr><td>"),
    "deep div then text": fill("<div>") + "x",
    "div500 + paragraphs": "<div>" * 500 + fill("<p></p>"),
    "unclosed p": fill("<p>x"),
    "unclosed li": fill("<li>"),
    "stray </p>": fill("</p>"),
    "b p b p": fill("<b><p>", "x"),
    "misnested a/p": fill("<a><p>x</a>"),
    "formatting clones x400": cloning(400),
    "formatting clones x505": cloning(505),
    "huge attribute": '<a href="' + "x" * MB + '">t</a>',
    "500k attributes": "<x" + " a" * (MB // 2),
    "150k distinct attributes": "<x" + "".join(f" a{i}" for i in range(150_000)) + ">t",
    "tags of 1,000 attributes": ("<x" + "".join(f" a{i}" for i in range(1000)) + ">t") * 200,
    "&amp; flood": fill("&amp;"),
    "&#x41; flood": fill("&#x41;"),
    "&notin prefixes": fill("&notin"),
    "long entity name": "&" + "a" * MB,
    "unterminated comment": "<!--" + "x" * MB,
    "comments": fill("<!--x-->"),
    "script raw text": "<script>" + "<b>" * (MB // 3),
    "textarea raw text": "<textarea>" + "x" * MB,
    "whitespace": fill(" \n"),
    "ideographic spaces": "\u3000" * (MB // 3) + "abc",
    "plain text": "a" * MB,
    "bold words": fill("<b>x</b> "),
    "empty inline": fill("<i></i>"),
    "br": fill("<br>"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    worst = ("", 0.0)
    for name, value in VALUES.items():
        best = float("inf")
        for _ in range(args.repeat):
            start = time.process_time()
            try:
                answer = repr(html_excerpt.excerpt(value, 10, True))
            except html_excerpt.ExcerptUnavailable:
                answer = "(refused: response sent unfiltered)"
            best = min(best, time.process_time() - start)
        worst = max(worst, (name, best), key=lambda w: w[1])
        print(f"{name:24} {len(value) / MB:5.2f} MB {best * 1000:7.1f} ms  {answer}")
    print(f"worst: {worst[0]}, {worst[1] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
