"""The access log, as the edge layer (bastion/http/edge.py) writes it, and the log formats."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bastion.http.access_log import AccessLogger
from bastion.http.cors import CorsPolicy
from bastion.http.edge import EdgeMiddleware
from bastion.http.log_format import JsonFormatter, configure_logging


def logged(app, on_complete=None):
    """The edge layer with an access log (request id, timing, headers and CORS at their defaults)."""
    return EdgeMiddleware(app, CorsPolicy(), access_log=AccessLogger(on_complete))


RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


async def hello(request):
    return PlainTextResponse("hello world")


@pytest.fixture
def access_lines():
    """JSON lines written on `bastion.access` during the test."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("bastion.access")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)
    logger.setLevel(old_level)


async def test_one_json_line_per_request_without_query_values(client_for, access_lines):
    app = logged(Starlette(routes=[Route("/hello", hello)]))
    async with client_for(app, peer="192.0.2.7") as client:
        resp = await client.get("/hello?token=s3cret&filter=a", headers={"User-Agent": "tester/1"})
    [line] = access_lines()
    assert RFC3339.match(line["time"])
    assert line["level"] == "info"
    assert line["request_id"] == resp.headers["x-request-id"]
    assert line["method"] == "GET"
    assert line["path"] == "/hello"
    assert line["query_keys"] == ["token", "filter"]
    assert line["status"] == 200
    assert line["bytes"] == len("hello world")
    assert line["duration_ms"] >= 0
    assert line["remote_ip"] == "192.0.2.7"
    assert line["user_agent"] == "tester/1"
    assert "s3cret" not in json.dumps(line)


async def test_on_complete_receives_the_record_and_errors_log_as_500(client_for, access_lines):
    records = []

    async def boom(scope, receive, send):
        raise RuntimeError("kaput")

    app = logged(boom, on_complete=records.append)
    async with client_for(app) as client:
        with pytest.raises(RuntimeError):
            await client.get("/x")
    [record] = records
    assert record["status"] == 500 and record["level"] == "error"
    assert access_lines()[0]["status"] == 500


async def test_4xx_logged_as_warn(client_for, access_lines):
    app = logged(Starlette(routes=[Route("/hello", hello)]))
    async with client_for(app) as client:
        await client.get("/missing")
    assert access_lines()[0]["level"] == "warn"
    assert access_lines()[0]["status"] == 404


async def test_failing_on_complete_hook_does_not_break_the_response(client_for, access_lines):
    def broken(record):
        raise ValueError("sink down")

    app = logged(Starlette(routes=[Route("/hello", hello)]), on_complete=broken)
    async with client_for(app) as client:
        resp = await client.get("/hello")
    assert resp.status_code == 200


def test_json_formatter_merges_fields_and_formats_exceptions():
    formatter = JsonFormatter()
    record = logging.LogRecord("bastion.x", logging.INFO, __file__, 1, "hi %s", ("there",), None)
    record.fields = {"status": 201, "obj": object()}
    line = json.loads(formatter.format(record))
    assert line["msg"] == "hi there" and line["level"] == "info" and line["logger"] == "bastion.x"
    assert line["status"] == 201 and line["obj"].startswith("<object")
    try:
        raise KeyError("k")
    except KeyError:
        import sys

        record = logging.LogRecord("bastion.x", logging.ERROR, __file__, 1, "bad", (), sys.exc_info())
    line = json.loads(formatter.format(record))
    assert line["level"] == "error" and "KeyError" in line["exc"]


def test_configure_logging_writes_json_lines_and_replaces_its_handler():
    logger = logging.getLogger("bastion")
    saved = (logger.level, logger.propagate, list(logger.handlers))
    try:
        first = io.StringIO()
        second = io.StringIO()
        configure_logging("INFO", json=True, stream=first)
        configure_logging("INFO", json=True, stream=second)
        logging.getLogger("bastion.test").info("hello", extra={"fields": {"k": 1}})
        assert first.getvalue() == ""
        line = json.loads(second.getvalue())
        assert line["msg"] == "hello" and line["k"] == 1
        text = io.StringIO()
        configure_logging(logging.DEBUG, json=False, stream=text)
        logging.getLogger("bastion.test").debug("plain", extra={"fields": {"k": 2}})
        assert "DEBUG bastion.test plain k=2" in text.getvalue()
    finally:
        logger.handlers[:] = saved[2]
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
