"""The `:excerpt` modifier's HTML-to-text walk, against answers captured from PocketBase 0.40.6.

The table (tests/compat/diff_cases_excerpt.py) holds what the real binary returned for each value
stored in an editor field and read with `?fields=body:excerpt(args)`; the differential suite
sends the same values to a live PocketBase.
"""

from __future__ import annotations

import pytest

from bastion.core import html_excerpt
from bastion.core.html_excerpt import ExcerptUnavailable, excerpt
from tests.compat.diff_cases_excerpt import EXCERPTS


def _args(args: str) -> tuple[int, bool]:
    parts = [p.strip() for p in args.split(",")]
    return int(parts[0]), len(parts) > 1 and parts[1] in ("1", "t", "T", "TRUE", "true", "True")


@pytest.mark.parametrize(("html", "args", "want"), EXCERPTS)
def test_excerpt_matches_pocketbase(html, args, want):
    assert excerpt(html, *_args(args)) == want


@pytest.mark.parametrize(("depth", "fits"), [(509, True), (510, True), (511, False), (600, False)])
def test_nesting_past_512_open_elements_is_refused_as_pocketbase_does(depth, fits):
    # <html> and <body> are open too: PocketBase's parser accepts 510 nested elements, not 511
    html = "<div>" * depth + "deep"
    if fits:
        assert excerpt(html, 10) == "deep"
    else:
        with pytest.raises(ExcerptUnavailable):
            excerpt(html, 10)


@pytest.mark.parametrize("opening", ["<b>", "<div>", "<span>", "<table><tr><td>", "<svg>", "<ul>"])
def test_deep_nesting_of_any_kind_is_refused(opening):
    with pytest.raises(ExcerptUnavailable):
        excerpt(opening * 700 + "x", 10)


def test_nul_characters_are_dropped_from_text():
    # PocketBase 0.40.6: "a\x00b" -> "ab", "<pre>\x00x</pre>" -> "x"
    assert excerpt("a\x00b", 50) == "ab"
    assert excerpt("<p>a\x00b</p>", 50) == "ab"
    assert excerpt("<pre>\x00x</pre>", 50) == "x"


def test_lone_surrogates_read_as_replacement_characters():
    assert excerpt("a\ud800b<p>\udfff</p>", 50) == "a\ufffdb \ufffd"


def test_only_the_first_tags_are_read():
    # the bound that keeps the work small: the value is read up to its (MAX_TAGS + 1)th tag
    # (PocketBase 0.40.6 reads the whole value and answers "late text" for the first one)
    tags = "<br>" * html_excerpt.MAX_TAGS
    assert excerpt(tags + "<br>late text", 50) == ""
    assert excerpt(tags + "late text<br>more", 50) == "late text"
    # nesting past 512 after the bound is not seen either
    assert excerpt("early" + tags + "<div>" * 600, 50) == "early"


def test_long_text_is_collapsed_as_one_run():
    # a long text node is read piece by piece until the excerpt is settled; the pieces must
    # join as the whole node would (whitespace runs across pieces, leading spaces Go trims)
    assert excerpt("<p>" + "word " * 50_000 + "</p>", 12, True) == "word word wo..."
    assert excerpt("a" + " \n" * 5000 + "b", 10) == "a b"
    assert excerpt("\u3000" * 20_000 + "abc", 10, True) == "abc"
    assert excerpt("\u3000" * 20_000 + "abc" + "\u3000" * 20_000, 3, True) == "abc"
    assert excerpt("日本語" * 5000, 5, True) == "日本語日本..."
    assert excerpt("abcdef" + " " * 10_000, 5, True) == "abcde..."
    assert excerpt("abcde" + " " * 10_000, 5, True) == "abcde"


def _attributes(count: int) -> str:
    return "".join(f" a{i}" for i in range(count))


def test_only_the_first_attributes_are_read():
    # lexbor checks each attribute against the element's others: 150,000 of them took minutes.
    # Reading stops before the tag that takes the count past MAX_ATTRIBUTES (PocketBase 0.40.6
    # reads on and answers "t" for the 1 MB value)
    limit = html_excerpt.MAX_ATTRIBUTES
    assert excerpt("<x" + _attributes(limit) + ">t", 10) == "t"
    assert excerpt("<x" + _attributes(limit + 1) + ">t", 10) == ""
    assert excerpt("<p>a</p><x" + _attributes(150_000) + ">t", 10) == "a"
    assert excerpt(("<x" + _attributes(1000) + ">t") * 100, 10) == "t t"
    # a quoted `>` does not end the tag, nor does a missing space end the attributes
    assert excerpt("<x" + ' a=">"' * (limit + 1) + ">t", 10) == ""
    assert excerpt("<x a" + '="1"b' * (limit + 1) + ">t", 10) == ""
