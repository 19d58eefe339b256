"""The typed bodies and answers of the system routes, by method and route-table path.

`SYSTEM_OPERATIONS` replaces, for each route it names, the generic operation's body and answers
(openapi_routes.py keeps its summary, tag and error answer): `body` None means the route reads
no body (the generic one says "a JSON object"), and `answers` maps each success status to its
answer. The shapes are the handlers' (api/<route>.py); the schemas they point at are in
openapi_system_schemas.py. A route not listed keeps the generic description; the test of the
live answers (tests/api/openapi/test_openapi_system_answers.py) lists the few left so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bastion.api.openapi_records import MFA_PENDING, NO_CONTENT, json_answer, query_parameters
from bastion.api.openapi_shapes import Schema, boolean, integer, obj, opt, ref, string

C = "/api/collections/{collection}"
_FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Typed:
    """A system route's body (None: it reads none) and answers by status."""

    body: Schema | None
    answers: dict[str, Any]
    body_required: bool = True
    media: str = "application/json"  # the body's media type
    parameters: list[dict[str, Any]] = field(default_factory=list)

    def request_body(self) -> dict[str, Any] | None:
        if self.body is None:
            return None
        return {"required": self.body_required, "content": {self.media: {"schema": self.body}}}


def _ok(schema: Schema, text: str = "OK") -> dict[str, Any]:
    return {"200": json_answer(schema, text)}


_DONE = {"204": NO_CONTENT}
_SIGNED_IN = json_answer(ref("AuthAnswer"), "Signed in.")
_PAGE = (
    ("page", {"type": "integer", "minimum": 1, "default": 1}, "The page (1-based)."),
    ("perPage", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 30}, "Items per page."),
)
_LOG_QUERY = (
    *_PAGE,
    ("sort", {"type": "string"}, "Sort fields, e.g. `-created`."),
    ("filter", {"type": "string"}, "A filter over id, created, level, message and data.* fields."),
    ("skipTotal", {"type": "boolean"}, "Skip counting: totalItems and totalPages answer -1."),
)
_JOB_QUERY = (
    *_PAGE,
    ("status", {"type": "string", "enum": ["queued", "running", "done", "dead", "failed"]}, "Only these."),
    ("kind", {"type": "string"}, "Only jobs of this kind (`mail`, `webhook` …)."),
)
_OAUTH2_REDIRECT = (
    ("state", {"type": "string"}, "The realtime client id the SDK sent as the OAuth2 state."),
    ("code", {"type": "string"}, "The provider's authorization code."),
    ("error", {"type": "string"}, "The provider's error, if any."),
)
_REDIRECT = "To the dashboard's success or failure page (Location)."
_BACKUP_NAME = string(
    "`[a-z0-9_-]+.zip`; a generated name when left out.", maxLength=150, pattern=r"^[a-z0-9_-]+\.zip$"
)

SYSTEM_OPERATIONS: dict[tuple[str, str], Typed] = {
    ("GET", "/api/health"): Typed(None, _ok(ref("Status"), "Healthy")),
    ("GET", "/api/ready"): Typed(None, _ok(ref("Status"), "The database answers")),
    ("GET", "/api/openapi.json"): Typed(
        None, _ok(obj("This document.", openapi=string(), info={"type": "object"}, paths={"type": "object"}))
    ),
    # collections (superusers)
    ("GET", "/api/collections"): Typed(None, _ok(ref("CollectionList"))),
    ("POST", "/api/collections"): Typed(ref("CollectionCreate"), _ok(ref("Collection"))),
    ("PUT", "/api/collections/import"): Typed(ref("CollectionsImport"), _DONE),
    ("GET", "/api/collections/meta/scaffolds"): Typed(None, _ok(ref("CollectionScaffolds"))),
    ("GET", C): Typed(None, _ok(ref("Collection"))),
    ("PATCH", C): Typed(ref("CollectionUpdate"), _ok(ref("Collection"))),
    # the auth routes the collections' own paths do not describe (TOTP, impersonation)
    ("POST", f"{C}/auth-with-totp"): Typed(
        obj(mfaId=string(maxLength=255), code=string(minLength=1, maxLength=16)),
        {"200": _SIGNED_IN, "401": MFA_PENDING},
    ),
    ("POST", f"{C}/totp-setup"): Typed(
        None, _ok(obj(secret=string("Base32."), otpauthUrl=string("For an authenticator app's QR code.")))
    ),
    ("POST", f"{C}/totp-confirm"): Typed(obj(code=string(minLength=1, maxLength=16)), _DONE),
    ("GET", f"{C}/totp"): Typed(None, _ok(obj(enabled=boolean()))),
    ("POST", f"{C}/impersonate/{{id}}"): Typed(
        obj(duration=opt(integer("Seconds; 0: the collection's auth token duration.", minimum=0))),
        {"200": _SIGNED_IN},
        body_required=False,
    ),
    ("GET", "/api/oauth2-redirect"): Typed(
        None, {"307": {"description": _REDIRECT}}, parameters=query_parameters(_OAUTH2_REDIRECT)
    ),
    ("POST", "/api/oauth2-redirect"): Typed(
        obj(state=opt(string()), code=opt(string()), error=opt(string()), user=opt(string("Apple's user JSON."))),
        {"303": {"description": _REDIRECT}},
        body_required=False,
        media=_FORM,
    ),
    # files, batch
    ("POST", "/api/files/token"): Typed(None, _ok(obj(token=string("Append as `?token=` to a protected file's URL.")))),
    ("POST", "/api/batch"): Typed(ref("BatchRequest"), _ok(ref("BatchAnswer"), "Every sub-request's answer")),
    # settings (superusers)
    ("GET", "/api/settings"): Typed(None, _ok(ref("Settings"))),
    ("PATCH", "/api/settings"): Typed(ref("SettingsPatch"), _ok(ref("Settings"))),
    ("POST", "/api/settings/test/email"): Typed(
        obj(
            email=string(format="email"),
            template=string(enum=["verification", "password-reset", "email-change", "otp", "login-alert"]),
            collection=opt(string("An auth collection's id or name; _superusers when left out.")),
        ),
        _DONE,
    ),
    ("POST", "/api/settings/test/s3"): Typed(obj(filesystem=string(enum=["storage", "backups"])), _DONE),
    # logs, crons, backups, jobs (superusers)
    ("GET", "/api/logs"): Typed(None, _ok(ref("LogList")), parameters=query_parameters(_LOG_QUERY)),
    ("GET", "/api/logs/stats"): Typed(
        None, _ok(ref("LogStats"), "Requests per hour"), parameters=query_parameters(_LOG_QUERY[3:4])
    ),
    ("GET", "/api/logs/{id}"): Typed(None, _ok(ref("Log"))),
    ("GET", "/api/crons"): Typed(None, _ok(ref("Crons"))),
    ("POST", "/api/crons/{id}"): Typed(None, _DONE),
    ("GET", "/api/backups"): Typed(None, _ok(ref("Backups"))),
    ("POST", "/api/backups"): Typed(obj(name=opt(_BACKUP_NAME)), _DONE, body_required=False),
    ("POST", "/api/backups/upload"): Typed(
        obj(file={"type": "string", "format": "binary", "description": "A zip archive."}),
        _DONE,
        media="multipart/form-data",
    ),
    ("POST", "/api/backups/{key}/restore"): Typed(None, _DONE),
    ("GET", "/api/jobs"): Typed(None, _ok(ref("JobList")), parameters=query_parameters(_JOB_QUERY)),
    ("GET", "/api/jobs/stats"): Typed(None, _ok(ref("JobStats"), "Jobs per status")),
    ("POST", "/api/jobs/{id}/retry"): Typed(None, _ok(ref("Job"), "The job, queued again")),
    # realtime
    ("POST", "/api/realtime"): Typed(ref("RealtimeSubscriptions"), _DONE),
    ("POST", "/api/realtime/poll"): Typed(
        ref("RealtimePoll"), _ok(ref("RealtimePollAnswer"), "The events since the cursor"), body_required=False
    ),
    # webhooks, rules, installer (Bastion's own)
    ("POST", "/api/webhooks/{id}/test"): Typed(
        None,
        _ok(
            obj(
                eventId=string(),
                delivered=boolean(),
                statusCode=integer("The endpoint's status; 0 when it did not answer."),
                durationMs=integer(),
                error=string(),
                delivery=string("The delivery log record's id; \"\" when not logged."),
            )
        ),
    ),
    ("POST", "/api/webhooks/deliveries/{id}/redeliver"): Typed(
        None, _ok(obj(webhook=string(), eventId=string(), queued={"const": True}))
    ),
    ("POST", "/api/bastion/rules/check"): Typed(
        obj(rule=string("A rule or filter; only its syntax is checked.")), _ok(obj(valid={"const": True}))
    ),
    ("GET", "/api/bastion/installer"): Typed(None, _DONE),
    ("POST", "/api/bastion/installer"): Typed(
        obj(email=string(format="email"), password=string(), passwordConfirm=string()),
        _ok(ref("Record"), "The first superuser"),
    ),
}  # fmt: skip
