"""The event one subscriber receives: the record exported for them, with their expand/fields."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import msgspec

from bastion.core.app_protocol import App
from bastion.core.record_access import Access
from bastion.core.record_expand import expand_records
from bastion.core.record_export import export_record
from bastion.core.record_model import Record, snapshot
from bastion.core.response_fields import pick_fields
from bastion.errors import BadRequestError

_encoder = msgspec.json.Encoder()


ExpandFailed = Callable[[Exception], None]


async def render_event(
    app: App,
    action: str,
    record: Record,
    access: Access,
    *,
    exists: bool,
    expand_failed: ExpandFailed | None = None,
) -> bytes:
    """The subscriber's payload. An expand that fails costs only the paths that fail (each is
    reported to `expand_failed`): as PocketBase, the event still goes out with what did expand."""
    copy = snapshot(record)  # expand mutates the record; each subscriber gets their own
    expand = access.query.get("expand") or ""
    if expand:
        try:
            await expand_records(app.db, app.registry, [copy], expand, access)
        except Exception as exc:  # any failure: retry path by path, as PocketBase
            copy = await _expand_path_by_path(app, record, expand, access, expand_failed, exc)
    can_manage = False
    if record.collection.is_auth and exists and access.auth is not None:
        can_manage = await app.records.can_manage(app.db, record, access)
    data: Any = export_record(copy, access, can_manage=can_manage)
    fields = access.query.get("fields") or ""
    if fields:
        # PocketBase sends the whole record when `fields` does not parse
        with contextlib.suppress(ValueError, BadRequestError):
            data = pick_fields(data, fields)
    # PocketBase's payload struct puts "record" before "action"
    return _encoder.encode({"record": data, "action": action})


async def _expand_path_by_path(
    app: App,
    record: Record,
    expand: str,
    access: Access,
    expand_failed: ExpandFailed | None,
    first: Exception,
) -> Record:
    copy = snapshot(record)
    copy.expand_applied = True  # "expand": {} even when no path could be expanded
    failed = False
    for path in (p.strip() for p in expand.split(",")):
        if not path:
            continue
        try:
            await expand_records(app.db, app.registry, [copy], path, access)
        except Exception as exc:
            failed = True
            if expand_failed is not None:
                expand_failed(exc)
    if not failed and expand_failed is not None:
        expand_failed(first)  # only the paths together failed
    return copy


def topic_event(message_name: str, data: bytes) -> bytes:
    """`{"topic": …, "record": …, "action": …}` from a hub message, for WebSocket and long polling.

    The hub renders each event once per subscriber as `{"record":…,"action":…}`; splicing the topic
    in front avoids decoding and re-encoding the record for every transport.
    """
    return b'{"topic":' + _encoder.encode(message_name) + b"," + data[1:]
