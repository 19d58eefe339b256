"""Differential cases for the HTTP edge (issue #12): unmatched routes, repeated query parameters,
batch sub-request urls and items, a new collection's id, and a body nested past PocketBase's own
limit. They run after the write cases, which enable the batch API (maxRequests 5)."""

from __future__ import annotations

from typing import Any

from .diff_compare import Case

SCRATCH = "/api/collections/scratch/records"
POSTS = "/api/collections/posts/records"
BATCH = "/api/batch"


def _batch(*items: Any) -> dict[str, Any]:
    return {"requests": list(items)}


def http_cases() -> list[Case]:
    # `params` as a list of pairs: httpx sends a repeated name as it is (Case declares a dict)
    repeated: Any = [
        ("fields", "id"),
        ("fields", "title"),
        ("sort", "id"),
        ("perPage", "2"),
        ("perPage", "5"),
    ]
    filters: Any = [
        ("filter", "id = 'post00000000001'"),
        ("filter", "id = 'post00000000002'"),
        ("fields", "id"),
    ]
    view: Any = [("fields", "title"), ("fields", "id")]
    post = {"method": "POST", "url": SCRATCH, "body": {"title": "never"}}
    return [
        Case("http_wrong_method_known_route", "/api/health", method="DELETE"),
        # (a state no process holds first waits for the other processes' answer: covered in
        # tests/api/oauth2, not here, where it would cost seconds per target)
        Case(
            "oauth2_redirect_no_state_post",
            "/api/oauth2-redirect",
            method="POST",
            auth=None,
            form=(("code", "x"),),
        ),
        Case("oauth2_redirect_no_state", "/api/oauth2-redirect", auth=None),
        Case("http_fields_on_health", "/api/health", params={"fields": "code,message"}),
        Case("http_fields_on_health_superuser", "/api/health", params={"fields": "data.canBackup"}),
        Case(
            "http_fields_on_scaffolds",
            "/api/collections/meta/scaffolds",
            params={"fields": "base.type,view.viewQuery"},
        ),
        Case("http_wrong_method_records", POSTS, method="PUT", body={}),
        Case("http_unknown_route_get", "/api/nosuchroute"),
        Case("http_unknown_route_post", "/api/nosuchroute", method="POST", body={}),
        Case("http_trailing_slash_no_redirect", "/api/health/"),
        Case("http_escaped_slash_is_no_separator", "/api%2Fhealth"),
        Case("http_escaped_slash_in_collection", "/api/collections/posts%2Fx/records"),
        Case("http_escaped_slash_in_record_id", f"{POSTS}/post00000000001%2Fx"),
        Case("http_repeated_params_first_value", POSTS, repeated),
        Case("http_repeated_filter_first_value", POSTS, filters),
        Case("http_repeated_fields_on_view", f"{POSTS}/post00000000001", view),
        Case(
            "http_batch_absolute_url",
            BATCH,
            method="POST",
            body=_batch({**post, "url": f"http://127.0.0.1:1{SCRATCH}"}),
        ),
        Case("http_batch_unparsable_url", BATCH, method="POST", body=_batch({**post, "url": "http://[::1"})),
        Case("http_batch_trailing_slash", BATCH, method="POST", body=_batch({**post, "url": f"{SCRATCH}/"})),
        Case("http_batch_bad_query", BATCH, method="POST", body=_batch({**post, "url": f"{SCRATCH}?a=%zz"})),
        Case("http_batch_method_for_no_id", BATCH, method="POST", body=_batch({**post, "method": "PATCH"})),
        Case(
            "http_batch_invalid_items",
            BATCH,
            method="POST",
            body=_batch(post, {"method": "post", "url": ""}, {"url": SCRATCH + "?a=" + "b" * 2000}),
        ),
        Case("http_batch_malformed_item", BATCH, method="POST", body=_batch(5)),
        Case(
            "http_batch_malformed_headers", BATCH, method="POST", body=_batch({**post, "headers": {"a": 1}})
        ),
        Case("http_after_refused_batches", SCRATCH, {"filter": "title = 'never'"}),
        Case(
            "http_batch_first_query_value",
            BATCH,
            method="POST",
            body=_batch(
                {
                    "method": "POST",
                    "url": f"{SCRATCH}?fields=id&fields=title",
                    "body": {"id": "scr000000000090", "title": "q"},
                }
            ),
        ),
        Case(
            "http_collection_id_taken",
            "/api/collections",
            method="POST",
            body={"id": "pbc_scratch001", "name": "scratch2"},
        ),
        Case(
            "http_collection_id_bad_format",
            "/api/collections",
            method="POST",
            body={"id": "a b", "name": "scratch2"},
        ),
        Case(
            "http_collection_id_too_long",
            "/api/collections",
            method="POST",
            body={"id": "a" * 101, "name": "scratch2"},
        ),
        Case(
            "http_collection_id_not_a_string",
            "/api/collections",
            method="POST",
            body={"id": 5, "name": "scratch2"},
        ),
        Case(
            "http_json_body_past_pocketbase_depth",
            SCRATCH,
            method="POST",
            raw='{"title": "deep", "x": ' + "[" * 10001 + "]" * 10001 + "}",
        ),
    ]
