"""PocketBase's tools/tokenizer as the `fields` parameter uses it."""

from __future__ import annotations

import pytest

from bastion.core.text_tokenizer import tokenize


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("a, b ,c", ["a", "b", "c"]),
        ("a:excerpt(1,2),b", ["a:excerpt(1,2)", "b"]),
        ("'x,y',z", ["'x,y'", "z"]),
        ("a\\(,b", ["a\\(", "b"]),
        (",,a,,", ["a"]),
    ],
)
def test_tokenize(raw, want):
    assert tokenize(raw) == want


def test_modifier_arguments_split_on_brackets_commas_and_spaces():
    assert tokenize("excerpt(10, true)", separators="(), ", ignore_parenthesis=True) == [
        "excerpt",
        "10",
        "true",
    ]


@pytest.mark.parametrize("raw", ["a(b,c", "a'b,c", "a)b(,c"])
def test_unbalanced_input_raises(raw):
    with pytest.raises(ValueError):
        tokenize(raw)
