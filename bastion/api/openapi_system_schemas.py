"""The component schemas of the system routes' bodies and answers (collections, logs, crons,
backups, jobs, batch, realtime, health, the auth helpers …), as the handlers write and read them.

Each shape is the handler's own (api/<route>.py), which mirrors PocketBase 0.40.6's API where
Bastion has the route. Answers list as required what the handler always writes; bodies list as
required what the handler refuses to go without (a 400 with a field error), so a body the
document admits is one the server reads, and one it refuses (a missing `clientId`) is one the
server refuses too.
"""

from __future__ import annotations

from bastion.api.openapi_fields import DATE_DESCRIPTION, DATE_PATTERN
from bastion.api.openapi_settings import settings_schemas
from bastion.api.openapi_shapes import (
    Schema,
    array,
    boolean,
    integer,
    nullable_string,
    obj,
    opt,
    page_of,
    ref,
    string,
)

_DATE = string(DATE_DESCRIPTION, pattern=DATE_PATTERN)
_DATE_OR_EMPTY = {"anyOf": [string(pattern=DATE_PATTERN), {"const": ""}], "description": DATE_DESCRIPTION}
_RULE = nullable_string('A filter expression; null: superusers only, "": anyone.')
_RULES = ("listRule", "viewRule", "createRule", "updateRule", "deleteRule")
_FIELD_TYPES = (
    "text", "editor", "number", "bool", "email", "url", "date", "autodate", "select", "json",
    "relation", "file", "password", "geoPoint",
)  # fmt: skip
_STATUS_ANSWER = obj(
    code=integer(),
    message=string(),
    data=obj(
        "Superusers only: whether a backup may start, the address the server sees and a proxy "
        "header the request carries that `trustedProxy` does not name.",
        canBackup=opt(boolean()),
        realIP=opt(string()),
        possibleProxyHeader=opt(string()),
    ),
)


def _field() -> Schema:
    schema = obj(
        "A field of a collection; the other keys are its type's options (min, max, values …).",
        id=string(),
        name=string(),
        type=string(enum=list(_FIELD_TYPES)),
        system=boolean(),
        hidden=boolean(),
        presentable=boolean(),
    )
    return schema


def _collection() -> Schema:
    """A collection as answered: the common keys; an auth collection adds its options (authRule,
    passwordAuth, oauth2, mfa, otp, the token durations, the mail templates), a view its query."""
    return obj(
        "A collection. Auth collections add their options (`authRule`, `manageRule`, "
        "`passwordAuth`, `oauth2`, `mfa`, `otp`, token durations, mail templates; no secrets), "
        "views their `viewQuery`.",
        id=string(),
        name=string(),
        type=string(enum=["base", "auth", "view"]),
        system=boolean(),
        fields=array(ref("CollectionField")),
        indexes=array(string()),
        created=_DATE_OR_EMPTY,  # "" in a scaffold (not saved yet)
        updated=_DATE_OR_EMPTY,
        **{rule: _RULE for rule in _RULES},
        authRule=opt(nullable_string()),
        manageRule=opt(nullable_string()),
        viewQuery=opt(string()),
    )


def _collection_body(create: bool) -> Schema:
    """What POST (and PATCH) /api/collections reads: any of the answered keys; a name on create."""
    fields: Schema = {
        "name": string(minLength=1, maxLength=255) if create else opt(string(minLength=1, maxLength=255)),
        "type": opt(string(enum=["base", "auth", "view"])),
        "fields": opt(array({"type": "object"})),
        "indexes": opt(array(string())),
        **{rule: opt(_RULE) for rule in _RULES},
    }
    return obj("A collection's keys, as answered (the others are kept).", **fields)


def _batch_request() -> Schema:
    sub = obj(
        method=string(enum=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        url=string("A records route with an optional query, e.g. `/api/collections/posts/records`.",
                   minLength=1, maxLength=2000),
        body=opt({"type": ["object", "null"]}),
        headers=opt({"type": ["object", "null"], "additionalProperties": {"type": "string"}}),
    )  # fmt: skip
    return obj(requests=array(sub, description="Run in order in one transaction; all or none."))


def _auth_methods() -> Schema:
    provider = obj(
        name=string(),
        displayName=string(),
        state=string(),
        authURL=string("The provider's sign-in URL, `redirect_uri=` left for the client to append."),
        authUrl=string("The pre-0.23 key (same value)."),
        codeVerifier=string(),
        codeChallenge=string(),
        codeChallengeMethod=string(),
        logo=string(),
    )
    methods = ref("AuthProvider")
    enabled_duration = obj(enabled=boolean(), duration=integer("Seconds; 0 when disabled."))
    return {
        "AuthProvider": provider,
        "AuthMethods": obj(
            password=obj(enabled=boolean(), identityFields=array(string())),
            oauth2=obj(enabled=boolean(), providers=array(methods)),
            mfa=enabled_duration,
            otp=obj(**enabled_duration["properties"]),
            authProviders=array(methods, description="The pre-0.23 key (same as oauth2.providers)."),
            emailPassword=boolean("The pre-0.23 key: email is an identity field."),
            usernamePassword=boolean("The pre-0.23 key: username is an identity field."),
        ),
    }


def _realtime() -> dict[str, Schema]:
    subscriptions = array(
        string(maxLength=2500),
        maxItems=1000,
        description="Topics: a collection name (`posts`) or record (`posts/ID`), with an optional "
        '`?options={"query":{"filter":…},"headers":{…}}`.',
    )
    event = obj(
        topic=string(),
        action=opt(string(enum=["create", "update", "delete"])),
        record=opt({"type": "object"}),
    )
    return {
        "RealtimeSubscriptions": obj(
            clientId=string("The id PB_CONNECT answered.", minLength=1, maxLength=255),
            subscriptions=opt(subscriptions),
        ),
        "RealtimePoll": obj(
            "Long polling (docs/realtime.md): no clientId starts a client.",
            clientId=opt(string(maxLength=255)),
            subscriptions=opt(subscriptions),
            cursor=opt(integer("The cursor the last poll answered.", minimum=0, maximum=2**53)),
            timeout=opt({"type": "number", "minimum": 0, "maximum": 30, "description": "Seconds to wait."}),
        ),
        "RealtimePollAnswer": obj(clientId=string(), cursor=integer(), events=array(event)),
    }


def _jobs() -> dict[str, Schema]:
    job = obj(
        id=string(),
        kind=string(),
        status=string(enum=["queued", "running", "done", "dead"]),
        attempts=integer(),
        maxAttempts=integer(),
        runAt=_DATE,
        lastError=string(),
        payload={"description": "The job's payload (secrets masked)."},
        created=string(),
        updated=string(),
    )
    counts = {name: integer() for name in ("queued", "running", "done", "dead", "failed")}
    return {"Job": job, "JobList": page_of(ref("Job")), "JobStats": obj(**counts)}


def _logs() -> dict[str, Schema]:
    log = obj(
        id=string(),
        created=_DATE,
        level=integer("-4 debug, 0 info, 4 warn, 8 error."),
        message=string(),
        data={"type": "object", "description": "The request's details (method, url, status, auth …)."},
    )
    stat = obj(date=_DATE, total=integer())
    return {"Log": log, "LogList": page_of(ref("Log")), "LogStats": array(stat)}


def system_schemas() -> dict[str, Schema]:
    """Every component schema the system routes' operations point at, by name."""
    return {
        "CollectionField": _field(),
        "Collection": _collection(),
        "CollectionList": page_of(ref("Collection")),
        "CollectionCreate": _collection_body(create=True),
        "CollectionUpdate": _collection_body(create=False),
        "CollectionsImport": obj(
            collections=array({"type": "object"}, minItems=1, description="Collections, as answered."),
            deleteMissing=opt(boolean("Delete the (non-system) collections the list leaves out.")),
        ),
        "CollectionScaffolds": obj(auth=ref("Collection"), base=ref("Collection"), view=ref("Collection")),
        "Status": _STATUS_ANSWER,
        **_auth_methods(),
        "BatchRequest": _batch_request(),
        "BatchAnswer": array(
            obj(status=integer(), body={"description": "The sub-request's answer (null for a 204)."})
        ),
        **_realtime(),
        **_logs(),
        "Crons": array(obj(id=string(), expression=string())),
        "Backups": array(obj(key=string(), size=integer(), modified=_DATE)),
        **_jobs(),
        **settings_schemas(),
    }
