"""Create, change and delete collections; each change alters the real table in one transaction.

Validation errors come back in PocketBase's shape: `data` maps `name`, `type`, `fields`,
`indexes` or a rule name to `{code, message}` (fields errors nested by position).
"""

from __future__ import annotations

import re
from typing import Any

from bastion import rules
from bastion.core.auth_options import AUTH_OPTION_KEYS, merge_auth_options
from bastion.core.auth_options_checks import (
    auth_options_errors,
    invalid_rule_error,
    system_rule_change_error,
    unset_missing_mapped_fields,
)
from bastion.core.collection_changes import CollectionChangeHook
from bastion.core.collection_indexes import auth_indexes, index_errors, on_table, renamed, with_auth_indexes
from bastion.core.collection_model import (
    AUTH,
    BASE,
    COLLECTION_TYPES,
    RULE_NAMES,
    VIEW,
    Collection,
    ensure_token_secrets,
    new_auth_options,
    new_token_secret,
)
from bastion.core.collection_search import SEARCH_KEY, following_fields, read_search, search_errors
from bastion.core.collection_tables import alter_table, create_table, drop_search_index
from bastion.core.datetime_format import now_str
from bastion.core.fields import Field, auth_system_fields, default_id_field, field_from_dict
from bastion.core.ids import collection_id_for
from bastion.core.schema_registry import SchemaRegistry
from bastion.core.view_schema import ViewPlan, drop_view, plan_view, save_view
from bastion.errors import BadRequestError, StartupError, ValidationError, field_error
from bastion.store import collections_table, ddl
from bastion.store.collections_table import CollectionRow
from bastion.store.database import Database, Executor
from bastion.store.errors import describe_db_error
from bastion.store.version_stamp import StampKeeper

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ID_RE = re.compile(r"^\w+$", re.ASCII)  # PocketBase's DefaultIdRegex (Go's \w is ASCII)
_RESERVED_NAMES = {
    "_collections",
    "_params",
    "_migrations",
    "_outbox",
    "_jobs",
    "_logs",
    "_webhooks",
    "_webhookDeliveries",
}
_AUTH_SYSTEM_FIELDS = ("password", "tokenKey", "email", "emailVisibility", "verified")


class CollectionService:
    def __init__(self, db: Database, registry: SchemaRegistry, stamp: StampKeeper) -> None:
        self.db = db
        self.registry = registry
        # bumped with every change to `_collections`, so other processes reload their schema
        self.stamp = stamp
        # automigrate (bastion/migrations/automigrate.py), when on: told of every change
        self.changes: CollectionChangeHook | None = None

    # ---- bootstrap --------------------------------------------------------------------------

    async def ensure_system_tables(self) -> None:
        await collections_table.create_system_tables(self.db)
        if await collections_table.is_pocketbase_table(self.db):
            raise StartupError(
                "this is a PocketBase database (its _collections table is PocketBase's), which Bastion "
                "does not open as it is: make a Bastion data directory from it with "
                "`bastion import-pocketbase PB_DATA_DIR --dir NEW_DIR`, then serve NEW_DIR"
            )

    async def read_all(self) -> list[Collection]:
        """Every collection as stored, in creation order (the caller swaps them into a registry)."""
        return [Collection.from_storage(data) for data in await collections_table.read_definitions(self.db)]

    def using(self, registry: SchemaRegistry) -> CollectionService:
        """This service checking names and references against `registry` (a staged copy)."""
        service = CollectionService(self.db, registry, self.stamp)
        service.changes = self.changes
        return service

    async def install(self, tx: Executor, collection: Collection, view: ViewPlan | None = None) -> None:
        """Create a collection that is already valid (system bootstrap and import)."""
        stamp = now_str()
        collection.created = collection.created or stamp
        collection.updated = collection.updated or stamp
        if collection.is_view:
            plan = view or await self._plan_view(tx, collection)
            assert plan is not None  # a view collection always gets a plan
            await save_view(tx, collection.name, plan)
        else:
            await create_table(tx, collection)
        await self._save_row(tx, collection, insert=True)

    # ---- public operations ------------------------------------------------------------------

    async def create(self, tx: Executor, data: dict[str, Any]) -> Collection:
        if data.get("id") is not None and not isinstance(data["id"], str):
            raise BadRequestError("Failed to load the submitted data due to invalid formatting.")
        collection = self._build(data, existing=None)
        collection.search, search_shape = read_search(data.get(SEARCH_KEY))
        generated = collection_id_for(collection.name, collection.type)
        if collection.id == generated:
            await self._free_generated_id(tx, collection)
        id_error = await self._new_id_error(tx, collection.id)
        view = await self._plan_view(tx, collection)
        if collection.is_auth:
            unset_missing_mapped_fields(collection)
        self._validate(collection, existing=None, view=view, id_error=id_error, search_shape=search_shape)
        await self.install(tx, collection, view)
        if self.changes is not None:
            await self.changes.collection_changed(tx, None, collection)
        return collection

    @staticmethod
    async def _id_taken(tx: Executor, cid: str) -> bool:
        # The table, not the registry: another worker may have created it a moment ago.
        return await collections_table.id_taken(tx, cid)

    async def _free_generated_id(self, tx: Executor, collection: Collection) -> None:
        """As PocketBase: a name-derived id that is taken (the collection that had this name was
        renamed) gets a number, 2 to 999; the auth indexes named after it follow."""
        base = collection.id
        for n in range(2, 1000):
            if not await self._id_taken(tx, collection.id):
                break
            collection.id = f"{base}{n}"
        if collection.id != base:
            collection.indexes = [renamed(sql, base, collection.id) for sql in collection.indexes]

    async def _new_id_error(self, tx: Executor, cid: str) -> dict[str, Any] | None:
        """PocketBase's checks of a new collection's id, the first that fails (or None)."""
        if not 1 <= len(cid) <= 100:
            return field_error(
                "validation_length_out_of_range",
                "The length must be between 1 and 100.",
                {"max": 100, "min": 1},
            )
        if not _ID_RE.match(cid):
            return field_error("validation_match_invalid", "Must be in a valid format.")
        if await self._id_taken(tx, cid):
            return field_error(
                "validation_invalid_or_existing_id", "The model id is invalid or already exists."
            )
        return None

    async def update(self, tx: Executor, existing: Collection, data: dict[str, Any]) -> Collection:
        merged = existing.to_storage()
        merged_api = {**existing.to_dict(), **data}
        collection = self._build(merged_api, existing=existing)
        collection.created = existing.created
        collection.updated = now_str()
        collection.options = self._merged_options(existing, data, merged["options"])
        search_shape: dict[str, Any] = {}
        if SEARCH_KEY in data:
            collection.search, search_shape = read_search(data[SEARCH_KEY])
        else:  # the option follows its fields' renames and deletions
            collection.search = following_fields(existing.search, existing.fields, collection.fields)
        view = await self._plan_view(tx, collection)
        if collection.is_auth:
            unset_missing_mapped_fields(collection)
        self._validate(collection, existing=existing, view=view, search_shape=search_shape)
        if view is not None:
            await drop_view(tx, existing.name)
            await save_view(tx, collection.name, view)
        else:
            try:
                await alter_table(tx, existing, collection)
            except Exception as exc:  # noqa: BLE001 - e.g. a column a view still reads
                raise BadRequestError(
                    f"Failed to update collection. Raw error: {describe_db_error(exc)}."
                ) from exc
        await self._save_row(tx, collection, insert=False)
        if self.changes is not None:
            await self.changes.collection_changed(tx, existing, collection)
        return collection

    async def refresh_views(self, tx: Executor, changed: Collection) -> list[Collection]:
        """Re-infer the view collections after `changed` was altered, as PocketBase re-saves them:
        a view whose fields now differ (a source field's options, say) is saved again. A view
        whose query no longer works keeps its last good definition. Returns the views saved."""
        saved = []
        for view in [c for c in self.registry.all() if c.is_view and c.id != changed.id]:
            plan = await plan_view(tx, _PendingLookup(self.registry, changed), view.view_query)
            if plan.problem is not None or _same_fields(plan.fields, view.fields):
                continue
            fresh = Collection.from_storage(view.to_storage())  # the registry's copy stays as is until commit
            fresh.fields = plan.fields
            fresh.updated = now_str()
            await save_view(tx, fresh.name, plan)
            await self._save_row(tx, fresh, insert=False)
            saved.append(fresh)
        return saved

    async def delete(self, tx: Executor, collection: Collection) -> None:
        if collection.system:
            raise BadRequestError("System collections cannot be deleted.")
        refs = [(c, f) for c, f in self.registry.referencing(collection.id) if c.id != collection.id]
        if refs:
            names = ", ".join(sorted({c.name for c, _ in refs}))
            raise BadRequestError(
                f"Failed to delete collection probably due to existing reference in {names}."
            )
        if collection.is_view:
            await drop_view(tx, collection.name)
        else:
            try:
                for index in collection.indexes:
                    await tx.execute(ddl.drop_index(ddl.parse_index(index).name))
                await drop_search_index(tx, collection)
                await tx.execute(ddl.drop_table(collection.name))
            except Exception as exc:  # noqa: BLE001 - PostgreSQL refuses to drop a table a view reads
                raise BadRequestError("Failed to delete collection.") from exc
            # SQLite lets the table go and breaks the views reading it: refuse that too.
            gone = _Without(self.registry, collection)
            for view in [c for c in self.registry.all() if c.is_view]:
                if (await plan_view(tx, gone, view.view_query)).problem is not None:
                    raise BadRequestError("Failed to delete collection.")
        await collections_table.delete_row(tx, collection.id)
        await self.stamp.bump(tx, "schema", now_str())
        if self.changes is not None:
            await self.changes.collection_changed(tx, collection, None)

    # ---- building and validation --------------------------------------------------------------

    def _build(self, data: dict[str, Any], existing: Collection | None) -> Collection:
        errors: dict[str, Any] = {}
        ctype = existing.type if existing else (data.get("type") or BASE)
        if ctype not in COLLECTION_TYPES:
            errors["type"] = field_error("validation_in_invalid", "Must be a valid value.")
        if existing and data.get("type") not in (None, existing.type):
            errors["type"] = field_error(
                "validation_collection_type_change", "Collection type cannot be changed."
            )
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            errors["name"] = field_error("validation_required", "Cannot be blank.")
            name = ""
        raw_fields = (
            data.get("fields")
            if data.get("fields") is not None
            else ([f.to_dict() for f in existing.fields] if existing else [])
        )
        if not isinstance(raw_fields, list):
            errors["fields"] = field_error("validation_invalid_value", "Must be a list of fields.")
            raw_fields = []
        fields: list[Field] = []
        for raw in raw_fields:
            try:
                if not isinstance(raw, dict):
                    raise ValueError("invalid field definition")
                fields.append(field_from_dict(raw))
            except (ValueError, TypeError, KeyError):
                # PocketBase fails to even decode a field of an unknown type.
                raise BadRequestError(
                    "Failed to load the submitted data due to invalid formatting."
                ) from None
        rules_map: dict[str, str | None] = {}
        for rule in RULE_NAMES:
            value = data.get(rule, existing.rules.get(rule) if existing else None)
            if value is not None and not isinstance(value, str):
                errors[rule] = field_error("validation_invalid_rule", "Must be a string or null.")
                value = None
            rules_map[rule] = value
        indexes = data.get("indexes", existing.indexes if existing else [])
        if indexes is None:
            indexes = []  # PocketBase reads null as no indexes
        if not isinstance(indexes, list) or not all(isinstance(i, str) for i in indexes):
            errors["indexes"] = field_error(
                "validation_invalid_value", "Must be a list of index definitions."
            )
            indexes = []
        if errors:
            raise ValidationError(errors, self._fail_message(existing))
        indexes = [on_table(sql, name) for sql in indexes]
        cid = existing.id if existing else (data.get("id") or collection_id_for(name, ctype))
        # A view's fields are inferred from its query (_plan_view).
        fields = [] if ctype == VIEW else self._with_system_fields(ctype, fields, is_new=existing is None)
        options: dict[str, Any] = {}
        if ctype == AUTH:
            options = merge_auth_options(new_auth_options(), data) if existing is None else {}
            if existing is None and "indexes" not in data:
                # PocketBase names these after the name-derived id, even when the client chose the id.
                indexes = auth_indexes(collection_id_for(name, ctype), name)
            # Whatever list the client sent, email and tokenKey stay unique (as PocketBase).
            indexes = with_auth_indexes(indexes, cid, name)
        elif ctype == VIEW:
            options = {"viewQuery": data.get("viewQuery", "")}
        return Collection(
            id=cid,
            name=name,
            type=ctype,
            system=bool(existing and existing.system),
            fields=fields,
            indexes=list(indexes),
            rules=rules_map,
            options=options,
        )

    @staticmethod
    def _merged_options(
        existing: Collection, data: dict[str, Any], current: dict[str, Any]
    ) -> dict[str, Any]:
        if existing.is_auth:
            patch = {k: v for k, v in data.items() if k in AUTH_OPTION_KEYS}
            merged = merge_auth_options(current, patch)
            if str(merged.get("authRule") or "") != str(current.get("authRule") or ""):
                # As PocketBase: a new authRule signs everyone out (tokens issued under the old
                # rule must not outlive it), by replacing the auth token secret.
                merged["authToken"] = {**merged.get("authToken", {}), "secret": new_token_secret()}
            return ensure_token_secrets(merged)
        if existing.is_view:
            return {"viewQuery": data.get("viewQuery", current.get("viewQuery", ""))}
        return current

    @staticmethod
    def _with_system_fields(ctype: str, fields: list[Field], is_new: bool) -> list[Field]:
        names = {f.name for f in fields}
        out = list(fields)
        if "id" not in names:
            out.insert(0, default_id_field())
        if ctype == AUTH:
            # PocketBase keeps the client's order and appends the missing auth fields.
            out.extend(f for f in auth_system_fields() if f.name not in names)
        return out

    @staticmethod
    def _fail_message(existing: Collection | None) -> str:
        return "Failed to update collection." if existing else "Failed to create collection."

    async def _plan_view(self, tx: Executor, collection: Collection) -> ViewPlan | None:
        """A view collection's fields come from its query; None for other collections."""
        if not collection.is_view:
            return None
        if not collection.view_query.strip():
            collection.fields = []
            return ViewPlan(fields=[], problem=None)
        plan = await plan_view(tx, _PendingLookup(self.registry, collection), collection.view_query)
        collection.fields = plan.fields
        return plan

    def _validate(
        self,
        collection: Collection,
        existing: Collection | None,
        view: ViewPlan | None,
        id_error: dict[str, Any] | None = None,
        search_shape: dict[str, Any] | None = None,
    ) -> None:
        errors: dict[str, Any] = self._view_errors(collection, view) if view is not None else {}
        if id_error is not None:
            errors["id"] = id_error
        name = collection.name
        if (
            not _NAME_RE.match(name)
            or len(name) > 255
            or name.lower() in _RESERVED_NAMES
            or (name.startswith("_") and not collection.system)
        ):
            errors["name"] = field_error("validation_match_invalid", "Must be in a valid format.")
        else:
            other = self.registry.find_collection(name)
            if other is not None and (existing is None or other.id != existing.id):
                errors["name"] = field_error(
                    "validation_collection_name_exists", "Collection name must be unique (case insensitive)."
                )
        if existing and existing.system and existing.name != collection.name:
            errors["name"] = field_error(
                "validation_collection_system_name_change", "System collection name cannot be changed."
            )
        field_errors = self._validate_fields(collection, existing) if not collection.is_view else {}
        if field_errors:
            errors["fields"] = field_errors
        lookup = _PendingLookup(self.registry, collection)
        for rule in RULE_NAMES:
            expr = collection.rule(rule)
            message = _rule_error(expr, collection, lookup) if expr else None
            if message:
                errors[rule] = invalid_rule_error(message)
            elif existing is not None and (
                error := system_rule_change_error(existing, existing.rule(rule), expr)
            ):
                errors[rule] = error
        errors.update(index_errors(collection))
        errors.update(search_shape or {})
        if collection.search is not None:
            if collection.is_view:
                errors[SEARCH_KEY] = field_error(
                    "validation_search_not_supported", "View collections don't support full-text search."
                )
            else:
                errors.update(search_errors(collection.search, collection.fields))
        if collection.is_auth:
            errors.update(
                auth_options_errors(collection, existing, lambda expr: _rule_error(expr, collection, lookup))
            )
        if errors:
            raise ValidationError(errors, self._fail_message(existing))

    @staticmethod
    def _view_errors(collection: Collection, view: ViewPlan) -> dict[str, Any]:
        """PocketBase's checks of a view collection: a query that works, fields with an id, no
        write rules and no indexes."""
        errors: dict[str, Any] = {}
        if not collection.fields:
            errors["fields"] = field_error("validation_required", "Cannot be blank.")
        elif collection.get_field("id") is None:
            errors["fields"] = field_error(
                "validation_missing_primary_key", 'Missing or invalid "id" PK field.'
            )
        if not collection.view_query.strip():
            errors["viewQuery"] = field_error("validation_required", "Cannot be blank.")
        elif view.problem is not None:
            message = view.problem if view.problem.endswith(".") else view.problem + "."
            errors["viewQuery"] = field_error("validation_invalid_view_query", f"Invalid query - {message}")
        for rule in ("createRule", "updateRule", "deleteRule"):
            if collection.rule(rule) is not None:
                errors[rule] = field_error("validation_nil", "Must be blank.")
        if collection.indexes:
            errors["indexes"] = field_error(
                "validation_indexes_not_supported", "View collections don't support indexes."
            )
        return errors

    def _validate_fields(self, collection: Collection, existing: Collection | None) -> dict[str, Any]:
        errors: dict[str, Any] = {}
        seen_names: dict[str, int] = {}
        seen_ids: set[str] = set()
        old_by_id = {f.id: f for f in existing.fields} if existing else {}
        ctx = _DefinitionContext(self.registry, collection)
        for i, f in enumerate(collection.fields):
            ferr: dict[str, Any] = dict(f.validate_definition(ctx) or {})
            lname = f.name.lower()
            if lname in seen_names:
                ferr["name"] = field_error(
                    "validation_duplicated_field_name", "Duplicated or invalid field name."
                )
            if f.id in seen_ids:
                ferr["id"] = field_error("validation_duplicated_field_id", "Duplicated or invalid field id.")
            old = old_by_id.get(f.id)
            if old is not None and old.type != f.type:
                ferr["type"] = field_error("validation_field_type_change", "Field type cannot be changed.")
            seen_names[lname] = i
            seen_ids.add(f.id)
            if ferr:
                errors[str(i)] = ferr
        if existing:
            new_ids = {f.id for f in collection.fields}
            for f in existing.fields:
                if f.system and f.id not in new_ids:
                    errors.setdefault("0", {})["id"] = field_error(
                        "validation_system_field_change", f"System field {f.name!r} cannot be removed."
                    )
        return errors

    async def _save_row(self, tx: Executor, c: Collection, insert: bool) -> None:
        if insert:
            row = CollectionRow(c.id, c.system, c.type, c.name, c.to_storage(), c.created, c.updated)
            await collections_table.insert_row(tx, row)
        else:
            await collections_table.update_row(tx, c.id, c.name, c.to_storage(), c.updated)
        await self.stamp.bump(tx, "schema", c.updated)


class _PendingLookup:
    """The registry as it will be once `pending` is saved (for checking its own rules)."""

    def __init__(self, registry: SchemaRegistry, pending: Collection) -> None:
        self.registry = registry
        self.pending = pending

    def find_collection(self, name_or_id: str) -> Any:
        if name_or_id in (self.pending.id,) or name_or_id.lower() == self.pending.name.lower():
            return self.pending
        found = self.registry.find_collection(name_or_id)
        if found is not None and found.id == self.pending.id:
            return self.pending
        return found


class _Without(_PendingLookup):
    """The registry once `pending` is deleted."""

    def find_collection(self, name_or_id: str) -> Any:
        found = self.registry.find_collection(name_or_id)
        return None if found is not None and found.id == self.pending.id else found


def _same_fields(new: list[Field], old: list[Field]) -> bool:
    """Equal apart from the generated field ids (a re-inferred clone gets a new random id)."""

    def shape(fields: list[Field]) -> list[dict[str, Any]]:
        return [{k: v for k, v in f.to_dict().items() if k != "id"} for f in fields]

    return shape(new) == shape(old)


class _DefinitionContext(_PendingLookup):
    """What a field needs to validate its own options (e.g. a relation's target collection)."""

    @property
    def collection(self) -> Collection:
        return self.pending


def _rule_error(expr: str, collection: Collection, lookup: Any) -> str | None:
    message = rules.check_syntax(expr)
    if message:
        return message
    try:
        rules.compile_filter(
            expr,
            collection,
            lookup,
            rules.RequestInfo(auth=None, body={}, query={}, headers={}, method="GET"),
            dialect="sqlite",
            table_alias=collection.name,
            allow_hidden=True,
        )
    except (rules.RuleResolveError, rules.RuleSyntaxError) as exc:
        return str(exc)
    return None
