"""The checks of auth collection options: PocketBase 0.40.6's exact answers (taken from the binary),
messages included (tests/compat/diff_cases_auth_options.py compares the codes with a live binary)."""

from __future__ import annotations

from typing import Any

from bastion.auth.oauth2.provider_client import PRESETS
from bastion.core.auth_options_checks import PROVIDER_NAMES, sentence
from tests.conftest import ApiClient

USERS = "/api/collections/users"
REQUIRED = {"code": "validation_required", "message": "Cannot be blank."}
LOAD_ERROR = {
    "data": {},
    "message": "Failed to load the submitted data due to invalid formatting.",
    "status": 400,
}
NOT_ENOUGH = {
    "code": "validation_mfa_not_enough_auths",
    "message": "MFA requires at least 2 auth methods to be enabled.",
}
BAD_RULE = {
    "code": "validation_invalid_rule",
    "message": "Invalid rule. Raw error: invalid formatted group - missing 3 closing bracket(s).",
}
SYSTEM_RULE = {
    "code": "validation_collection_system_rule_change",
    "message": "System collection API rule cannot be changed.",
}


def _min(n: int) -> dict[str, Any]:
    return {
        "code": "validation_min_greater_equal_than_required",
        "message": f"Must be no less than {n}.",
        "params": {"threshold": n},
    }


def _max(n: int) -> dict[str, Any]:
    return {
        "code": "validation_max_less_equal_than_required",
        "message": f"Must be no greater than {n}.",
        "params": {"threshold": n},
    }


def _failed(data: dict[str, Any], message: str = "Failed to update collection.") -> dict[str, Any]:
    return {"data": data, "message": message, "status": 400}


GOOGLE = {"name": "google", "clientId": "g", "clientSecret": "s"}
# (PATCH body for `users`, PocketBase's answer)
REFUSED: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"mfa": {"enabled": True}}, _failed({"mfa": {"enabled": NOT_ENOUGH}})),
    (
        {"mfa": {"enabled": True}, "passwordAuth": {"enabled": False}, "otp": {"enabled": True}},
        _failed({"mfa": {"enabled": NOT_ENOUGH}}),
    ),
    (
        {"mfa": {"enabled": True, "duration": -5}, "otp": {"enabled": True}},
        _failed({"mfa": {"duration": _min(10)}}),
    ),
    ({"mfa": {"enabled": True, "duration": 86401}}, _failed({"mfa": {"duration": _max(86400)}})),
    (
        {"mfa": {"enabled": True, "rule": "((( bad"}, "otp": {"enabled": True}},
        _failed({"mfa": {"rule": BAD_RULE}}),
    ),
    ({"mfa": {"enabled": True, "rule": "((( bad"}}, _failed({"mfa": {"enabled": NOT_ENOUGH}})),
    (
        {"otp": {"enabled": True, "length": 0, "duration": 5}},
        _failed({"otp": {"duration": _min(10), "length": REQUIRED}}),
    ),
    ({"otp": {"enabled": True, "length": 3}}, _failed({"otp": {"length": _min(4)}})),
    (
        {"otp": {"emailTemplate": {"subject": "", "body": ""}}},
        _failed({"otp": {"emailTemplate": {"subject": REQUIRED, "body": REQUIRED}}}),
    ),
    (
        {"authAlert": {"emailTemplate": {"body": ""}}},
        _failed({"authAlert": {"emailTemplate": {"body": REQUIRED}}}),
    ),
    (
        {"confirmEmailChangeTemplate": None},
        _failed({"confirmEmailChangeTemplate": {"subject": REQUIRED, "body": REQUIRED}}),
    ),
    ({"authToken": {"duration": -5}}, _failed({"authToken": {"duration": _min(10)}})),
    ({"fileToken": {"duration": 0}}, _failed({"fileToken": {"duration": REQUIRED}})),
    (
        {"emailChangeToken": {"duration": 94670857}},
        _failed({"emailChangeToken": {"duration": _max(94670856)}}),
    ),
    ({"authToken": None}, _failed({"authToken": {"duration": REQUIRED, "secret": REQUIRED}})),
    ({"fileToken": {"secret": ""}}, _failed({"fileToken": {"secret": REQUIRED}})),
    (
        {"authToken": {"secret": "short"}},
        _failed(
            {
                "authToken": {
                    "secret": {
                        "code": "validation_length_out_of_range",
                        "message": "The length must be between 30 and 255.",
                        "params": {"max": 255, "min": 30},
                    }
                }
            }
        ),
    ),
    ({"authToken": {"secret": 5}}, LOAD_ERROR),
    (
        {"manageRule": ""},
        _failed(
            {"manageRule": {"code": "validation_nil_or_not_empty_required", "message": "Cannot be blank."}}
        ),
    ),
    ({"manageRule": "((("}, _failed({"manageRule": BAD_RULE})),
    (
        {"oauth2": {"enabled": True, "providers": [{**GOOGLE, "name": "nosuch"}]}},
        _failed(
            {
                "oauth2": {
                    "providers": {
                        "0": {
                            "name": {
                                "code": "validation_missing_provider",
                                "message": "Invalid or missing provider with name nosuch.",
                                "params": {"name": "nosuch"},
                            }
                        }
                    }
                }
            }
        ),
    ),
    # identity fields are checked only once every other option is right, after MFA
    (
        {"passwordAuth": {"identityFields": ["nosuch"]}, "authToken": {"duration": 1}},
        _failed({"authToken": {"duration": _min(10)}}),
    ),
    (
        {"passwordAuth": {"identityFields": ["nosuch"]}, "mfa": {"enabled": True}},
        _failed({"mfa": {"enabled": NOT_ENOUGH}}),
    ),
    # ... but they join the collection's own errors
    (
        {"passwordAuth": {"identityFields": ["nosuch"]}, "listRule": "((("},
        _failed(
            {
                "listRule": BAD_RULE,
                "passwordAuth": {
                    "identityFields": {
                        "code": "validation_missing_field",
                        "message": "Invalid or missing field nosuch.",
                        "params": {"fieldName": "nosuch"},
                    }
                },
            }
        ),
    ),
    ({"authToken": {"duration": "100"}}, LOAD_ERROR),
    ({"authToken": {"duration": 100.5}}, LOAD_ERROR),
    ({"passwordAuth": {"identityFields": "email"}}, LOAD_ERROR),
    ({"mfa": {"rule": 5}}, LOAD_ERROR),
    ({"otp": []}, LOAD_ERROR),
    ({"verificationTemplate": {"subject": 5}}, LOAD_ERROR),
    ({"authRule": 5}, LOAD_ERROR),
]


async def test_refused_options_get_pocketbase_answers(api: ApiClient) -> None:
    before = (await api.su("GET", USERS)).json()
    for body, expected in REFUSED:
        r = await api.su("PATCH", USERS, json=body)
        assert (r.status_code, r.json()) == (400, expected), body
    after = (await api.su("GET", USERS)).json()
    assert after == before


async def test_create_and_import_check_the_same(api: ApiClient) -> None:
    bad = {"name": "members", "type": "auth", "otp": {"enabled": True, "duration": -5}}
    r = await api.su("POST", "/api/collections", json=bad)
    assert r.json() == _failed({"otp": {"duration": _min(10)}}, "Failed to create collection.")
    # the import reports the collection's errors as one message, with the library's raw texts
    bad = {**bad, "listRule": "(((", "mfa": {"enabled": True}}
    r = await api.su("PUT", "/api/collections/import", json={"collections": [bad]})
    message = (
        'Data validations failed for collection "members" (pbc_2620428958):\n{\n'
        '  "listRule": "Invalid rule. Raw error: invalid formatted group - missing 3 closing bracket(s)",\n'
        '  "otp": {\n    "duration": "must be no less than 10"\n  }\n}.'
    )
    failure = {"collections": {"code": "validation_collections_import_failure", "message": message}}
    assert r.json() == _failed(failure, "Failed to import collections.")
    r = await api.su("PUT", "/api/collections/import", json={"collections": [{**bad, "otp": []}]})
    assert r.json()["data"]["collections"]["code"] == "validation_collections_import_failure"
    assert api.app.registry.find_collection("members") is None
    # an index that cannot be built: PocketBase's save reports it alone, as it is
    r = await api.su(
        "PUT", "/api/collections/import", json={"collections": [{"name": "x", "indexes": ["CREATE INDEX"]}]}
    )
    index_error = {
        "code": "validation_invalid_index_expression",
        "message": "Invalid CREATE INDEX expression.",
    }
    assert r.json() == _failed({"indexes": {"0": index_error}}, "Failed to import collections.")


async def test_rules_of_system_collections_stay(api: ApiClient) -> None:
    su = "/api/collections/_superusers"
    for body, key in [({"authRule": 'id != ""'}, "authRule"), ({"manageRule": 'id != ""'}, "manageRule")]:
        r = await api.su("PATCH", su, json=body)
        assert r.json() == _failed({key: SYSTEM_RULE})
    mfa = {"mfa": {"enabled": True, "rule": 'id != ""'}, "otp": {"enabled": True}}
    r = await api.su("PATCH", su, json=mfa)
    assert r.json() == _failed({"mfa": {"rule": SYSTEM_RULE}})
    r = await api.su("PATCH", "/api/collections/_mfas", json={"listRule": ""})
    assert r.json() == _failed({"listRule": SYSTEM_RULE})
    r = await api.su("PATCH", su, json={"manageRule": None, "authRule": ""})  # unchanged: fine
    assert r.status_code == 200


async def test_options_bind_as_pocketbase_binds_them(api: ApiClient) -> None:
    """Objects merge at every depth, null resets to the zero value, disabled features are not
    checked, and mapped fields that name no field are emptied."""
    r = await api.su(
        "PATCH",
        USERS,
        json={
            "mfa": None,
            "otp": {"duration": -5, "length": 0, "emailTemplate": {"subject": "Code"}},
            "oauth2": {"mappedFields": {"name": "nosuch", "id": None}},
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["mfa"] == {"enabled": False, "duration": 0, "rule": ""}
    assert body["otp"]["emailTemplate"]["subject"] == "Code" and body["otp"]["emailTemplate"]["body"]
    assert (body["otp"]["duration"], body["otp"]["length"]) == (-5, 0)
    assert body["oauth2"]["mappedFields"] == {"id": "", "name": "", "username": "", "avatarURL": "avatar"}
    r = await api.su(
        "PATCH", USERS, json={"passwordAuth": None, "otp": {"enabled": True, "duration": 180, "length": 8}}
    )
    assert r.json()["passwordAuth"] == {"enabled": False, "identityFields": []}


def test_provider_names_are_pocketbases() -> None:
    assert set(PRESETS) <= PROVIDER_NAMES
    assert sentence("must be no less than 10") == "Must be no less than 10."
    assert sentence("Done!") == "Done!"


async def test_rule_errors_read_as_pocketbases(api: ApiClient) -> None:
    """The raw error of an invalid rule, in PocketBase's words and quotes (any rule, `mfa.rule` too)."""
    raw = {
        "nosuch = 1": 'invalid left operand "nosuch" - unknown field "nosuch".',
        "1 = nosuch": 'invalid right operand "nosuch" - unknown field "nosuch".',
        "name:bogus = 1": 'invalid left operand "name:bogus" - unknown modifier in "name:bogus".',
        "unknownfn(name) = 1": 'invalid left operand "unknownfn" - unknown function "unknownfn".',
        "name = 1 name": 'expected && or ||, got "name" (identifier).',
        "fn(": "invalid or incomplete function \"fn\" (expected ')').",
        "name ?? 1": 'invalid sign operator "??".',
        "name $ 1": "unexpected character '$'.",
    }
    for rule, message in raw.items():
        r = await api.su("PATCH", USERS, json={"listRule": rule})
        expected = {"code": "validation_invalid_rule", "message": f"Invalid rule. Raw error: {message}"}
        assert r.json()["data"] == {"listRule": expected}, rule
    r = await api.su(
        "PATCH", USERS, json={"mfa": {"enabled": True, "rule": "nosuch = 1"}, "otp": {"enabled": True}}
    )
    assert r.json()["data"]["mfa"]["rule"]["message"] == f"Invalid rule. Raw error: {raw['nosuch = 1']}"


async def test_a_new_token_secret_signs_everyone_out(api: ApiClient) -> None:
    """As PocketBase's "invalidate tokens": the secret is set, and never shown."""
    _, token = await api.create_user("out@example.com")
    assert (await api.request("POST", f"{USERS}/auth-refresh", token=token)).status_code == 200
    r = await api.su("PATCH", USERS, json={"authToken": {"secret": "s" * 40}})
    assert r.status_code == 200 and r.json()["authToken"] == {"duration": 432000}
    assert "s" * 40 not in r.text
    assert (await api.request("POST", f"{USERS}/auth-refresh", token=token)).status_code == 401
