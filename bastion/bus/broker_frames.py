"""The embedded broker's wire format, shared by the broker (broker.py) and its clients
(pubsub_embedded.py).

A frame is a 4-byte big-endian length, then that many bytes: one kind byte and a body.

    client -> broker   S<channel>                     subscribe this connection to <channel>
                       P<2-byte length><channel><payload>   publish <payload> to <channel>
    broker -> client   A                              the subscription is in place
                       M<payload>                     a message on the connection's channel
                       C                              the oldest unconfirmed P of this
                                                      connection has been handed to every
                                                      subscriber (after their M frames)

Frames longer than MAX_FRAME end the connection: no peer of ours sends them, so the other end
is confused or hostile, and reading on would cost unbounded memory.
"""

from __future__ import annotations

import asyncio

MAX_FRAME = 64 * 1024 * 1024
SUBSCRIBE, PUBLISH, ACK, MESSAGE, CONFIRM = b"S", b"P", b"A", b"M", b"C"


class FrameError(ConnectionError):
    """The peer sent something that is not a frame of ours."""


def frame(kind: bytes, body: bytes = b"") -> bytes:
    return (len(body) + 1).to_bytes(4, "big") + kind + body


def publish_frame(channel: str, payload: bytes) -> bytes:
    name = channel.encode()
    return frame(PUBLISH, len(name).to_bytes(2, "big") + name + payload)


def split_publish(body: bytes) -> tuple[str, bytes]:
    """(channel, payload) of a P frame's body."""
    size = int.from_bytes(body[:2], "big")
    return body[2 : 2 + size].decode(), body[2 + size :]


async def read_frame(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """(kind, body) of the next frame; IncompleteReadError at the end of the stream."""
    size = int.from_bytes(await reader.readexactly(4), "big")
    if not 1 <= size <= MAX_FRAME:
        raise FrameError(f"frame of {size} bytes")
    data = await reader.readexactly(size)
    return data[:1], data[1:]
