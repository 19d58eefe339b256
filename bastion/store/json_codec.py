"""JSON encoding for stored documents (msgspec: the fastest encoder, see DESIGN.md)."""

from __future__ import annotations

from typing import Any

import msgspec

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()


def dumps(value: Any) -> str:
    return _encoder.encode(value).decode()


def loads(data: str | bytes | Any) -> Any:
    if isinstance(data, (str, bytes)):
        return _decoder.decode(data)
    return data  # already decoded (e.g. a driver's json codec)
