"""Record CRUD with PocketBase's rule semantics (decided by `record_access.access_condition`).

    rule is None  -> only superusers (403 for everyone else)
    rule == ""    -> everyone
    otherwise     -> list: filters rows; view/update/delete: 404 when the rule does not match;
                     create: 400 when the new record does not satisfy it

Every write runs inside the transaction it is given (`tx`), so a batch can run many of them
atomically; events are emitted by the caller once that transaction has committed.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bastion.bus.events import Action, EventBus, RecordEvent
from bastion.core.collection_model import SUPERUSERS, Collection
from bastion.core.datetime_format import now_str
from bastion.core.fields import Field, FileField, RelationField
from bastion.core.fields.field_password import PlainPassword
from bastion.core.ids import random_from_pattern
from bastion.core.record_access import (
    SUPERUSER_ONLY,
    Access,
    access_condition,
    access_rule,
    can_access_record,
    required_condition,
)
from bastion.core.record_files import RecordFiles, has_uploads
from bastion.core.record_hooks import RecordWriteHooks
from bastion.core.record_model import Record, record_to_params, snapshot
from bastion.core.record_outbox import RecordChangeHook
from bastion.core.record_passwords import PasswordCrypto, hash_new_passwords
from bastion.core.record_query import ALIAS, NEVER, Condition, find_all, find_by_id, find_where
from bastion.core.record_validation import apply_body, unique_columns, validate_record
from bastion.core.schema_registry import SchemaRegistry
from bastion.errors import BadRequestError, ForbiddenError, NotFoundError, ValidationError, field_error
from bastion.store.database import Executor, Transaction
from bastion.store.ddl import quote
from bastion.store.errors import ConstraintViolation, UniqueViolation
from bastion.store.row_select import another_row_holds, row_meets
from bastion.store.row_write import delete_by_id, insert_row, update_by_id


@dataclass
class RecordService:
    registry: SchemaRegistry
    bus: EventBus = field(default_factory=EventBus)
    # bastion.files.FileService; None: file values are names only (unit tests)
    files: RecordFiles | None = None
    # Work that must commit with the write (the jobs outbox: webhooks, broker events); the App
    # sets it (core/record_outbox.py). None: nothing beyond the bus event.
    outbox: RecordChangeHook | None = None
    # The user's hooks (bastion/hooks/, core/record_hooks.py); None while no hook file registered
    # a record hook, so a write without hooks pays one attribute check.
    hooks: RecordWriteHooks | None = None
    # The auth records deleted in each open transaction ("collection id/record id"): a relation
    # to the caller's own auth record is taken to exist without a query (it was read for this
    # request) unless the same transaction deleted it (a batch that deletes its caller).
    _deleted_auth: weakref.WeakKeyDictionary[Executor, set[str]] = field(
        default_factory=weakref.WeakKeyDictionary, repr=False
    )

    def _caller_record(self, tx: Executor, access: Access) -> Record | None:
        """The caller's auth record, for validation to take as existing (see `_deleted_auth`)."""
        auth = access.auth
        if auth is None or f"{auth.collection.id}/{auth.id}" in self._deleted_auth.get(tx, ()):
            return None
        return auth

    async def _emit(self, tx: Executor, action: Action, record: Record, before: Record | None = None) -> None:
        """Hand the change to the outbox inside `tx`, and publish it on the bus once `tx`
        commits, as a snapshot (later mutations don't leak into it)."""
        event = RecordEvent(action, snapshot(record), snapshot(before) if before else None)
        if self.outbox is not None:
            await self.outbox.record_changed(tx, action, event.record, event.before)
        if self.hooks is not None:
            self.hooks.after_write(tx, action, event.record, event.before)
        tx.on_commit(lambda: self.bus.publish(event))

    # ---- rule helpers -------------------------------------------------------------------------

    async def can_manage(self, db: Executor, record: Record, access: Access) -> bool:
        """PocketBase's manage access: superusers, or a caller the (non-empty) manageRule matches."""
        if access.is_superuser:
            return True
        rule = record.collection.options.get("manageRule") if record.collection.is_auth else None
        if not rule or access.auth is None:
            return False
        return await can_access_record(db, self.registry, record, rule, access)

    # ---- reads ----------------------------------------------------------------------------------

    async def view(self, db: Executor, collection: Collection, record_id: str, access: Access) -> Record:
        cond = required_condition(collection, collection.rule("viewRule"), access, self.registry, db.dialect)
        record = await find_by_id(db, collection, record_id, [cond] if cond.sql else [])
        if record is None:
            raise NotFoundError()
        return record

    # ---- writes ---------------------------------------------------------------------------------

    async def create(
        self,
        tx: Executor,
        collection: Collection,
        body: dict[str, Any],
        access: Access,
        *,
        crypto: PasswordCrypto | None = None,
        dry_run: bool = False,
    ) -> Record:
        """`crypto`: from record_passwords.prepare_crypto; `dry_run`: stop before anything is
        written."""
        if collection.is_view:
            raise BadRequestError("Unsupported collection type.")
        if access_rule(collection.rule("createRule"), access).refused:
            raise ForbiddenError(SUPERUSER_ONLY)
        record = Record(collection, {f.name: f.zero_value() for f in collection.fields}, original=None)
        resolved = apply_body(record, body, allow_hidden=access.is_superuser)
        self._autogenerate(record, creating=True)
        await self._check_create_rule(tx, record, resolved, access)
        # on create, manager access only matters for `verified`: skip the query when it is not set
        manager = (
            collection.is_auth
            and not access.is_superuser
            and bool(record.data.get("verified"))
            and await self._manages_new(tx, record, resolved, access)
        )
        errors: dict[str, Any] = {}
        if self.hooks is not None and not dry_run:  # a dry run only prepares the password hashing
            await self.hooks.before_write(tx, "create", record, None, errors)
        crypto = crypto or PasswordCrypto()
        await self._prepare_auth(tx, record, body, access, crypto, creating=True, manager=manager)
        # Where a lookup is a round trip (PostgreSQL), new related ids are required by the INSERT
        # itself instead of looked up first (store/row_write.py `insert_row`)
        deferred: list[tuple[str, list[str]]] | None = None if dry_run or tx.sql.runs_inline else []
        known = self._caller_record(tx, access)
        checked = await validate_record(tx, record, self.registry, errors, known=known, deferred=deferred)
        if checked and deferred:  # an answer with errors names every one, missing relations too
            checked = await validate_record(tx, record, self.registry, errors, known=known)
        errors = checked
        await self._check_unique(tx, record, errors)
        if errors:
            raise ValidationError(errors, "Failed to create record.")
        await hash_new_passwords(record, crypto)
        if dry_run:
            return record
        await self._store_uploads(tx, record)
        if not await self._insert(tx, record, require=deferred or ()):
            # a related record taken on trust is missing: look them up, to say which, as before
            errors = await validate_record(tx, record, self.registry, {}, known=known)
            if errors:
                raise ValidationError(errors, "Failed to create record.")
            await self._insert(tx, record)  # they were written meanwhile
        record.original = dict(record.data)
        await self._emit(tx, "create", record)
        return record

    async def update(
        self,
        tx: Executor,
        collection: Collection,
        record_id: str,
        body: dict[str, Any],
        access: Access,
        *,
        crypto: PasswordCrypto | None = None,
        dry_run: bool = False,
    ) -> tuple[Record, Record]:
        """Returns (before, after). `crypto`: from record_passwords.prepare_crypto; `dry_run`:
        stop before anything is written."""
        if collection.is_view:
            raise BadRequestError("Unsupported collection type.")
        rule = collection.rule("updateRule")
        if access_rule(rule, access).refused:  # 403 before anything is read, as PocketBase
            raise ForbiddenError(SUPERUSER_ONLY)
        # Resolve modifiers against the stored record first, so the rule sees the resulting values.
        # Locked (PostgreSQL): a concurrent update waits, then merges into what this one wrote
        # (else both read the old row and the second's full-row write undoes the first's). Not
        # for a dry run: it reads outside any transaction.
        record = await find_by_id(tx, collection, record_id, lock=not dry_run)
        if record is None:
            raise NotFoundError()
        before = Record(collection, dict(record.data))
        resolved = apply_body(record, body, allow_hidden=access.is_superuser)
        cond = required_condition(collection, rule, access, self.registry, tx.dialect, body=resolved)
        if cond.sql and await find_by_id(tx, collection, record_id, [cond]) is None:
            raise NotFoundError()
        errors: dict[str, Any] = {}
        if "id" in body and body["id"] != record_id:
            errors["id"] = field_error("validation_id_change", "The record id cannot be changed.")
            record.data["id"] = record_id
        self._autogenerate(record, creating=False)
        if self.hooks is not None and not dry_run:
            await self.hooks.before_write(tx, "update", record, before, errors)
        crypto = crypto or PasswordCrypto()
        await self._prepare_auth(tx, record, body, access, crypto, creating=False)
        # An auth record's stored password is not checked again unless the body sets one: then
        # even a blank value is checked (400 "Cannot be blank.", as PocketBase), never stored.
        skip = frozenset({"password"}) if collection.is_auth and "password" not in body else frozenset()
        errors = await validate_record(
            tx, record, self.registry, errors, skip=skip, known=self._caller_record(tx, access)
        )
        await self._check_unique(tx, record, errors)
        if errors:
            raise ValidationError(errors, "Failed to update record.")
        await hash_new_passwords(record, crypto)
        if dry_run:
            return before, record
        await self._store_uploads(tx, record)
        await self._update(tx, record)
        self._forget_replaced_files(tx, before, record)
        await self._emit(tx, "update", record, before)
        return before, record

    async def delete(self, tx: Executor, collection: Collection, record_id: str, access: Access) -> Record:
        if collection.is_view:
            raise BadRequestError("Unsupported collection type.")
        cond = required_condition(
            collection, collection.rule("deleteRule"), access, self.registry, tx.dialect
        )
        # locked: the record deleted (its event, its files forgotten) is the last one committed
        record = await find_by_id(tx, collection, record_id, [cond] if cond.sql else [], lock=True)
        if record is None:
            raise NotFoundError()
        await self.delete_record(tx, record)
        return record

    async def truncate(self, tx: Executor, collection: Collection) -> None:
        """Delete every record, with the same reference handling as one-by-one deletes."""
        if collection.is_view:
            raise BadRequestError("Unsupported collection type.")
        for record in await find_all(tx, collection):
            await self.delete_record(tx, record)

    async def delete_record(self, tx: Executor, record: Record, _depth: int = 0) -> int:
        """Delete with PocketBase's reference handling: cascade, unset, or refuse for required links.
        Returns how many rows the record's own DELETE removed (0 when it was already gone)."""
        if _depth > 32:
            raise BadRequestError("Failed to delete record: the cascade is too deep.")
        if record.collection.name == SUPERUSERS:
            await _refuse_deleting_the_last_superuser(tx)
        if self.hooks is not None:  # before the cascade: a refusal stops it
            errors: dict[str, Any] = {}
            await self.hooks.before_write(tx, "delete", record, None, errors)
            if errors:
                raise ValidationError(errors, "Failed to delete record.")
        for source, field_name in self.registry.referencing(record.collection.id):
            link = source.get_field(field_name)
            assert isinstance(link, RelationField)  # referencing() lists relation fields only
            # locked: each reference is rewritten from what it holds (a concurrent change of it
            # waits, or is waited for, instead of being undone)
            refs = await find_where(tx, source, field_name, record.id, multiple=link.is_multiple, lock=True)
            for ref in refs:
                if ref.collection.id == record.collection.id and ref.id == record.id:
                    continue
                if link.cascade_delete:
                    await self.delete_record(tx, ref, _depth + 1)
                    continue
                value = ref.data.get(field_name)
                remaining = [i for i in value if i != record.id] if isinstance(value, list) else ""
                if link.required and not remaining:
                    raise BadRequestError(
                        "The record cannot be deleted because it is part of a required reference in another record."
                    )
                await update_by_id(tx, source.name, ref.id, {field_name: link.to_db(remaining, tx.dialect)})
                before = snapshot(ref)
                ref.data[field_name] = remaining
                await self._emit(tx, "update", ref, before)
        removed = await delete_by_id(tx, record.collection.name, record.id)
        if record.collection.is_auth and isinstance(tx, Transaction):  # the database itself lives on
            self._deleted_auth.setdefault(tx, set()).add(f"{record.collection.id}/{record.id}")
        if self.files is not None:
            self.files.forget_record_after_commit(tx, record)
        await self._emit(tx, "delete", record)
        return removed

    # ---- internals --------------------------------------------------------------------------------

    async def _store_uploads(self, tx: Executor, record: Record) -> None:
        """Uploads go to storage before the row is written (see bastion/files/file_service.py)."""
        if self.files is not None and has_uploads(record):
            await self.files.store_uploads(tx, record)

    def _forget_replaced_files(self, tx: Executor, before: Record, after: Record) -> None:
        if self.files is None:
            return
        gone: list[str] = []
        for f in after.collection.fields:
            if isinstance(f, FileField):
                kept = set(f.names(after.data.get(f.name)))
                gone.extend(n for n in f.names(before.data.get(f.name)) if n not in kept)
        self.files.forget_after_commit(tx, after.collection.id, after.id, gone)

    async def _check_create_rule(
        self, tx: Executor, record: Record, body: dict[str, Any], access: Access
    ) -> None:
        """Check the create rule against the would-be record before anything is validated or written
        (PocketBase checks in the same order, so a rule failure hides validation details)."""
        collection = record.collection
        cond = required_condition(
            collection, collection.rule("createRule"), access, self.registry, tx.dialect, body=body
        )
        if not await self._new_record_matches(tx, record, cond):
            raise BadRequestError("Failed to create record.")

    async def _manages_new(self, tx: Executor, record: Record, body: dict[str, Any], access: Access) -> bool:
        """Whether the caller's manageRule covers the would-be record: such a creator may set
        `verified` (PocketBase grants manager access on create the same way)."""
        collection = record.collection
        rule = collection.options.get("manageRule") if collection.is_auth else None
        if not rule or access.auth is None:
            return False
        cond = access_condition(collection, rule, access, self.registry, tx.dialect, body=body)
        return cond is not None and await self._new_record_matches(tx, record, cond)

    async def _new_record_matches(self, tx: Executor, record: Record, cond: Condition) -> bool:
        """Evaluate a rule on a record not inserted yet: the record is presented as a one-row CTE
        standing in for the table, so `@request.body.*`, its own fields and joins all resolve as
        they will after the insert."""
        collection = record.collection
        if not cond.sql:  # an empty rule, or a request-only rule decided true
            return True
        if cond is NEVER:
            return False
        data = dict(record.data)
        data["id"] = data.get("id") or "__temp_id__"
        if collection.is_auth:
            data["verified"] = False  # a rule may not be satisfied by a self-declared verified flag
        params = record_to_params(collection, data, tx.dialect)
        columns = [(name, _column_sql(collection, name, tx.dialect)) for name in params]
        return await row_meets(tx, columns, list(params.values()), ALIAS, [cond])

    @staticmethod
    def _autogenerate(record: Record, creating: bool) -> None:
        stamp = now_str()
        for f in record.collection.fields:
            if f.type == "autodate":
                if (creating and getattr(f, "on_create", False)) or (
                    not creating and getattr(f, "on_update", False)
                ):
                    record.data[f.name] = stamp
            elif f.type == "text" and creating and not record.data.get(f.name):
                pattern = getattr(f, "autogenerate_pattern", "")
                if pattern:
                    record.data[f.name] = random_from_pattern(pattern)

    async def _prepare_auth(
        self,
        tx: Executor,
        record: Record,
        body: dict[str, Any],
        access: Access,
        crypto: PasswordCrypto,
        *,
        creating: bool,
        manager: bool = False,
    ) -> None:
        """Auth collections: PocketBase's form checks, before any field is validated.

        Email and `verified` may only change with manage access (superuser or manageRule; on
        create, email is free); password, passwordConfirm and oldPassword must come together and
        agree. When any of these fail, only they are reported (as PocketBase's record form does).
        A new password is left in the record as a PlainPassword, hashed after validation; the
        old one is checked in a worker thread (`crypto`).
        """
        collection = record.collection
        if not collection.is_auth:
            return None
        manage = access.is_superuser or (manager if creating else await self.can_manage(tx, record, access))
        original = record.original or {}
        mismatch = field_error("validation_values_mismatch", "Values don't match.")
        required = field_error("validation_required", "Cannot be blank.")
        form: dict[str, Any] = {}
        if not creating and not manage and record.data.get("email") != original.get("email"):
            form["email"] = mismatch
        if not manage and bool(record.data.get("verified")) != bool(original.get("verified")):
            form["verified"] = mismatch
        password, confirm, old = (
            _form_text(body.get(k)) for k in ("password", "passwordConfirm", "oldPassword")
        )
        if (creating or confirm or old) and not password:
            form["password"] = required
        if (creating or password or old) and not confirm:
            form["passwordConfirm"] = required
        elif confirm != password:
            form["passwordConfirm"] = mismatch
        if not creating and not manage and (password or confirm):
            if not old:
                form["oldPassword"] = required
            elif not await crypto.verify(old, str(original.get("password") or "")):
                form["oldPassword"] = field_error(
                    "validation_invalid_old_password", "Missing or invalid old password."
                )
        if form:  # keys sorted, as Go writes a map
            message = "Failed to create record." if creating else "Failed to update record."
            raise ValidationError(dict(sorted(form.items())), message)
        if not password:
            return
        record.data["password"] = PlainPassword(password)
        if not creating:
            tk = collection.get_field("tokenKey")
            if tk is not None:
                record.data["tokenKey"] = random_from_pattern(
                    getattr(tk, "autogenerate_pattern", "") or "[a-zA-Z0-9]{50}"
                )

    async def _check_unique(self, tx: Executor, record: Record, errors: dict[str, Any]) -> None:
        for cols in unique_columns(record.collection):
            if any(c in errors for c in cols):
                continue
            values = [record.data.get(c) for c in cols]
            if len(cols) == 1 and values[0] in ("", None):
                continue
            stored = {
                c: _indexed_field(record.collection, c).to_db(v, tx.dialect)
                for c, v in zip(cols, values, strict=True)
            }
            if await another_row_holds(tx, record.collection.name, stored, record.id):
                for c in cols:
                    errors[c] = field_error("validation_not_unique", "Value must be unique.")

    async def _insert(
        self, tx: Executor, record: Record, require: Sequence[tuple[str, Sequence[str]]] = ()
    ) -> bool:
        """False when a row `require` names is missing (nothing was written)."""
        collection = record.collection
        params = record_to_params(collection, record.data, tx.dialect)
        try:
            return bool(
                await insert_row(tx, collection.name, params, _json_columns(collection, tx), require=require)
            )
        except ConstraintViolation as exc:  # a unique value written since _check_unique looked
            raise ValidationError(_not_unique(collection, exc), "Failed to create record.") from None

    async def _update(self, tx: Executor, record: Record) -> None:
        collection = record.collection
        params = record_to_params(collection, record.data, tx.dialect)
        params.pop("id")
        try:
            await update_by_id(tx, collection.name, record.id, params, _json_columns(collection, tx))
        except ConstraintViolation as exc:
            raise ValidationError(_not_unique(collection, exc), "Failed to update record.") from None


def _not_unique(collection: Collection, exc: ConstraintViolation) -> dict[str, Any]:
    """As PocketBase: each field of the unique index the write broke (a case-insensitive or
    partial one that _check_unique cannot see through, or a value written meanwhile) reported
    as not unique; nothing named for any other constraint."""
    if not isinstance(exc, UniqueViolation):
        return {}
    return {
        c: field_error("validation_not_unique", "Value must be unique.")
        for c in sorted(exc.columns)  # in the order Go writes a map's keys
        if c == "id" or collection.get_field(c) is not None
    }


def _column_sql(collection: Collection, column: str, dialect: str) -> str:
    f = collection.get_field(column)
    return f.column_sql(dialect) if f is not None else "TEXT"


def _json_columns(collection: Collection, tx: Executor) -> set[str]:
    """The columns holding a JSON document (sent as text)."""
    return {f.name for f in collection.fields if f.column_sql(tx.dialect).startswith(tx.sql.json_type)}


__all__ = ["RecordService", "SUPERUSER_ONLY", "ALIAS"]


def _form_text(value: Any) -> str:
    """A password form value as PocketBase reads it (Go's cast.ToString: null is "")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def _indexed_field(collection: Collection, column: str) -> Field:
    """The field a unique index names (saving a collection checks its index columns are fields)."""
    field = collection.get_field(column)
    if field is None:
        raise LookupError(f"{collection.name!r} has no field {column!r} for its unique index")
    return field


async def _refuse_deleting_the_last_superuser(tx: Executor) -> None:
    """PocketBase refuses to delete the only superuser, whoever asks (the API, a batch, a
    cascade): nobody could sign in to the dashboard again. On PostgreSQL the superusers' rows are
    locked first, so two deletes of the last two cannot both see two left."""
    table = quote(SUPERUSERS)
    rows = f"SELECT id FROM {table} FOR UPDATE" if tx.dialect == "postgres" else f"SELECT id FROM {table}"
    total = await tx.fetch_val(f"SELECT COUNT(*) FROM ({rows}) AS superusers")
    if int(total or 0) <= 1:
        raise BadRequestError("You can't delete the only existing superuser.")
