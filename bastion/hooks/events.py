"""What a hook receives: a record event (a write on its way, or committed) or a route event."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bastion.errors import ForbiddenError, UnauthorizedError
from bastion.hooks.errors import as_field_error
from bastion.hooks.records import HookRecords

if TYPE_CHECKING:
    from bastion.bus.events import Action
    from bastion.core.app_protocol import App
    from bastion.core.collection_model import Collection
    from bastion.core.record_model import Record
    from bastion.store.database import Executor


class RecordEvent:
    """A record being created, updated or deleted (`on_record_create` …: inside the write's
    transaction, before the fields are validated), or one whose write committed
    (`on_record_after_create_success` …).

    `record` reads and writes like a dict (`e.record["title"]`, `e.record.id`,
    `e.record.collection.name`); `original` is the stored record an update started from (None
    otherwise). Before the write, `add_error` adds a field error to the 400 the client gets."""

    __slots__ = ("app", "action", "record", "original", "errors", "_tx")

    def __init__(
        self,
        app: App,
        action: Action,
        record: Record,
        original: Record | None,
        errors: dict[str, Any] | None = None,
        tx: Executor | None = None,
    ) -> None:
        self.app = app
        self.action = action
        self.record = record
        self.original = original
        self.errors: dict[str, Any] = {} if errors is None else errors
        self._tx = tx

    @property
    def records(self) -> HookRecords:
        """Other records (bastion/hooks/records.py), as a superuser; before the write, in its
        transaction."""
        return HookRecords(self.app, self._tx)

    @property
    def collection(self) -> str:
        """The record's collection name."""
        return self.record.collection.name

    def add_error(self, field_name: str, message: str, code: str = "validation_invalid_value") -> None:
        """Refuse the write with PocketBase's 400 `{data: {field: {code, message}}}` (the
        fields' own validation errors are reported with it)."""
        self.errors[field_name] = as_field_error((code, message))


class RecordRequestEvent:
    """A create, update or delete request through the API (`on_record_create_request` …),
    before its transaction and before the collection's rule is checked (the rule then judges the
    body as the hooks left it).

    `body` is the request's fields (change it in place: `e.body["slug"] = …`), `auth` the caller's
    auth record (None for a guest), `record_id` the record an update or delete names."""

    __slots__ = ("app", "action", "collection_model", "body", "auth", "record_id")

    def __init__(
        self,
        app: App,
        action: Action,
        collection: Collection,
        body: dict[str, Any],
        auth: Record | None,
        record_id: str | None,
    ) -> None:
        self.app = app
        self.action = action
        self.collection_model = collection
        self.body = body
        self.auth = auth
        self.record_id = record_id

    @property
    def collection(self) -> str:
        """The collection's name."""
        return self.collection_model.name

    @property
    def is_superuser(self) -> bool:
        return self.auth is not None and self.auth.collection.is_superusers

    @property
    def records(self) -> HookRecords:
        """Records (bastion/hooks/records.py), as a superuser; `.as_auth(e.auth)` for the caller's rules."""
        return HookRecords(self.app)


class CronEvent:
    """A tick of a cron a hook file added (`@hooks.cron(...)`)."""

    __slots__ = ("app", "cron_id")

    def __init__(self, app: App, cron_id: str) -> None:
        self.app = app
        self.cron_id = cron_id

    @property
    def records(self) -> HookRecords:
        """Records (bastion/hooks/records.py), as a superuser."""
        return HookRecords(self.app)


@dataclass(frozen=True, slots=True)
class Reply:
    """What a route answers when a plain return value is not enough: `e.json(201, {...})`."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class RouteEvent:
    """A request to a route a hook file added (`@hooks.route("GET", "/api/hello/{name}")`).

    `auth` is the caller's auth record (None for a guest), resolved from the token as for
    built-in routes; the handler returns a dict or list (JSON 200), None (204), or `e.json(...)`."""

    app: App
    method: str
    path: str
    path_params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    auth: Record | None
    request: Any
    """The underlying Starlette request, for what this event does not carry."""
    _body: Callable[[], Awaitable[dict[str, Any]]]

    @property
    def is_superuser(self) -> bool:
        return self.auth is not None and self.auth.collection.is_superusers

    @property
    def records(self) -> HookRecords:
        """Records (bastion/hooks/records.py), as a superuser; `.as_auth(e.auth)` for the caller's rules."""
        return HookRecords(self.app)

    async def body(self) -> dict[str, Any]:
        """The request's JSON, form or multipart body, as the record routes read it."""
        return await self._body()

    def require_auth(self, *collections: str) -> Record:
        """The caller's auth record; 401 without one, 403 when it belongs to none of `collections`
        (when given; superusers always pass)."""
        if self.auth is None:
            raise UnauthorizedError()
        if collections and not self.is_superuser and self.auth.collection.name not in collections:
            raise ForbiddenError()
        return self.auth

    def require_superuser(self) -> Record:
        auth = self.require_auth()
        if not self.is_superuser:
            raise ForbiddenError("The authorized record is not allowed to perform this action.")
        return auth

    def json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
        return Reply(status, data, headers or {})

    def no_content(self) -> Reply:
        return Reply(204)
