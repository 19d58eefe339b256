"""Go-regex meaning for field patterns."""

from __future__ import annotations

import pytest

from bastion.core.fields import FieldValueError, field_from_dict
from bastion.core.fields.field_regex import go_search


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("^[a-z]+$", "abc", True),
        ("^[a-z]+$", "abc\n", False),  # Go's `$` is end of text
        ("(?m)^a$", "a\nb", True),
        (r"^\d+$", "123", True),
        (r"^\d+$", "١٢٣", False),  # Go's \d is ASCII
        (r"^[\w.]+$", "a.b_c", True),
        (r"^[\w.]+$", "ä", False),
        (r"^\pL+$", "héllo", True),
        (r"^\p{L}+$", "h3", False),
        (r"abc\z", "xabc", True),
        ("b", "abc", True),  # unanchored, like regexp.MatchString
        ("(", "(", False),  # invalid pattern matches nothing
    ],
)
def test_go_search(pattern: str, value: str, matches: bool) -> None:
    assert go_search(pattern, value) is matches


def test_text_pattern_rejects_trailing_newline() -> None:
    f = field_from_dict({"name": "slug", "type": "text", "pattern": "^[a-z-]+$"})
    f.validate_value("hello-world", None)
    with pytest.raises(FieldValueError) as info:
        f.validate_value("hello\n", None)
    assert info.value.code == "validation_invalid_format"


def test_go_only_syntax_is_accepted_in_definitions() -> None:
    f = field_from_dict({"name": "t", "type": "text", "pattern": r"^\p{L}+\z"})
    assert f.validate_definition() == {}
