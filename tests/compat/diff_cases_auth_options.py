"""Differential cases for the checks of auth collection options (durations, OTP length, mail
templates, manageRule, OAuth2 providers, MFA with two methods and its rule, identity fields, the
rules of system collections) and for how options bind (null resets, wrong types refused).

Every case but the first two is refused or leaves the collection as it was, so they can run in
any order after them."""

from __future__ import annotations

from typing import Any

from .diff_compare import Case

OPTS = "/api/collections/dc_opts"
GOOGLE = {"name": "google", "clientId": "g-id", "clientSecret": "g-secret"}

# (case id suffix, PATCH body) sent to the `dc_opts` auth collection
_PATCHES: list[tuple[str, dict[str, Any]]] = [
    ("mfa_one_method", {"mfa": {"enabled": True}}),
    ("mfa_no_method", {"mfa": {"enabled": True}, "passwordAuth": {"enabled": False}}),
    (
        "mfa_otp_only",
        {"mfa": {"enabled": True}, "passwordAuth": {"enabled": False}, "otp": {"enabled": True}},
    ),
    ("mfa_duration_negative", {"mfa": {"enabled": True, "duration": -5}, "otp": {"enabled": True}}),
    ("mfa_duration_zero", {"mfa": {"enabled": True, "duration": 0}, "otp": {"enabled": True}}),
    ("mfa_duration_over_a_day", {"mfa": {"enabled": True, "duration": 86401}, "otp": {"enabled": True}}),
    ("mfa_bad_rule", {"mfa": {"enabled": True, "rule": "((( bad"}, "otp": {"enabled": True}}),
    ("mfa_bad_rule_one_method", {"mfa": {"enabled": True, "rule": "((( bad"}}),
    ("mfa_duration_and_one_method", {"mfa": {"enabled": True, "duration": -5}}),
    ("otp_duration_negative", {"otp": {"enabled": True, "duration": -5}}),
    ("otp_duration_over_a_day", {"otp": {"enabled": True, "duration": 86401}}),
    ("otp_length_zero", {"otp": {"enabled": True, "length": 0}}),
    ("otp_length_three", {"otp": {"enabled": True, "length": 3}}),
    ("otp_length_and_duration", {"otp": {"enabled": True, "length": 0, "duration": 5}}),
    ("otp_template_blank_while_off", {"otp": {"emailTemplate": {"subject": "", "body": ""}}}),
    ("alert_template_subject", {"authAlert": {"enabled": False, "emailTemplate": {"subject": ""}}}),
    ("verification_template_blank", {"verificationTemplate": {"subject": "", "body": ""}}),
    ("reset_template_body", {"resetPasswordTemplate": {"body": ""}}),
    ("email_change_template_null", {"confirmEmailChangeTemplate": None}),
    ("auth_token_negative", {"authToken": {"duration": -5}}),
    ("auth_token_zero", {"authToken": {"duration": 0}}),
    ("file_token_over_max", {"fileToken": {"duration": 94670857}}),
    ("verification_token_nine", {"verificationToken": {"duration": 9}}),
    ("token_null", {"passwordResetToken": None}),
    ("token_secret_short", {"authToken": {"secret": "short"}}),
    ("token_secret_blank", {"fileToken": {"secret": ""}}),
    ("token_secret_number", {"authToken": {"secret": 5}}),
    ("otp_null", {"otp": None}),
    ("manage_rule_blank", {"manageRule": ""}),
    ("manage_rule_invalid", {"manageRule": "((("}),
    ("provider_unknown", {"oauth2": {"enabled": True, "providers": [{**GOOGLE, "name": "nosuch"}]}}),
    (
        "provider_instagram_old_name",
        {"oauth2": {"enabled": True, "providers": [{**GOOGLE, "name": "instagram"}]}},
    ),
    ("provider_without_client_id", {"oauth2": {"enabled": True, "providers": [{**GOOGLE, "clientId": ""}]}}),
    (
        "identity_unknown_and_token",
        {"passwordAuth": {"identityFields": ["nosuch"]}, "authToken": {"duration": 1}},
    ),
    ("identity_unknown_and_mfa", {"passwordAuth": {"identityFields": ["nosuch"]}, "mfa": {"enabled": True}}),
    ("identity_unknown_and_list_rule", {"passwordAuth": {"identityFields": ["nosuch"]}, "listRule": "((("}),
    ("mfa_and_list_rule", {"mfa": {"enabled": True}, "listRule": "((("}),
    (
        "everything_at_once",
        {
            "mfa": {"enabled": True, "duration": 5, "rule": "((("},
            "otp": {"enabled": True, "length": 2},
            "fileToken": {"duration": 5},
            "verificationTemplate": {"subject": ""},
        },
    ),
    # wrong JSON types: PocketBase fails to bind them
    ("type_duration_string", {"authToken": {"duration": "100"}}),
    ("type_duration_float", {"authToken": {"duration": 100.5}}),
    ("type_identity_fields_string", {"passwordAuth": {"identityFields": "email"}}),
    ("type_identity_fields_number", {"passwordAuth": {"identityFields": [1]}}),
    ("type_mfa_rule_number", {"mfa": {"rule": 5}}),
    ("type_enabled_string", {"otp": {"enabled": "yes"}}),
    ("type_option_list", {"otp": []}),
    ("type_template_string", {"verificationTemplate": "x"}),
    ("type_mapped_field_number", {"oauth2": {"mappedFields": {"name": 5}}}),
    ("type_auth_rule_number", {"authRule": 5}),
]

# accepted: the answer shows how the options were bound
_ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("mfa_with_otp", {"mfa": {"enabled": True, "rule": "email != ''"}, "otp": {"enabled": True}}),
    ("mfa_with_oauth2", {"mfa": {"enabled": True}, "otp": {"enabled": False}, "oauth2": {"enabled": True}}),
    ("mfa_null", {"mfa": None, "oauth2": {"enabled": False}}),
    ("token_secret_new", {"emailChangeToken": {"secret": "e" * 40}}),
    ("bad_values_while_off", {"otp": {"duration": -5, "length": 0}, "mfa": {"duration": -5, "rule": "((("}}),
    ("otp_template_subject_only", {"otp": {"emailTemplate": {"subject": "Code"}}}),
    ("mapped_fields_unknown", {"oauth2": {"mappedFields": {"name": "nosuch", "avatarURL": "nick"}}}),
    ("mapped_fields_null", {"oauth2": {"mappedFields": None}}),
    ("password_auth_null", {"passwordAuth": None, "otp": {"enabled": True}}),
    ("restore", {"passwordAuth": {"enabled": True, "identityFields": ["email"]}, "otp": {"enabled": False}}),
]

# (case id suffix, options) of an auth collection imported with them: all refused
_IMPORTED: list[tuple[str, dict[str, Any]]] = [
    ("mfa_one_method", {"mfa": {"enabled": True}}),
    ("otp_length_and_duration", {"otp": {"enabled": True, "length": 0, "duration": 5}}),
    ("template_and_rule", {"verificationTemplate": {"subject": ""}, "listRule": "((("}),
    ("wrong_type", {"authToken": {"duration": "100"}}),
]


def auth_option_cases() -> list[Case]:
    created = {"name": "dc_opts", "type": "auth", "fields": [{"name": "nick", "type": "text"}]}
    bad_create = {"name": "dc_opts_bad", "type": "auth", "mfa": {"enabled": True}, "otp": {"length": 0}}
    superusers = "/api/collections/_superusers"
    return [
        Case("authopt_create", "/api/collections", method="POST", body=created),
        Case("authopt_create_invalid", "/api/collections", method="POST", body=bad_create),
        Case(
            "authopt_create_token_null",
            "/api/collections",
            method="POST",
            body={"name": "dc_opts_bad", "type": "auth", "authToken": None},
        ),
        *[Case(f"authopt_{tag}", OPTS, method="PATCH", body=body) for tag, body in _PATCHES],
        *[Case(f"authopt_ok_{tag}", OPTS, method="PATCH", body=body) for tag, body in _ACCEPTED],
        *[
            Case(
                f"authopt_import_{tag}",
                "/api/collections/import",
                method="PUT",
                body={"collections": [{"name": "dc_opts_imp", "type": "auth", **options}]},
            )
            for tag, options in _IMPORTED
        ],
        Case(
            "authopt_import_bad_index",
            "/api/collections/import",
            method="PUT",
            body={"collections": [{"name": "dc_opts_imp", "indexes": ["CREATE INDEX bad"]}]},
        ),
        Case("authopt_system_auth_rule", superusers, method="PATCH", body={"authRule": 'id != ""'}),
        Case("authopt_system_manage_rule", superusers, method="PATCH", body={"manageRule": 'id != ""'}),
        Case(
            "authopt_system_mfa_rule",
            superusers,
            method="PATCH",
            body={"mfa": {"enabled": True, "rule": 'id != ""'}, "otp": {"enabled": True}},
        ),
        Case("authopt_system_list_rule", "/api/collections/_mfas", method="PATCH", body={"listRule": ""}),
        Case("authopt_delete", OPTS, method="DELETE"),
    ]
