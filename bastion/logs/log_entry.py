"""One request -> one `_logs` row, with the `data` keys PocketBase 0.40.6 writes.

Pure: no I/O. Checked against the real binary (see docs/logs.md):

- level 0 (INFO) for a success, 8 (ERROR) for a failed request (any 4xx/5xx answer);
- message `METHOD /path?query` with the URI percent-decoded (as Go's `url.PathUnescape`);
- data: type, execTime (ms, float), method, url, status, referer, userAgent, auth (collection name,
  "" for guests), authId (only with `logs.logAuthId`), userIP and remoteIP (only with
  `logs.logIP`), and for failures `error` and `details`;
- the serialised data is kept under `logs.maxDataSize` bytes (0: 16 KiB) on PocketBase's
  best-effort terms: keys in sorted order while they fit, the first that does not fit kept with a
  null value when its name still fits, and `"__pb_truncated__": true` added.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import msgspec

from bastion.core.datetime_format import format_dt
from bastion.core.ids import RECORD_ID_ALPHABET, RECORD_ID_LENGTH
from bastion.core.settings_sections import LogsSettings
from bastion.http.fast_random import random_bytes
from bastion.http.request_log import RequestFacts

INFO, ERROR = 0, 8
DEFAULT_MAX_DATA_SIZE = 16 << 10
TRUNCATED_KEY = "__pb_truncated__"

# Successful requests to these paths are not logged (PocketBase: SkipSuccessActivityLog): reading the
# logs would log itself, a realtime stream is long-lived, and the OAuth2 redirect's URL carries codes.
_SKIP_SUCCESS_PREFIXES = ("/api/logs/", "/_/")
_SKIP_SUCCESS_EXACT = ("/api/logs", "/api/realtime", "/api/oauth2-redirect", "/_")

_ID_TABLE = bytes(ord(RECORD_ID_ALPHABET[b % 36]) for b in range(256))
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_encoder = msgspec.json.Encoder(order="sorted")
_plain_encoder = msgspec.json.Encoder()


class LogRow(msgspec.Struct, frozen=True):
    # a Struct, not a frozen dataclass: one is built per request and this is 10x cheaper to build
    id: str
    level: int
    message: str
    data: str  # JSON text, keys sorted
    created: str


class RequestData(msgspec.Struct):
    """A request log's `data`. The fields are declared in sorted order, so the plain encoder
    writes PocketBase's sorted keys without sorting a dict per request; UNSET ones are left out
    (a present null, as `details` of a failure without data, is written)."""

    auth: str
    authId: str | msgspec.UnsetType = msgspec.UNSET  # noqa: N815 - PocketBase's key
    details: Any = msgspec.UNSET
    error: str | msgspec.UnsetType = msgspec.UNSET
    execTime: float = 0.0  # noqa: N815
    method: str = ""
    referer: str = ""
    remoteIP: str | msgspec.UnsetType = msgspec.UNSET  # noqa: N815
    status: int = 0
    type: str = "request"
    url: str = ""
    userAgent: str = ""  # noqa: N815
    userIP: str | msgspec.UnsetType = msgspec.UNSET  # noqa: N815

    def as_dict(self) -> dict[str, Any]:
        return {
            name: value
            for name in self.__struct_fields__
            if (value := getattr(self, name)) is not msgspec.UNSET
        }


@dataclass(frozen=True, slots=True)
class Identity:
    collection: str
    id: str


def new_log_id() -> str:
    """A record-style id (15 of `[a-z0-9]`): 8 characters of the millisecond clock in base 36,
    then 7 random ones. Rows arrive in time order, so the primary-key index grows at its end
    instead of splitting pages at random (measured: 31 -> 18 µs per inserted row in SQLite).
    The random part comes from non-secret bytes (a log id needs to be unique, not unguessable;
    see bastion/http/fast_random.py); a collision within one millisecond is ignored on insert."""
    ms = time.time_ns() // 1_000_000
    if _clock[0] != ms:
        _clock[0], _clock[1] = ms, _base36(ms)
    prefix: str = _clock[1]
    return prefix + random_bytes(_RANDOM_PART).translate(_ID_TABLE).decode("ascii")


_CLOCK_PART = 8  # 36**8 ms reaches into 2059
_SORTED_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"  # text order = numeric order
_RANDOM_PART = RECORD_ID_LENGTH - _CLOCK_PART
_clock: list[Any] = [None, ""]  # the last millisecond and its base-36 text


def _base36(value: int) -> str:
    digits = []
    for _ in range(_CLOCK_PART):
        value, rest = divmod(value, 36)
        digits.append(_SORTED_DIGITS[rest])
    return "".join(reversed(digits))


def level_of(status: int) -> int:
    return ERROR if status >= 400 else INFO


def skips_success(path: str) -> bool:
    return path in _SKIP_SUCCESS_EXACT or path.startswith(_SKIP_SUCCESS_PREFIXES)


def log_details(details: Any) -> Any:
    """An ApiError's data the way PocketBase logs it: validation errors as their bare messages
    (`{"email": "cannot be blank"}`), nothing when the error carried no data."""
    if isinstance(details, dict):
        if not details:
            return None
        if set(details) == {"code", "message"} and isinstance(details["message"], str):
            text = details["message"].removesuffix(".")
            return text[:1].lower() + text[1:]
        return {k: log_details(v) for k, v in details.items()}
    return details


def request_data(
    facts: RequestFacts, auth: Identity | None, *, log_ip: bool, log_auth_id: bool
) -> RequestData:
    data = RequestData(
        auth=auth.collection if auth is not None else "",
        execTime=facts.exec_time_ms,
        method=facts.method,
        referer=facts.referer,
        status=facts.status,
        url=facts.url,
        userAgent=facts.user_agent,
    )
    if facts.status >= 400:
        data.error = facts.error or ""
        data.details = log_details(facts.details)
    if auth is not None and log_auth_id:
        data.authId = auth.id
    if log_ip:
        data.userIP = facts.user_ip
        data.remoteIP = facts.remote_ip
    return data


def encode_request_data(data: RequestData, max_size: int) -> str:
    """`encode_data` for the common case: small enough and free of NUL, written as it is."""
    text = _plain_encoder.encode(data)
    if len(text) <= (max_size if max_size > 0 else DEFAULT_MAX_DATA_SIZE) and b"\\u0000" not in text:
        return text.decode()
    return encode_data(data.as_dict(), max_size)


def encode_data(data: dict[str, Any], max_size: int) -> str:
    """`data` as sorted-key JSON no longer than `max_size` bytes (0: the 16 KiB default)."""
    limit = max_size if max_size > 0 else DEFAULT_MAX_DATA_SIZE
    text = _encoder.encode(data)
    if b"\\u0000" in text:  # PostgreSQL's jsonb refuses NUL; replace it wherever it hides
        data = _without_nul(data)
        text = _encoder.encode(data)
    if len(text) <= limit:
        return text.decode()
    kept: dict[str, Any] = {TRUNCATED_KEY: True}
    size = 0
    for key in sorted(data):
        name_size = len(_encoder.encode(key)) + 1  # "key":
        if size + name_size > limit:
            break
        value_size = len(_encoder.encode(data[key])) + 1  # value,
        if size + name_size + value_size > limit:
            kept[key] = None
            break
        kept[key] = data[key]
        size += name_size + value_size
    return _encoder.encode(kept).decode()


_second: list[Any] = [None, ""]  # the last whole second formatted, and its text


def created_at(timestamp: float) -> str:
    """`format_dt` of a Unix time, reusing the `YYYY-MM-DD HH:MM:SS` part within a second (this
    runs on every request; datetime construction and formatting are most of its cost)."""
    fraction, whole = math.modf(timestamp)  # rounded to microseconds as datetime does
    micros = round(fraction * 1e6)
    second = int(whole) + (micros >= 1_000_000)
    micros %= 1_000_000
    if _second[0] != second:
        _second[0], _second[1] = second, time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(second))
    return f"{_second[1]}.{micros // 1000:03d}Z"


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def message_of(facts: RequestFacts) -> str:
    return _message(facts).replace("\x00", "\ufffd")  # PostgreSQL text refuses NUL


def _message(facts: RequestFacts) -> str:
    # Go's url.PathUnescape refuses the whole string over one bad escape; then the URI stays raw.
    if "%" not in facts.url or _BAD_ESCAPE.search(facts.url):
        return f"{facts.method} {facts.url}"
    try:
        return f"{facts.method} {unquote(facts.url, errors='strict')}"
    except UnicodeDecodeError:
        return f"{facts.method} {facts.url}"


def build_row(
    facts: RequestFacts, auth: Identity | None, settings: LogsSettings, now: datetime | None = None
) -> LogRow:
    data = request_data(
        facts,
        auth,
        log_ip=settings.log_ip,
        log_auth_id=settings.log_auth_id,
    )
    created = format_dt(now) if now is not None else created_at(facts.finished)
    return LogRow(
        id=new_log_id(),
        level=level_of(facts.status),
        message=message_of(facts),
        data=encode_request_data(data, settings.max_data_size),
        created=created,
    )
