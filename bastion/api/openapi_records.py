"""OpenAPI operations of the records API and the auth collections' sign-in routes.

Built for one collection (`/api/collections/posts/records`, its typed schemas) or for the
generic `{collection}` routes of the route table (a record of any collection). `Refs` names the
schemas the operations point at, so both share one description of each route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Operation = dict[str, Any]

ERROR = {"$ref": "#/components/responses/Error"}
NO_CONTENT = {"description": "Done; no body."}
MFA_PENDING = {
    "description": "Not signed in: an error, or `{mfaId}` when the collection's MFA wants another factor.",
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"$ref": "#/components/schemas/Error"},
                    {
                        "type": "object",
                        "description": "The first factor passed; sign in with another, sending this mfaId.",
                        "properties": {"mfaId": {"type": "string"}},
                        "required": ["mfaId"],
                    },
                ]
            }
        }
    },
}

_LIST_PARAMETERS = (
    ("page", {"type": "integer", "minimum": 1, "default": 1}, "The page (1-based)."),
    ("perPage", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 30}, "Records per page."),
    ("filter", {"type": "string"}, "A PocketBase filter expression, e.g. `title ~ 'abc' && views > 1`."),
    ("skipTotal", {"type": "boolean"}, "Skip counting: totalItems and totalPages answer -1."),
)
_SORT_PARAMETERS = (("sort", {"type": "string"}, "Sort fields, `-` for descending, e.g. `-created,id`."),)
_SEARCH_PARAMETERS = (
    (
        "sort",
        {"type": "string"},
        "Sort fields, `-` for descending, e.g. `-created,id`; with `search`, `@rank` (or `-@rank`) "
        "sorts by relevance.",
    ),
    (
        "search",
        {"type": "string", "maxLength": 256},
        'Full-text search (Bastion; collections with a `search` option): words, "phrases", '
        "prefix*; `sort=@rank` orders by relevance.",
    ),
)
_COMMON_PARAMETERS = (
    ("expand", {"type": "string"}, "Relations to expand, comma-separated, dotted for nesting."),
    ("fields", {"type": "string"}, "The fields to answer, comma-separated (`*`, `expand.x`, `:excerpt`)."),
)


@dataclass(frozen=True)
class Refs:
    """The component schemas of one collection's records (or of any record)."""

    record: str
    create: str
    update: str
    multipart: bool  # the collection has file fields: the bodies may be multipart/form-data
    tags: tuple[str, ...]
    op_prefix: str  # operationId prefix, "" for the generic routes (they have none)
    page: str = "RecordList"  # a page of records (`list_envelope`)
    signed_in: str = "AuthAnswer"  # a sign-in's answer (`auth_answer`)

    @classmethod
    def of(cls, name: str, multipart: bool) -> Refs:
        """The schemas of the collection `name`'s own paths, named after it."""
        return cls(
            f"Record.{name}",
            f"Create.{name}",
            f"Update.{name}",
            multipart,
            (name,),
            name,
            f"RecordList.{name}",
            f"AuthAnswer.{name}",
        )


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def query_parameters(*groups: tuple[tuple[str, dict[str, Any], str], ...]) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "query", "required": False, "schema": schema, "description": text}
        for group in groups
        for name, schema, text in group
    ]


def json_answer(schema: dict[str, Any], text: str = "OK") -> dict[str, Any]:
    return {"description": text, "content": {"application/json": {"schema": schema}}}


def _body(refs: Refs, name: str) -> dict[str, Any]:
    content: dict[str, Any] = {"application/json": {"schema": ref(name)}}
    if refs.multipart:
        content["multipart/form-data"] = {"schema": ref(f"{name}.multipart")}
    return {"required": True, "content": content}


def _op(refs: Refs, action: str, summary: str, **rest: Any) -> Operation:
    op: Operation = {"summary": summary, "tags": list(refs.tags)}
    if refs.op_prefix:
        op["operationId"] = f"{refs.op_prefix}.{action}"
    op.update(rest)
    op.setdefault("responses", {})["default"] = ERROR
    return op


def list_envelope(item: dict[str, Any]) -> dict[str, Any]:
    """PocketBase's page of records."""
    return {
        "type": "object",
        "properties": {
            "page": {"type": "integer"},
            "perPage": {"type": "integer"},
            "totalItems": {"type": "integer", "description": "-1 with skipTotal."},
            "totalPages": {"type": "integer", "description": "-1 with skipTotal."},
            "items": {"type": "array", "items": item},
        },
        "required": ["page", "perPage", "totalItems", "totalPages", "items"],
    }


def record_operations(refs: Refs, writable: bool, searchable: bool = True) -> dict[str, dict[str, Operation]]:
    """`{"/records": {method: op}, "/records/{id}": {...}}`, relative to the collection's path;
    a view collection (`writable` False) is read only; `searchable`: the list takes `search`."""
    record = ref(refs.record)
    common = query_parameters(_COMMON_PARAMETERS)
    listing: dict[str, Operation] = {
        "get": _op(
            refs,
            "list",
            "List records (the listRule applies)",
            parameters=query_parameters(
                _SEARCH_PARAMETERS if searchable else _SORT_PARAMETERS, _LIST_PARAMETERS, _COMMON_PARAMETERS
            ),
            responses={"200": json_answer(ref(refs.page), "A page of records")},
        )
    }
    one: dict[str, Operation] = {
        "get": _op(
            refs,
            "view",
            "View a record (the viewRule applies)",
            parameters=common,
            responses={"200": json_answer(record)},
        )
    }
    if writable:
        listing["post"] = _op(
            refs,
            "create",
            "Create a record (the createRule applies)",
            parameters=common,
            requestBody=_body(refs, refs.create),
            responses={"200": json_answer(record)},
        )
        one["patch"] = _op(
            refs,
            "update",
            "Update a record (the updateRule applies)",
            parameters=common,
            requestBody=_body(refs, refs.update),
            responses={"200": json_answer(record)},
        )
        one["delete"] = _op(
            refs, "delete", "Delete a record (the deleteRule applies)", responses={"204": NO_CONTENT}
        )
    return {"/records": listing, "/records/{id}": one}


def _object(**properties: dict[str, Any]) -> dict[str, Any]:
    """An object whose every property is required but those whose schema says `"optional"`."""
    required = [name for name, schema in properties.items() if not schema.pop("optional", False)]
    return {"type": "object", "properties": properties, "required": required}


def _string(text: str = "", optional: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if text:
        schema["description"] = text
    if optional:
        schema["optional"] = True
    return schema


def auth_answer(refs: Refs) -> dict[str, Any]:
    return _object(token=_string("Send it as the Authorization header."), record=ref(refs.record))


def auth_operations(refs: Refs) -> dict[str, dict[str, Operation]]:
    """An auth collection's sign-in and account routes, relative to its path, with their bodies."""
    signed_in = json_answer(
        ref(refs.signed_in), "Signed in. A first factor of a collection with MFA answers 401 {mfaId}."
    )

    def post(action: str, summary: str, body: dict[str, Any] | None, answer: dict[str, Any]) -> Operation:
        rest: dict[str, Any] = {"responses": {"200" if "content" in answer else "204": answer}}
        if answer is signed_in and action != "authRefresh":
            rest["responses"]["401"] = MFA_PENDING  # a first factor of a collection with MFA
        if body is not None:
            rest["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        return {"post": _op(refs, action, summary, **rest)}

    email = _object(email=_string())
    return {
        "/auth-methods": {
            "get": _op(
                refs,
                "authMethods",
                "The sign-in methods this collection offers",
                responses={"200": json_answer(ref("AuthMethods"))},
            ),
        },
        "/auth-with-password": post(
            "authWithPassword",
            "Sign in with an identity (email or another unique field) and password",
            _object(
                identity=_string("The email, or the value of another identity field."),
                password=_string(),
                identityField=_string("The field `identity` is matched against.", optional=True),
            ),
            signed_in,
        ),
        "/auth-refresh": post("authRefresh", "A new token for the signed-in record", None, signed_in),
        "/request-otp": post(
            "requestOTP", "Mail a one-time password", email, json_answer(_object(otpId=_string()))
        ),
        "/auth-with-otp": post(
            "authWithOTP",
            "Sign in with a one-time password",
            _object(otpId=_string(), password=_string()),
            signed_in,
        ),
        "/request-verification": post("requestVerification", "Mail a verification link", email, NO_CONTENT),
        "/confirm-verification": post(
            "confirmVerification", "Confirm an email address", _object(token=_string()), NO_CONTENT
        ),
        "/request-password-reset": post(
            "requestPasswordReset", "Mail a password reset link", email, NO_CONTENT
        ),
        "/confirm-password-reset": post(
            "confirmPasswordReset",
            "Set a new password with a reset token",
            _object(token=_string(), password=_string(), passwordConfirm=_string()),
            NO_CONTENT,
        ),
        "/request-email-change": post(
            "requestEmailChange",
            "Mail a link to confirm a new email address",
            _object(newEmail=_string()),
            NO_CONTENT,
        ),
        "/confirm-email-change": post(
            "confirmEmailChange",
            "Confirm the new email address",
            _object(token=_string(), password=_string()),
            NO_CONTENT,
        ),
        "/auth-with-oauth2": post(
            "authWithOAuth2",
            "Sign in with an OAuth2 provider's authorization code",
            _object(
                provider=_string(),
                code=_string(),
                codeVerifier=_string(),
                redirectURL=_string(),
                createData={"type": "object", "optional": True},
            ),
            signed_in,
        ),
    }
