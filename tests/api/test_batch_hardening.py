"""/api/batch refuses what PocketBase refuses (issue #12): a sub-request url that is not exactly a
record path (absolute, unparsable, with a trailing slash or a bad query) fails the batch with 400
and writes nothing; malformed and invalid items are answered before anything runs. Expected bodies
are PocketBase 0.40.6's, taken from the binary."""

from __future__ import annotations

import pytest

RECORDS = "/api/collections/notes/records"


def sub_failed(
    index: int, status: int = 400, message: str = "Something went wrong while processing your request."
) -> dict:
    return {
        "data": {
            "requests": {
                str(index): {
                    "code": "batch_request_failed",
                    "message": "Batch request failed.",
                    "response": {"data": {}, "message": message, "status": status},
                }
            }
        },
        "message": "Batch transaction failed.",
        "status": 400,
    }


def invalid(errors: dict) -> dict:
    return {"data": {"requests": errors}, "message": "Invalid batch request data.", "status": 400}


READ_FAILED = {"data": {}, "message": "Failed to read the submitted batch data.", "status": 400}


@pytest.fixture
async def notes(api):
    await api.create_collection(
        {
            "name": "notes",
            "listRule": "",
            "viewRule": "",
            "createRule": "",
            "fields": [{"name": "title", "type": "text"}, {"name": "via", "type": "text"}],
        }
    )
    r = await api.su("PATCH", "/api/settings", json={"batch": {"enabled": True, "maxRequests": 5}})
    assert r.status_code == 200, r.text
    return api


async def count(api) -> int:
    return (await api.request("GET", RECORDS)).json()["totalItems"]


@pytest.mark.parametrize(
    "url",
    [
        f"http://127.0.0.1:1{RECORDS}",
        f"https://example.com{RECORDS}",
        f"//evil{RECORDS}",
        "http://[::1",
        "%zz",
        RECORDS[1:],
        f"{RECORDS}/",
        f"{RECORDS}#frag",
        f"{RECORDS}?a=%zz",
        f"{RECORDS}?a=%2",
        f"{RECORDS}?a=1;b=2",
        f"{RECORDS}?fields=id\n",
        "/api/health",
    ],
)
async def test_a_sub_request_url_that_is_no_record_path_fails_the_batch(notes, url):
    api = notes
    body = {"requests": [{"method": "POST", "url": url, "body": {"title": "x"}}]}
    r = await api.request("POST", "/api/batch", json=body)
    assert (r.status_code, r.json()) == (400, sub_failed(0))
    later = {"requests": [{"method": "POST", "url": RECORDS, "body": {"title": "ok"}}, body["requests"][0]]}
    r = await api.request("POST", "/api/batch", json=later)
    assert (r.status_code, r.json()) == (400, sub_failed(1))
    assert await count(api) == 0  # nothing executed, the first item rolled back


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("PATCH", RECORDS),
        ("DELETE", RECORDS),
        ("PUT", f"{RECORDS}/abc"),
        ("POST", f"{RECORDS}/abc"),
        ("GET", RECORDS),
    ],
)
async def test_a_method_that_does_not_fit_the_url_fails(notes, method, url):
    r = await notes.request("POST", "/api/batch", json={"requests": [{"method": method, "url": url}]})
    assert (r.status_code, r.json()) == (400, sub_failed(0))


async def test_items_are_validated_before_anything_runs(notes):
    api = notes
    items = [
        {"method": "POST", "url": RECORDS, "body": {"title": "fine"}},
        {"method": "post", "url": ""},
        {"url": RECORDS + "?a=" + "b" * 2000},
    ]
    r = await api.request("POST", "/api/batch", json={"requests": items})
    assert (r.status_code, r.json()) == (
        400,
        invalid(
            {
                "1": {
                    "method": {"code": "validation_in_invalid", "message": "Must be a valid value."},
                    "url": {"code": "validation_required", "message": "Cannot be blank."},
                },
                "2": {
                    "method": {"code": "validation_required", "message": "Cannot be blank."},
                    "url": {
                        "code": "validation_length_too_long",
                        "message": "The length must be no more than 2000.",
                        "params": {"max": 2000, "min": 0},
                    },
                },
            }
        ),
    )
    too_many = await api.request("POST", "/api/batch", json={"requests": [{}] * 6})
    assert too_many.json() == invalid(
        {
            "code": "validation_length_too_long",
            "message": "The length must be no more than 5.",
            "params": {"max": 5, "min": 0},
        }
    )
    assert await count(api) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"requests": 5},
        {"requests": "x"},
        {"requests": [5]},
        {"requests": [{"method": "POST", "url": 5}]},
        {"requests": [{"method": 1, "url": RECORDS}]},
        {"requests": [{"method": "POST", "url": RECORDS, "body": []}]},
        {"requests": [{"method": "POST", "url": RECORDS, "headers": {"a": 1}}]},
    ],
)
async def test_a_malformed_batch_cannot_be_read(notes, body):
    r = await notes.request("POST", "/api/batch", json=body)
    assert (r.status_code, r.json()) == (400, READ_FAILED)


async def test_sub_requests_run_as_the_caller_in_the_batch_context(notes):
    api = notes
    await api.su(
        "PATCH",
        "/api/collections/notes",
        json={"createRule": '@request.context = "batch" && @request.auth.id = ""'},
    )
    _, user_token = await api.create_user("batcher@example.com")
    item = {
        "method": "POST",
        "url": f"{RECORDS}?fields=title&fields=id",
        "headers": {"Authorization": user_token},  # ignored, as PocketBase ignores it
        "body": {"title": "anon"},
    }
    r = await api.request("POST", "/api/batch", json={"requests": [item]})
    assert (r.status_code, r.json()) == (200, [{"status": 200, "body": {"title": "anon"}}])
    direct = await api.request("POST", RECORDS, json={"title": "direct"})
    assert direct.status_code == 400  # the rule wants the batch context
