from __future__ import annotations

import logging

from bastion.errors import NotFoundError, TooManyRequestsError, ValidationError, field_error
from bastion.http.errors import error_response, render_unexpected, wants_problem_json


def decode(response):
    import json

    return json.loads(response.body)


def test_pocketbase_shape_by_default():
    err = ValidationError({"title": field_error("validation_required", "Missing required value.")})
    resp = error_response(err, None)
    assert resp.status_code == 400
    assert resp.headers["content-type"] == "application/json"
    assert decode(resp) == {
        "status": 400,
        "message": "Failed to create record.",
        "data": {"title": {"code": "validation_required", "message": "Missing required value."}},
    }


def test_problem_json_when_preferred():
    err = ValidationError({"title": field_error("validation_required", "Missing required value.")})
    resp = error_response(err, "application/problem+json, application/json;q=0.5")
    assert resp.headers["content-type"] == "application/problem+json"
    assert decode(resp) == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "Failed to create record.",
        "errors": {"title": {"code": "validation_required", "message": "Missing required value."}},
    }


def test_negotiation_rules():
    assert not wants_problem_json(None)
    assert not wants_problem_json("*/*")
    assert not wants_problem_json("application/json")
    assert not wants_problem_json("application/json, application/problem+json;q=0.5")
    assert not wants_problem_json("application/problem+json;q=0")
    assert wants_problem_json("application/problem+json")
    assert wants_problem_json("application/problem+json, */*;q=0.1")
    assert wants_problem_json("application/json, application/problem+json")


def test_retry_after_on_429():
    resp = error_response(TooManyRequestsError(retry_after=7))
    assert resp.status_code == 429
    assert resp.headers["retry-after"] == "7"
    assert decode(resp) == {"status": 429, "message": "Too Many Requests.", "data": {}}


def test_not_found_default_message():
    assert decode(error_response(NotFoundError())) == {
        "status": 404,
        "message": "The requested resource wasn't found.",
        "data": {},
    }


def test_unexpected_errors_hide_details_and_log_traceback(caplog):
    try:
        raise RuntimeError("SELECT secret FROM users")
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR, logger="bastion.http"):
            resp = render_unexpected(exc)
    assert resp.status_code == 500
    assert decode(resp) == {
        "status": 500,
        "message": "Something went wrong while processing your request.",
        "data": {},
    }
    assert b"secret" not in resp.body
    assert "SELECT secret" in caplog.text


def test_unexpected_without_exception_logs_nothing(caplog):
    with caplog.at_level(logging.ERROR, logger="bastion.http"):
        resp = render_unexpected(None, "application/problem+json")
    assert resp.status_code == 500
    assert decode(resp)["detail"] == "Something went wrong while processing your request."
    assert caplog.records == []
