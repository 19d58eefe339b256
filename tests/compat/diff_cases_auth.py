"""Differential cases about authentication answers: blank passwords in a PATCH, `fields` on auth
answers, OAuth2 client secrets, a manager seeing emails, base collections' password fields.

They run last: some change the default `users` collection's rules (a manage rule) and create
collections of their own (`diffauth`, `vault`), which no earlier case reads.
"""

from __future__ import annotations

from .diff_compare import Case
from .diff_schema import ALICE, PASSWORD

USERS = "/api/collections/users"
UMA, VIC = "usrdefault00001", "usrdefault00002"
VAULT = "/api/collections/vault/records"


def _password_cases() -> list[Case]:
    bodies = {
        "blank": {"password": ""},
        "null": {"password": None},
        "blank_pair": {"password": "", "passwordConfirm": ""},
        "blank_all": {"password": "", "passwordConfirm": "", "oldPassword": ""},
        "blank_with_name": {"name": "Uma", "password": ""},
        "blank_with_old": {"password": "", "oldPassword": PASSWORD},
        "blank_mismatch": {"password": "", "passwordConfirm": "x"},
        "confirm_only": {"passwordConfirm": ""},
        "old_only": {"oldPassword": ""},
        "new_without_old": {"password": "newpass1234", "passwordConfirm": "newpass1234"},
        "short_with_old": {"password": "short", "passwordConfirm": "short", "oldPassword": PASSWORD},
    }
    cases = [
        Case(f"auth_pw_self_{name}", f"{USERS}/records/{UMA}", method="PATCH", auth="uma", body=body)
        for name, body in bodies.items()
    ]
    cases += [
        Case(f"auth_pw_super_{name}", f"{USERS}/records/{VIC}", method="PATCH", body=body)
        for name, body in bodies.items()
        if "oldPassword" not in body
    ]
    # the password still works: nothing blank was stored
    cases.append(
        Case(
            "auth_pw_still_signs_in",
            f"{USERS}/auth-with-password",
            {"fields": "record.id,record.email"},
            method="POST",
            auth=None,
            body={"identity": "uma@example.com", "password": PASSWORD},
        )
    )
    return cases


def _fields_cases() -> list[Case]:
    login = {"identity": "uma@example.com", "password": PASSWORD}
    return [
        Case(
            "auth_fields_password_login",
            f"{USERS}/auth-with-password",
            {"fields": "token,record.email,record.name"},
            method="POST",
            auth=None,
            body=login,
        ),
        Case(
            "auth_fields_excerpt",
            f"{USERS}/auth-with-password",
            {"fields": "record.email:excerpt(3)"},
            method="POST",
            auth=None,
            body=login,
        ),
        Case(
            "auth_fields_refresh", f"{USERS}/auth-refresh", {"fields": "record.id"}, method="POST", auth="uma"
        ),
        Case(
            "auth_fields_impersonate",
            f"{USERS}/impersonate/{VIC}",
            {"fields": "record.id,record.email"},
            method="POST",
        ),
        Case("auth_fields_methods", f"{USERS}/auth-methods", {"fields": "password,mfa.enabled"}, auth=None),
        Case(
            "auth_fields_error_not_picked",
            f"{USERS}/auth-with-password",
            {"fields": "record.email"},
            method="POST",
            auth=None,
            body={"identity": "uma@example.com", "password": "wrong-password"},
        ),
    ]


def _oauth2_cases() -> list[Case]:
    google = {"name": "google", "clientId": "g-id", "clientSecret": "g-secret"}
    github = {"name": "github", "clientId": "h-id", "clientSecret": "h-secret"}
    diffauth = "/api/collections/diffauth"
    return [
        Case(
            "auth_oauth2_create",
            "/api/collections",
            method="POST",
            body={
                "id": "pbc_diffauth001",
                "name": "diffauth",
                "type": "auth",
                "oauth2": {"enabled": True, "providers": [google]},
            },
        ),
        Case("auth_oauth2_view", diffauth),
        Case("auth_oauth2_list", "/api/collections", {"filter": "name = 'diffauth'"}),
        # sent back without secrets (as a client got it), reordered, with a new one: kept
        Case(
            "auth_oauth2_patch_without_secret",
            diffauth,
            method="PATCH",
            body={"oauth2": {"providers": [github, {"name": "google", "clientId": "g-id2"}]}},
        ),
        Case(
            "auth_oauth2_patch_blank_secret",
            diffauth,
            method="PATCH",
            body={"oauth2": {"providers": [{"name": "google", "clientId": "g", "clientSecret": ""}]}},
        ),
        Case(
            "auth_oauth2_patch_new_without_secret",
            diffauth,
            method="PATCH",
            body={"oauth2": {"providers": [{"name": "gitlab", "clientId": "l"}]}},
        ),
        Case(
            "auth_oauth2_patch_duplicate",
            diffauth,
            method="PATCH",
            body={"oauth2": {"providers": [google, {**google, "clientId": "other"}]}},
        ),
        Case(
            "auth_oauth2_patch_bad_url",
            diffauth,
            method="PATCH",
            body={"oauth2": {"providers": [{**google, "authURL": "notaurl"}]}},
        ),
        Case(
            "auth_oauth2_disabled_accepts_incomplete",
            diffauth,
            method="PATCH",
            body={
                "oauth2": {"enabled": False, "providers": [{"name": "gitlab", "clientId": "", "extra": None}]}
            },
        ),
        Case(
            "auth_oauth2_wrong_type",
            diffauth,
            method="PATCH",
            body={"oauth2": {"providers": [{"name": "google", "clientId": 1}]}},
        ),
    ]


def _manager_cases() -> list[Case]:
    """alice (role admin in `people`) manages `users` once its manageRule says so."""
    manage = '@request.auth.role = "admin"'
    return [
        Case(
            "auth_manager_set_rule",
            USERS,
            method="PATCH",
            body={"listRule": "", "viewRule": "", "manageRule": manage},
        ),
        Case("auth_manager_view", f"{USERS}/records/{VIC}", {"fields": "id,email"}, auth="alice"),
        Case("auth_manager_list", f"{USERS}/records", {"sort": "id", "fields": "id,email"}, auth="alice"),
        Case("auth_not_manager_view", f"{USERS}/records/{VIC}", {"fields": "id,email"}, auth="bob"),
        Case("auth_anon_view", f"{USERS}/records/{VIC}", {"fields": "id,email"}, auth=None),
    ]


def _password_field_cases() -> list[Case]:
    vault = {
        "id": "pbc_vault000001",
        "name": "vault",
        "type": "base",
        "listRule": "",
        "viewRule": "",
        "createRule": "",
        "updateRule": "",
        "fields": [
            {"name": "title", "type": "text"},
            {"name": "pin", "type": "password"},
            {"name": "secretpin", "type": "password", "hidden": True},
        ],
    }
    body = {"title": "t", "pin": "12345678", "secretpin": "abcdefgh"}
    return [
        Case("auth_vault_create_collection", "/api/collections", method="POST", body=vault),
        Case(
            "auth_vault_guest_create", VAULT, method="POST", auth=None, body={"id": "vaultrecord0001", **body}
        ),
        Case("auth_vault_super_create", VAULT, method="POST", body={"id": "vaultrecord0002", **body}),
        Case("auth_vault_guest_view", f"{VAULT}/vaultrecord0002", auth=None),
        Case("auth_vault_super_view", f"{VAULT}/vaultrecord0002"),
        Case("auth_vault_guest_list", VAULT, {"sort": "id", "fields": "id,pin,secretpin"}, auth=None),
        Case("auth_vault_super_list", VAULT, {"sort": "id", "fields": "id,pin,secretpin"}),
        Case(
            "auth_vault_guest_blank", f"{VAULT}/vaultrecord0002", method="PATCH", auth=None, body={"pin": ""}
        ),
        Case(
            "auth_vault_short_plain",
            VAULT,
            method="POST",
            auth=None,
            body={"id": "vaultrecord0003", "pin": ""},
        ),
        Case("auth_vault_alice_expand_none", f"{VAULT}/vaultrecord0001", auth="alice"),
        Case("auth_people_self_no_password", f"/api/collections/people/records/{ALICE}", auth="alice"),
        Case("auth_people_super_no_password", f"/api/collections/people/records/{ALICE}"),
    ]


def auth_cases() -> list[Case]:
    return _password_cases() + _fields_cases() + _oauth2_cases() + _manager_cases() + _password_field_cases()
