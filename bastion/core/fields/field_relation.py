"""The relation field: ids of records in another collection (one, or a list with maxSelect > 1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bastion.core.fields import field_rules as rules
from bastion.core.fields.field_base import Field, fail, required_error
from bastion.core.fields.field_cast import to_unique_strings
from bastion.core.fields.field_multi import MultiValueMixin


def _is_view(collection: Any) -> bool:
    flag = getattr(collection, "is_view", None)
    if isinstance(flag, bool):
        return flag
    return getattr(collection, "type", "") == "view"


@dataclass(kw_only=True)
class RelationField(MultiValueMixin, Field):
    type = "relation"
    OPTIONS = (
        ("cascadeDelete", "cascade_delete", "bool"),
        ("collectionId", "collection_id", "str"),
        ("maxSelect", "max_select", "int"),
        ("minSelect", "min_select", "int"),
    )

    cascade_delete: bool = False
    min_select: int = 0
    max_select: int = 0

    def validate_value(self, value: Any, ctx: Any = None) -> None:
        ids = to_unique_strings(value)
        if not ids:
            if self.required:
                raise required_error()
            return
        if self.min_select > 0 and len(ids) < self.min_select:
            raise fail(
                "validation_not_enough_values",
                "Select at least {{.minSelect}}",
                {"minSelect": self.min_select},
            )
        limit = max(self.max_select, 1)
        if len(ids) > limit:
            raise fail(
                "validation_too_many_values", "Select no more than {{.maxSelect}}", {"maxSelect": limit}
            )
        finder = getattr(ctx, "find_collection", None)
        if callable(finder) and finder(self.collection_id) is None:
            raise fail(
                "validation_missing_rel_collection", "Relation connection is missing or cannot be accessed"
            )
        existing = getattr(ctx, "existing_relation_ids", None)
        if callable(existing) and len(set(existing(self.collection_id, ids)) & set(ids)) != len(ids):
            raise fail(
                "validation_missing_rel_records", "Failed to find all relation records with the provided ids"
            )

    def _validate_options(self, ctx: Any) -> dict[str, Any]:
        max_error = None
        if self.min_select > 0 and not self.max_select:
            max_error = rules.required()
        elif self.max_select and self.max_select < self.min_select:
            max_error = rules.min_rule(self.max_select, self.min_select)
        return rules.collect(
            collectionId=rules.required() if not self.collection_id else self._collection_error(ctx),
            minSelect=rules.min_rule(self.min_select, 0),
            maxSelect=max_error,
        )

    def _collection_error(self, ctx: Any) -> dict[str, Any] | None:
        old_field = getattr(ctx, "old_field", None)
        old = old_field(self.id) if callable(old_field) else None
        if isinstance(old, RelationField) and old.collection_id != self.collection_id:
            return rules.error(
                "validation_field_relation_change", "The relation collection cannot be changed."
            )
        finder = getattr(ctx, "find_collection", None)
        if not callable(finder):
            return None
        target = finder(self.collection_id)
        if target is None or getattr(target, "id", None) != self.collection_id:
            return rules.error(
                "validation_field_relation_missing_collection", "The relation collection doesn't exist."
            )
        if not getattr(ctx, "is_view", False) and _is_view(target):
            return rules.error(
                "validation_relation_field_non_view_base_collection",
                "Only view collections are allowed to have relations to other views.",
            )
        return None
