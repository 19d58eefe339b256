"""Differential cases about access and writes: rules for each kind of caller, bad inputs, writes,
rules over the request, batch, and the collections API.

Write cases either fail (no state change) or write with fixed ids into collections that the read
cases do not look at (mostly `scratch`).
"""

from __future__ import annotations

from typing import Any

from .diff_cases_collections import auth_form_cases, collection_cases, view_cases
from .diff_compare import Case
from .diff_schema import ALICE, BOB, pid

POSTS = "/api/collections/posts/records"
PEOPLE = "/api/collections/people/records"
COMMENTS = "/api/collections/comments/records"
NOTES = "/api/collections/notes/records"
SCRATCH = "/api/collections/scratch/records"
USERS = "/api/collections/users/records"


# --- rules: superuser, regular user, anonymous ------------------------------------------------------


def _rule_cases() -> list[Case]:
    cases = []
    for who in ("super", "alice", "bob", None):
        tag = who or "anon"
        cases += [
            Case(f"rules_{tag}_list_posts", POSTS, {"sort": "id"}, auth=who),
            Case(f"rules_{tag}_list_posts_filter", POSTS, {"sort": "id", "filter": "views > 4"}, auth=who),
            Case(f"rules_{tag}_view_published", f"{POSTS}/{pid(3)}", auth=who),
            Case(f"rules_{tag}_view_unpublished_bob", f"{POSTS}/{pid(4)}", auth=who),
            Case(f"rules_{tag}_list_people", PEOPLE, {"sort": "id"}, auth=who),
            Case(f"rules_{tag}_view_alice", f"{PEOPLE}/{ALICE}", auth=who),
            Case(f"rules_{tag}_view_bob", f"{PEOPLE}/{BOB}", auth=who),
            Case(f"rules_{tag}_list_notes", NOTES, {"sort": "id"}, auth=who),
            Case(f"rules_{tag}_list_secrets", "/api/collections/secrets/records", auth=who),
            Case(f"rules_{tag}_view_secret", "/api/collections/secrets/records/sec000000000001", auth=who),
            Case(
                f"rules_{tag}_auth_filter",
                POSTS,
                {"sort": "id", "filter": "author = @request.auth.id"},
                auth=who,
            ),
            Case(
                f"rules_{tag}_auth_field_filter",
                POSTS,
                {"sort": "id", "filter": '@request.auth.role = "admin" && views > 0'},
                auth=who,
            ),
        ]
    cases += [
        Case("rules_alice_filter_hidden_field", PEOPLE, {"filter": 'password = "x"'}, auth="alice"),
        Case("rules_alice_filter_email", PEOPLE, {"sort": "id", "filter": 'email ~ "example"'}, auth="alice"),
        Case("rules_super_filter_email", PEOPLE, {"sort": "id", "filter": 'email ~ "example"'}),
        Case("rules_alice_filter_tokenkey", PEOPLE, {"filter": 'tokenKey != ""'}, auth="alice"),
        Case("rules_anon_missing_record", f"{POSTS}/nosuchrecord123", auth=None),
        Case("rules_super_missing_record", f"{POSTS}/nosuchrecord123"),
        Case("rules_alice_view_own_note", f"{NOTES}/note00000000001", auth="alice"),
        Case("rules_bob_view_alice_note", f"{NOTES}/note00000000001", auth="bob"),
        Case("rules_bad_token_list", POSTS, {"sort": "id"}, auth="garbage"),
        Case("rules_anon_comments_expand_post", COMMENTS, {"sort": "id", "expand": "post"}, auth=None),
        Case("rules_bob_comments_expand_post", COMMENTS, {"sort": "id", "expand": "post.author"}, auth="bob"),
        Case("users_super_list", USERS, {"sort": "id"}),
        Case("users_uma_list", USERS, {"sort": "id"}, auth="uma"),
        Case("users_anon_list", USERS, {"sort": "id"}, auth=None),
        Case("users_uma_view_vic", f"{USERS}/usrdefault00002", auth="uma"),
        Case("users_uma_view_self", f"{USERS}/usrdefault00001", auth="uma"),
        Case("users_alice_list", USERS, {"sort": "id"}, auth="alice"),
        Case("users_uma_list_posts", POSTS, {"sort": "id"}, auth="uma"),
        Case(
            "users_uma_update_self",
            f"{USERS}/usrdefault00001",
            method="PATCH",
            auth="uma",
            body={"name": "Uma!"},
        ),
        Case(
            "users_uma_update_vic",
            f"{USERS}/usrdefault00002",
            method="PATCH",
            auth="uma",
            body={"name": "hacked"},
        ),
        Case(
            "users_anon_signup_invalid",
            USERS,
            method="POST",
            auth=None,
            body={"email": "bad", "password": "short", "passwordConfirm": "other"},
        ),
        Case(
            "users_anon_signup_duplicate_email",
            USERS,
            method="POST",
            auth=None,
            body={"email": "uma@example.com", "password": "password123", "passwordConfirm": "password123"},
        ),
    ]
    return cases


# --- writes and bad inputs ---------------------------------------------------------------------------


def _with_fixed_ids(cases: list[Case]) -> list[Case]:
    """Give every create body an id: some "invalid" values are silently cast by PocketBase and the
    create succeeds, and a random id would make the two servers' answers differ."""
    out = []
    for n, case in enumerate(cases):
        if (
            case.method == "POST"
            and isinstance(case.body, dict)
            and "id" not in case.body
            and "/records" in case.path
        ):
            case = Case(**{**case.__dict__, "body": {"id": f"wr{n:013d}", **case.body}})
        out.append(case)
    return out


def _write_cases() -> list[Case]:
    note = {"owner": ALICE, "text": "ok"}
    return _with_fixed_ids(
        [
            Case("unknown_collection_list", "/api/collections/nosuch/records"),
            Case("unknown_collection_view", "/api/collections/nosuch/records/abc"),
            Case(
                "unknown_collection_create", "/api/collections/nosuch/records", method="POST", body={"a": 1}
            ),
            Case("create_malformed_json", NOTES, method="POST", auth="alice", raw='{"text": "x",'),
            Case("create_json_array_body", NOTES, method="POST", auth="alice", raw="[1,2]"),
            Case("create_required_missing", NOTES, method="POST", auth="alice", body={"owner": ALICE}),
            Case("create_too_long_text", NOTES, method="POST", auth="alice", body={**note, "text": "x" * 11}),
            Case("create_number_as_text", NOTES, method="POST", auth="alice", body={**note, "n": "abc"}),
            Case("create_number_too_big", NOTES, method="POST", auth="alice", body={**note, "n": 101}),
            Case("create_number_negative", NOTES, method="POST", auth="alice", body={**note, "n": -1}),
            Case("create_number_not_int", NOTES, method="POST", auth="alice", body={**note, "n": 1.5}),
            Case("create_bool_as_text", NOTES, method="POST", auth="alice", body={**note, "flag": "maybe"}),
            Case("create_select_invalid", NOTES, method="POST", auth="alice", body={**note, "kind": "z"}),
            Case("create_select_many", NOTES, method="POST", auth="alice", body={**note, "kind": ["a", "b"]}),
            Case(
                "create_date_invalid", NOTES, method="POST", auth="alice", body={**note, "when": "not a date"}
            ),
            Case("create_email_invalid", NOTES, method="POST", auth="alice", body={**note, "mail": "nope"}),
            Case("create_url_invalid", NOTES, method="POST", auth="alice", body={**note, "site": "nope"}),
            Case(
                "create_relation_missing",
                NOTES,
                method="POST",
                auth="alice",
                body={**note, "owner": "nosuchperson123"},
            ),
            Case(
                "create_several_errors",
                NOTES,
                method="POST",
                auth="alice",
                body={"owner": ALICE, "text": "", "n": 500, "kind": "q", "mail": "x"},
            ),
            Case(
                "create_rule_other_owner",
                NOTES,
                method="POST",
                auth="alice",
                body={"owner": BOB, "text": "hi"},
            ),
            Case("create_rule_anonymous", NOTES, method="POST", auth=None, body=note),
            Case(
                "create_null_rule_as_user",
                "/api/collections/secrets/records",
                method="POST",
                auth="alice",
                body={"value": "x"},
            ),
            Case("create_bad_id_format", SCRATCH, method="POST", body={"id": "UPPER", "title": "t"}),
            Case(
                "create_bad_id_pattern", SCRATCH, method="POST", body={"id": "UPPERCASE123456", "title": "t"}
            ),
            Case(
                "create_relation_missing_as_super",
                POSTS,
                method="POST",
                body={"title": "t", "tags": ["nosuchtag000001"]},
            ),
            Case(
                "create_relation_too_many", POSTS, method="POST", body={"title": "t", "author": [ALICE, BOB]}
            ),
            Case("create_bad_id_length", SCRATCH, method="POST", body={"id": "abc", "title": "t"}),
            Case(
                "create_duplicate_id",
                NOTES,
                method="POST",
                body={"id": "note00000000001", "owner": ALICE, "text": "x"},
            ),
            Case(
                "update_rule_others_post",
                f"{POSTS}/{pid(3)}",
                method="PATCH",
                auth="alice",
                body={"title": "mine"},
            ),
            Case("update_invalid", f"{POSTS}/{pid(1)}", method="PATCH", body={"title": ""}),
            Case("update_missing_record", f"{POSTS}/nosuchrecord123", method="PATCH", body={"title": "x"}),
            Case("delete_null_rule", f"{POSTS}/{pid(1)}", method="DELETE", auth="alice"),
            Case("delete_null_rule_anonymous", f"{POSTS}/{pid(1)}", method="DELETE", auth=None),
            Case("delete_missing", f"{NOTES}/nosuchrecord123", method="DELETE", auth="alice"),
            Case(
                "create_scratch_ok",
                SCRATCH,
                method="POST",
                auth=None,
                body={"id": "scr000000000001", "title": "hello", "n": 2, "list": ["b", "a"], "unknown": 1},
            ),
            Case(
                "create_scratch_modifiers",
                SCRATCH,
                method="POST",
                body={"id": "scr000000000002", "title": "mods", "n+": 5, "list+": "c"},
            ),
            Case(
                "create_scratch_bad_modifier",
                SCRATCH,
                method="POST",
                body={"id": "scr000000000003", "title": "mods", "list+": "zzz"},
            ),
            Case(
                "create_scratch_string_number",
                SCRATCH,
                method="POST",
                body={"id": "scr000000000004", "title": "num", "n": "12.5"},
            ),
            Case(
                "auth_wrong_password",
                "/api/collections/people/auth-with-password",
                method="POST",
                auth=None,
                body={"identity": "alice@example.com", "password": "wrong"},
            ),
            Case(
                "auth_ok",
                "/api/collections/people/auth-with-password",
                method="POST",
                auth=None,
                body={"identity": "bob@example.com", "password": "password123"},
            ),
            Case(
                "auth_on_base_collection",
                "/api/collections/posts/auth-with-password",
                method="POST",
                auth=None,
                body={"identity": "bob@example.com", "password": "password123"},
            ),
            Case("auth_refresh_user", "/api/collections/people/auth-refresh", method="POST", auth="alice"),
            Case("auth_refresh_anonymous", "/api/collections/people/auth-refresh", method="POST", auth=None),
            Case("auth_methods", "/api/collections/people/auth-methods", auth=None),
        ]
    )


def _request_rule_cases() -> list[Case]:
    guarded = "/api/collections/guarded/records"
    headered = "/api/collections/headered/records"
    probe = (("X-Probe", "yes"),)
    return [
        Case(
            "guarded_create_ok",
            guarded,
            method="POST",
            auth=None,
            body={"id": "grd000000000002", "title": "ABcd"},
        ),
        Case(
            "guarded_create_with_n",
            guarded,
            method="POST",
            auth=None,
            body={"id": "grd000000000003", "title": "abcd", "n": 1},
        ),
        Case(
            "guarded_create_title_mismatch",
            guarded,
            method="POST",
            auth=None,
            body={"id": "grd000000000004", "title": "xyz"},
        ),
        Case(
            "guarded_update_change_title",
            f"{guarded}/grd000000000001",
            method="PATCH",
            auth=None,
            body={"title": "changed"},
        ),
        Case(
            "guarded_update_same_title",
            f"{guarded}/grd000000000001",
            method="PATCH",
            auth=None,
            body={"title": "kept", "n": 5},
        ),
        Case(
            "guarded_update_without_title",
            f"{guarded}/grd000000000001",
            method="PATCH",
            auth=None,
            body={"n": 6},
        ),
        Case("headered_list_with_header", headered, {"sort": "id"}, auth=None, headers=probe),
        Case("headered_list_wrong_header", headered, {"sort": "id"}, auth=None, headers=(("X-Probe", "no"),)),
        Case("headered_list_without_header", headered, {"sort": "id"}, auth=None),
        Case("headered_view_with_header", f"{headered}/hdr000000000001", auth=None, headers=probe),
        Case("headered_view_without_header", f"{headered}/hdr000000000001", auth=None),
        Case(
            "multipart_create",
            SCRATCH,
            method="POST",
            auth=None,
            form=(("id", "scr000000000010"), ("title", "form"), ("n", "3"), ("list", "a"), ("list", "c")),
        ),
        Case(
            "multipart_create_invalid",
            SCRATCH,
            method="POST",
            auth=None,
            form=(("id", "scr000000000011"), ("title", ""), ("n", "x")),
        ),
        Case(
            "multipart_json_payload",
            SCRATCH,
            method="POST",
            auth=None,
            form=(("@jsonPayload", '{"id": "scr000000000012", "title": "payload", "list": ["b"]}'),),
        ),
    ]


def _batch_cases() -> list[Case]:
    batch = "/api/batch"

    def req(method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return {"method": method, "url": url, **({"body": body} if body is not None else {})}

    return [
        Case(
            "batch_disabled",
            batch,
            method="POST",
            body={"requests": [req("DELETE", f"{SCRATCH}/nosuch000000001")]},
        ),
        Case(
            "settings_enable_batch",
            "/api/settings",
            {"fields": "batch"},
            method="PATCH",
            body={"batch": {"enabled": True, "maxRequests": 5, "timeout": 3}},
        ),
        Case(
            "batch_ok",
            batch,
            method="POST",
            body={
                "requests": [
                    req("POST", SCRATCH, {"id": "scr000000000020", "title": "b1"}),
                    req("POST", f"{SCRATCH}?fields=id,title", {"id": "scr000000000021", "title": "b2"}),
                    req("PATCH", f"{SCRATCH}/scr000000000020", {"n": 7}),
                    req("PUT", SCRATCH, {"id": "scr000000000022", "title": "upserted"}),
                    req("DELETE", f"{SCRATCH}/scr000000000021"),
                ]
            },
        ),
        Case("batch_after_ok", SCRATCH, {"filter": 'id >= "scr000000000020"', "sort": "id"}),
        Case(
            "batch_validation_failure",
            batch,
            method="POST",
            body={
                "requests": [
                    req("POST", SCRATCH, {"id": "scr000000000023", "title": "fine"}),
                    req("POST", SCRATCH, {"id": "scr000000000024", "title": ""}),
                ]
            },
        ),
        Case("batch_after_failure_rolled_back", f"{SCRATCH}/scr000000000023"),
        Case(
            "batch_too_many",
            batch,
            method="POST",
            body={"requests": [req("POST", SCRATCH, {"title": f"t{i}"}) for i in range(6)]},
        ),
        Case("batch_empty", batch, method="POST", body={"requests": []}),
        Case(
            "batch_not_allowed_action", batch, method="POST", body={"requests": [req("GET", "/api/health")]}
        ),
        Case(
            "batch_rule_denied_anonymous",
            batch,
            method="POST",
            auth=None,
            body={"requests": [req("POST", "/api/collections/secrets/records", {"value": "x"})]},
        ),
        Case(
            "batch_unknown_collection",
            batch,
            method="POST",
            body={"requests": [req("POST", "/api/collections/nosuch/records", {"a": 1})]},
        ),
        Case("batch_malformed", batch, method="POST", raw='{"requests": [}'),
    ]


def write_cases() -> list[Case]:
    return (
        _rule_cases()
        + _write_cases()
        + _request_rule_cases()
        + _batch_cases()
        + collection_cases()
        + auth_form_cases()
        + view_cases()
    )
