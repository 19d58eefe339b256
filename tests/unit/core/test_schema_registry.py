"""The schema registry publishes whole snapshots: a reader holds the old schema or the new one, and
answers derived from one schema never land in another's memo."""

from __future__ import annotations

from bastion.core.collection_model import Collection
from bastion.core.fields import field_from_dict
from bastion.core.record_query import compile_condition
from bastion.core.schema_registry import SchemaRegistry
from bastion.rules import RequestInfo


def _notes(column: str, updated: str) -> Collection:
    fields = [field_from_dict({"name": n, "type": "text"}) for n in ("id", column)]
    return Collection(id="notes_id", name="notes", fields=fields, updated=updated)


def test_a_replace_swaps_everything_at_once_and_forgets_the_memo():
    registry = SchemaRegistry([_notes("title", "1")])
    registry.remember("answer", 42)
    registry.replace([_notes("heading", "2"), Collection(id="tags_id", name="tags")])
    assert registry.memo == {}
    assert registry.find_collection("NOTES").get_field("heading") is not None
    assert registry.find_collection("tags_id") is not None
    registry.remove("tags_id")
    assert registry.find_collection("tags") is None and registry.find_collection("notes") is not None


def test_a_rule_compiled_against_a_replaced_collection_is_not_remembered():
    """A request that resolved `notes` before an await, then compiles its rule after a reload
    renamed the column: its SQL names the old column and must not serve the next request."""
    old = _notes("title", "1")
    registry = SchemaRegistry([old])
    registry.replace([_notes("heading", "2")])  # `title` renamed while the request was waiting
    request = RequestInfo()
    stale = compile_condition("title = 'x'", old, registry, request, "sqlite", allow_hidden=True)
    assert '"title"' in stale.sql
    assert registry.memo == {}
    current = registry.find_collection("notes")
    fresh = compile_condition("heading = 'x'", current, registry, request, "sqlite", allow_hidden=True)
    assert '"heading"' in fresh.sql and len(registry.memo) == 1


def test_a_copy_stages_changes_apart():
    registry = SchemaRegistry([_notes("title", "1")])
    staged = registry.copy()
    staged.put(Collection(id="tags_id", name="tags"))
    assert registry.find_collection("tags") is None and staged.find_collection("tags") is not None
