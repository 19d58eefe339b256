"""Property: whatever the chunking, sizes and coding, the client decodes exactly what the app sent."""

from __future__ import annotations

import asyncio
import gzip

import brotli
from hypothesis import given, settings
from hypothesis import strategies as st

from bastion.http.compression import CompressionMiddleware

DECODERS = {"gzip": gzip.decompress, "br": brotli.decompress, None: lambda b: b}


def run(chunks: list[bytes], accept: str, declare_length: bool) -> tuple[dict[bytes, bytes], bytes]:
    body = b"".join(chunks)

    async def app(scope, receive, send):
        headers = [(b"content-type", b"application/json")]
        if declare_length:
            headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for i, chunk in enumerate(chunks):
            await send({"type": "http.response.body", "body": chunk, "more_body": i < len(chunks) - 1})

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"accept-encoding", accept.encode())]}
    asyncio.run(CompressionMiddleware(app, minimum_size=100)(scope, receive, send))
    start = sent[0]
    assert start["type"] == "http.response.start"
    raw = b"".join(m.get("body", b"") for m in sent[1:])
    assert not sent[-1].get("more_body", False)
    return dict(start["headers"]), raw


@settings(max_examples=150, deadline=None)
@given(
    chunks=st.lists(
        st.binary(max_size=400) | st.just(b'{"a":"aaaaaaaaaaaaaaaaaaaa"}' * 20), min_size=1, max_size=6
    ),
    accept=st.sampled_from(["gzip", "br", "br;q=0, gzip", "identity", "gzip;q=0.1, br;q=0.9", "*"]),
    declare_length=st.booleans(),
)
def test_roundtrip(chunks, accept, declare_length):
    headers, raw = run(chunks, accept, declare_length)
    encoding = headers.get(b"content-encoding")
    decoded = DECODERS[encoding.decode() if encoding else None](raw)
    assert decoded == b"".join(chunks)
    if b"content-length" in headers:
        assert int(headers[b"content-length"]) == len(raw)
