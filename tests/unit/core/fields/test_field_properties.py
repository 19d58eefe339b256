"""Properties over arbitrary JSON input: coercion is idempotent and values survive the database."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.core.fields import field_from_dict

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=10,
)
DEFINITIONS = [
    {"type": "text"},
    {"type": "number"},
    {"type": "bool"},
    {"type": "date"},
    {"type": "json"},
    {"type": "select", "values": ["a", "b"]},
    {"type": "select", "values": ["a", "b"], "maxSelect": 2},
    {"type": "relation", "collectionId": "c", "maxSelect": 5},
    {"type": "file", "maxSelect": 3},
    {"type": "geoPoint"},
]
FIELDS = [field_from_dict({"name": "f", **d}) for d in DEFINITIONS]


@settings(max_examples=150, deadline=None)
@given(raw=JSON, index=st.integers(0, len(FIELDS) - 1), dialect=st.sampled_from(["sqlite", "postgres"]))
def test_normalize_is_idempotent_and_survives_the_database(raw: Any, index: int, dialect: str) -> None:
    f = FIELDS[index]
    value = f.normalize(raw)
    if f.type != "json":  # a JSON string value that reads as JSON text ("123") decodes again
        assert f.normalize(value) == value
    assert f.from_db(f.to_db(value, dialect), dialect) == value
    f.to_api(value)  # never raises


def test_json_string_values_keep_their_type_through_the_database() -> None:
    f = field_from_dict({"name": "f", "type": "json"})
    value = f.normalize('"123"')
    assert value == "123"
    assert f.from_db(f.to_db(value, "sqlite"), "sqlite") == "123"
