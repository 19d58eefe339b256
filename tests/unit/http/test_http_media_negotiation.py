"""Choosing JSON or MessagePack from Accept (bastion/http/media_negotiation.py)."""

from __future__ import annotations

import pytest

from bastion.http.media_negotiation import Media, choose_media

JSON, MSGPACK, NONE = Media.JSON, Media.MSGPACK, Media.NONE


@pytest.mark.parametrize(
    ("accept", "media", "json_ok"),
    [
        (None, JSON, True),
        ("", JSON, True),
        ("*/*", JSON, True),
        ("application/*", JSON, True),
        ("application/json", JSON, True),
        ("application/problem+json", JSON, True),
        ("application/msgpack", MSGPACK, False),
        ("application/vnd.msgpack", MSGPACK, False),
        ("application/x-msgpack", MSGPACK, False),
        ("Application/MsgPack", MSGPACK, False),
        ("application/msgpack, */*;q=0.1", MSGPACK, True),
        ("application/msgpack, application/json", JSON, True),  # a tie: JSON wins
        ("application/json;q=0.5, application/msgpack", MSGPACK, True),
        ("application/msgpack;q=0.5, application/json", JSON, True),
        ("application/json;q=0, */*", MSGPACK, False),  # the most specific range decides
        ("application/msgpack;q=0, */*", JSON, True),
        ("text/html", NONE, False),
        ("text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8", JSON, True),
        ("application/json;q=0", NONE, False),
        ("application/msgpack;q=0, application/json;q=0", NONE, False),
        ("application/msgpack;q=bogus", NONE, False),
    ],
)
def test_choose_media(accept: str | None, media: Media, json_ok: bool) -> None:
    assert choose_media(accept) == (media, json_ok)
