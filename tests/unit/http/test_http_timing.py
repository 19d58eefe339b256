"""Server-Timing, as the edge layer (bastion/http/edge.py) measures and sends it."""

from __future__ import annotations

import re

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from bastion.http.cors import CorsPolicy
from bastion.http.edge import EdgeMiddleware
from bastion.http.timing import Timings


async def measured(request: Request) -> PlainTextResponse:
    timings: Timings = request.state.timings
    with timings.measure("db"):
        pass
    timings.add("auth", 0.0015)
    return PlainTextResponse("ok")


APP = EdgeMiddleware(
    Starlette(routes=[Route("/", measured)]), CorsPolicy(), server_timing_to=lambda scope: True
)


async def test_server_timing_header_lists_total_and_segments(client_for):
    async with client_for(APP) as client:
        resp = await client.get("/")
    value = resp.headers["server-timing"]
    assert re.fullmatch(r"total;dur=\d+\.\d{2}, db;dur=\d+\.\d{2}, auth;dur=1\.50", value), value


def test_segments_measured_twice_add_up():
    timings = Timings(start=0.0)
    timings.add("db", 0.001)
    timings.add("db", 0.002)
    assert timings.header_value(total=0.01) == "total;dur=10.00, db;dur=3.00"
