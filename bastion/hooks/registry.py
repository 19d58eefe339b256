"""The hooks the files registered, and `hooks`, the decorators they register them with.

A hook file runs once per process at start (bastion/hooks/loader.py); while it runs, `hooks`
registers into the registry being loaded. Outside loading it refuses, so a hook registered from
a request or a thread cannot change what runs half-way.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from bastion.core.cron_expr import cron_error
from bastion.hooks.errors import HookLoadError
from bastion.hooks.events import CronEvent, RecordEvent, RecordRequestEvent, RouteEvent
from bastion.hooks.events_auth import MailEvent, OAuth2AuthEvent, RecordAuthEvent
from bastion.mail import mail_send

if TYPE_CHECKING:
    from bastion.bus.events import Action
    from bastion.core.collection_model import Collection

# What each decorator takes and gives back unchanged: a function of its event, plain or async
# (mypy and editors check a hook file's annotated functions against them).
RequestFn = TypeVar("RequestFn", bound=Callable[[RecordRequestEvent], object])
RecordFn = TypeVar("RecordFn", bound=Callable[[RecordEvent], object])
RouteFn = TypeVar("RouteFn", bound=Callable[[RouteEvent], object])
CronFn = TypeVar("CronFn", bound=Callable[[CronEvent], object])
MailFn = TypeVar("MailFn", bound=Callable[[MailEvent], object])
AuthFn = TypeVar("AuthFn", bound=Callable[[RecordAuthEvent], object])
OAuth2Fn = TypeVar("OAuth2Fn", bound=Callable[[OAuth2AuthEvent], object])

ACTIONS: tuple[Action, ...] = ("create", "update", "delete")
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
ANY_MAIL = "*"  # the `mail` key of `on_mailer_send`'s hooks, which run after the kind's own


@dataclass(frozen=True, slots=True)
class Hook:
    """One registered function, where it was defined, and which collections it is for."""

    fn: Callable[[Any], Any]
    is_async: bool
    collections: frozenset[str] | None  # names or ids; None: every collection
    file: str
    line: int

    @property
    def name(self) -> str:
        return getattr(self.fn, "__qualname__", repr(self.fn))

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def applies(self, collection: Collection) -> bool:
        return self.collections is None or (
            collection.name in self.collections or collection.id in self.collections
        )


@dataclass(frozen=True, slots=True)
class HookRoute:
    method: str
    path: str
    hook: Hook


@dataclass(frozen=True, slots=True)
class HookCron:
    id: str
    expression: str
    hook: Hook


@dataclass
class HookRegistry:
    """Everything the hook files of one load registered, in file then registration order."""

    request: dict[Action, list[Hook]] = field(default_factory=lambda: {a: [] for a in ACTIONS})
    before: dict[Action, list[Hook]] = field(default_factory=lambda: {a: [] for a in ACTIONS})
    after: dict[Action, list[Hook]] = field(default_factory=lambda: {a: [] for a in ACTIONS})
    routes: list[HookRoute] = field(default_factory=list)
    crons: list[HookCron] = field(default_factory=list)
    # by mail kind (mail/mail_send.py), and ANY_MAIL
    mail: dict[str, list[Hook]] = field(default_factory=lambda: {k: [] for k in (*mail_send.KINDS, ANY_MAIL)})
    auth_request: list[Hook] = field(default_factory=list)
    oauth2_request: list[Hook] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    plugins: list[str] = field(default_factory=list)  # "name (distribution)", hooks/plugins.py

    @property
    def has_record_hooks(self) -> bool:
        return any(self.before.values()) or any(self.after.values())

    @property
    def has_request_hooks(self) -> bool:
        return any(self.request.values())

    @property
    def has_mail_hooks(self) -> bool:
        return any(self.mail.values())

    @property
    def has_auth_hooks(self) -> bool:
        return bool(self.auth_request or self.oauth2_request)

    def extend(self, other: HookRegistry) -> None:
        """Add what `other` registered after what this one has (a plugin's hooks)."""
        for mine, theirs in (
            (self.request, other.request),
            (self.before, other.before),
            (self.after, other.after),
        ):
            for action, hooks in theirs.items():
                mine[action].extend(hooks)
        for kind, hooks in other.mail.items():
            self.mail[kind].extend(hooks)
        self.routes.extend(other.routes)
        self.crons.extend(other.crons)
        self.auth_request.extend(other.auth_request)
        self.oauth2_request.extend(other.oauth2_request)
        self.plugins.extend(other.plugins)


_loading: HookRegistry | None = None


def set_loading(registry: HookRegistry | None) -> None:
    global _loading
    _loading = registry


def _registry() -> HookRegistry:
    if _loading is None:
        raise RuntimeError("bastion.hooks.hooks registers hooks only while Bastion loads the hook files")
    return _loading


def _hook(fn: Callable[..., Any], collections: tuple[str, ...]) -> Hook:
    if not callable(fn):
        raise TypeError(f"a hook must be a function, got {fn!r}")
    code = getattr(fn, "__code__", None)
    file = code.co_filename if code is not None else "?"
    line = code.co_firstlineno if code is not None else 0
    for name in cast("tuple[object, ...]", collections):  # what a file passes, typed or not
        if not isinstance(name, str) or not name:
            raise HookLoadError(f"hook file {file}:{line}: collections are named by strings, got {name!r}")
    return Hook(
        fn, inspect.iscoroutinefunction(fn), frozenset(collections) if collections else None, file, line
    )


class Hooks:
    """The decorators a hook file uses (`from bastion.hooks import hooks`).

    Record hooks take the collections they are for (names or ids; none: every collection) and a
    function of one event, plain or `async`. Request hooks (`on_record_*_request`, a
    `RecordRequestEvent`) run for API requests before anything is read or written, with the
    caller's auth and the body. Before-hooks (`on_record_create`,
    `on_record_update`, `on_record_delete`) run inside the write's transaction after the
    collection's rule allowed it, and may change the record, add field errors or raise
    `HookError`; after-hooks (`on_record_after_*_success`) run once the write committed, before
    the client is answered, and their errors are logged, not answered (the write stands)."""

    def _request(self, action: Action, collections: tuple[str, ...]) -> Callable[[RequestFn], RequestFn]:
        def register(fn: RequestFn) -> RequestFn:
            _registry().request[action].append(_hook(fn, collections))
            return fn

        return register

    def _before(self, action: Action, collections: tuple[str, ...]) -> Callable[[RecordFn], RecordFn]:
        def register(fn: RecordFn) -> RecordFn:
            _registry().before[action].append(_hook(fn, collections))
            return fn

        return register

    def _after(self, action: Action, collections: tuple[str, ...]) -> Callable[[RecordFn], RecordFn]:
        def register(fn: RecordFn) -> RecordFn:
            _registry().after[action].append(_hook(fn, collections))
            return fn

        return register

    def on_record_create_request(self, *collections: str) -> Callable[[RequestFn], RequestFn]:
        """A create request through the API (a batch's too), before its transaction and the
        collection's rule: `e.body` may be changed, `e.auth` is the caller
        (onRecordCreateRequest)."""
        return self._request("create", collections)

    def on_record_update_request(self, *collections: str) -> Callable[[RequestFn], RequestFn]:
        """An update request through the API; `e.record_id` names the record
        (onRecordUpdateRequest)."""
        return self._request("update", collections)

    def on_record_delete_request(self, *collections: str) -> Callable[[RequestFn], RequestFn]:
        """A delete request through the API (onRecordDeleteRequest)."""
        return self._request("delete", collections)

    def on_record_create(self, *collections: str) -> Callable[[RecordFn], RecordFn]:
        """Before a record is inserted (PocketBase's onRecordCreate)."""
        return self._before("create", collections)

    def on_record_update(self, *collections: str) -> Callable[[RecordFn], RecordFn]:
        """Before a record is updated; `e.original` is the stored record (onRecordUpdate)."""
        return self._before("update", collections)

    def on_record_delete(self, *collections: str) -> Callable[[RecordFn], RecordFn]:
        """Before a record is deleted, cascaded deletes included (onRecordDelete)."""
        return self._before("delete", collections)

    def on_record_after_create_success(self, *collections: str) -> Callable[[RecordFn], RecordFn]:
        """After an insert committed (onRecordAfterCreateSuccess)."""
        return self._after("create", collections)

    def on_record_after_update_success(self, *collections: str) -> Callable[[RecordFn], RecordFn]:
        """After an update committed (onRecordAfterUpdateSuccess)."""
        return self._after("update", collections)

    def on_record_after_delete_success(self, *collections: str) -> Callable[[RecordFn], RecordFn]:
        """After a delete committed (onRecordAfterDeleteSuccess)."""
        return self._after("delete", collections)

    def _mail(self, kind: str, collections: tuple[str, ...]) -> Callable[[MailFn], MailFn]:
        def register(fn: MailFn) -> MailFn:
            _registry().mail[kind].append(_hook(fn, collections))
            return fn

        return register

    def on_mailer_send(self) -> Callable[[MailFn], MailFn]:
        """Every mail, before it is sent, after the hooks of its kind (PocketBase's
        onMailerSend): `e.message` may be changed, `e.cancel()` drops it, `HookError` refuses
        it."""
        return self._mail(ANY_MAIL, ())

    def on_mailer_record_verification_send(self, *collections: str) -> Callable[[MailFn], MailFn]:
        """The verification mail of an auth record (onMailerRecordVerificationSend)."""
        return self._mail(mail_send.VERIFICATION, collections)

    def on_mailer_record_password_reset_send(self, *collections: str) -> Callable[[MailFn], MailFn]:
        """The password-reset mail (onMailerRecordPasswordResetSend)."""
        return self._mail(mail_send.PASSWORD_RESET, collections)

    def on_mailer_record_email_change_send(self, *collections: str) -> Callable[[MailFn], MailFn]:
        """The mail to the new address of an email change (onMailerRecordEmailChangeSend)."""
        return self._mail(mail_send.EMAIL_CHANGE, collections)

    def on_mailer_record_otp_send(self, *collections: str) -> Callable[[MailFn], MailFn]:
        """The one-time password mail; `e.meta["password"]` is the code (onMailerRecordOTPSend)."""
        return self._mail(mail_send.OTP, collections)

    def on_mailer_record_auth_alert_send(self, *collections: str) -> Callable[[MailFn], MailFn]:
        """The new sign-in alert (onMailerRecordAuthAlertSend)."""
        return self._mail(mail_send.LOGIN_ALERT, collections)

    def on_record_auth_request(self, *collections: str) -> Callable[[AuthFn], AuthFn]:
        """A sign-in (password, OTP, TOTP, OAuth2; a refresh) about to be answered, after the
        authRule and before MFA: `e.meta` and `e.token` may be changed, `HookError` refuses it
        (onRecordAuthRequest)."""

        def register(fn: AuthFn) -> AuthFn:
            _registry().auth_request.append(_hook(fn, collections))
            return fn

        return register

    def on_record_auth_with_oauth2_request(self, *collections: str) -> Callable[[OAuth2Fn], OAuth2Fn]:
        """An OAuth2 sign-in, before its record is linked or created: `e.create_data` may be
        changed, `HookError` refuses it (onRecordAuthWithOAuth2Request)."""

        def register(fn: OAuth2Fn) -> OAuth2Fn:
            _registry().oauth2_request.append(_hook(fn, collections))
            return fn

        return register

    def route(self, method: str, path: str) -> Callable[[RouteFn], RouteFn]:
        """A route of its own (PocketBase's routerAdd): `path` in Starlette's syntax
        (`/api/hello/{name}`, `{rest:path}`); the function takes a `RouteEvent`. A built-in route
        on the same method and path wins."""

        def register(fn: RouteFn) -> RouteFn:
            hook = _hook(fn, ())
            verb = method.upper()
            if verb not in METHODS:
                raise HookLoadError(
                    f"hook file {hook.where}: route method must be one of {sorted(METHODS)}, got {method!r}"
                )
            if not path.startswith("/"):
                raise HookLoadError(f"hook file {hook.where}: route path must start with /, got {path!r}")
            _registry().routes.append(HookRoute(verb, path, hook))
            return fn

        return register

    def cron(self, cron_id: str, expression: str) -> Callable[[CronFn], CronFn]:
        """Run the function (no argument but a `CronEvent`) on a cron expression, UTC,
        PocketBase's syntax (`*/5 * * * *`, `@hourly`; PocketBase's cronAdd), once per tick across
        every worker and node (the job queue's crons, docs/jobs.md); listed and run by hand at
        /api/crons as the built-in ones. An id is the hook files' own: not `__…__` (the built-in
        crons'), not twice."""

        def register(fn: CronFn) -> CronFn:
            hook = _hook(fn, ())
            if not cron_id or cron_id.startswith("__"):
                raise HookLoadError(
                    f"hook file {hook.where}: a cron id must not be empty nor start with __, got {cron_id!r}"
                )
            problem = cron_error(expression)
            if problem is not None:
                raise HookLoadError(f"hook file {hook.where}: cron {cron_id!r}: {problem}")
            registry = _registry()
            if any(c.id == cron_id for c in registry.crons):
                raise HookLoadError(f"hook file {hook.where}: the cron id {cron_id!r} is registered twice")
            registry.crons.append(HookCron(cron_id, expression, hook))
            return fn

        return register


hooks = Hooks()
