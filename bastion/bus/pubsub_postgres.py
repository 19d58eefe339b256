"""Pub/sub over PostgreSQL LISTEN/NOTIFY on the data database.

A NOTIFY payload is text of at most 8,000 bytes. Larger messages are split into chunks sent in
one transaction (PostgreSQL delivers a transaction's notifications together, in order, or not at
all) and joined again by the listeners. Each chunk is `MSGID INDEX COUNT|text`; the payloads
are JSON, so valid text, and cuts fall on UTF-8 character boundaries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Any

import asyncpg

from bastion.bus.pubsub import OnMessage, PubSub

log = logging.getLogger("bastion.bus")

CHUNK_BYTES = 7800  # the limit is 8000 bytes, header included
MAX_PARTIAL = 256  # incomplete messages kept while their other chunks arrive


def split_chunks(payload: bytes, size: int = CHUNK_BYTES) -> list[bytes]:
    """`payload` in pieces of at most `size` bytes, never cutting a UTF-8 character in two."""
    chunks, start = [], 0
    while start < len(payload):
        end = min(start + size, len(payload))
        while end < len(payload) and (payload[end] & 0xC0) == 0x80:
            end -= 1  # back off to the start of a character
        chunks.append(payload[start:end])
        start = end
    return chunks or [b""]


class PostgresPubSub(PubSub):
    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.channel = ""
        self._listen: Any = None
        self._notify: Any = None
        self._lock = asyncio.Lock()
        self._partial: dict[str, list[bytes | None]] = {}
        self._on_message: OnMessage | None = None
        self._reconnect: asyncio.Task[None] | None = None

    async def start(self, channel: str, on_message: OnMessage) -> None:
        self.channel = channel
        self._on_message = on_message
        self._notify = await asyncpg.connect(self.url)
        await self._connect_listener()

    async def _connect_listener(self) -> None:
        conn = await asyncpg.connect(self.url)
        await conn.add_listener(self.channel, self._listener)
        conn.add_termination_listener(self._lost)
        self._listen = conn

    def _listener(self, _conn: object, _pid: int, _channel: str, text: object) -> None:
        payload = self._join(str(text))  # a NOTIFY payload is always text
        if payload is not None and self._on_message is not None:
            self._on_message(payload)

    def _lost(self, conn: Any) -> None:
        """The LISTEN connection died (a database restart, say): listen again once it is back."""
        # release its socket (asyncpg leaves that to us), once asyncpg has finished with it
        asyncio.get_running_loop().call_soon(_terminate, conn)
        if self._on_message is not None and self._reconnect is None:
            self._reconnect = asyncio.get_running_loop().create_task(self._relisten())

    async def _relisten(self) -> None:
        delay = 0.5
        while self._on_message is not None:
            try:
                await self._connect_listener()
                log.warning("postgres pub/sub listening again")
                break
            except (OSError, asyncpg.PostgresError):
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        self._reconnect = None

    def _join(self, text: str) -> bytes | None:
        header, _, body = text.partition("|")
        try:
            msg_id, index_s, count_s = header.split(" ")
            index, count = int(index_s), int(count_s)
        except ValueError:
            return None  # not ours
        if count == 1:
            return body.encode()
        parts = self._partial.get(msg_id)
        if parts is None:
            if len(self._partial) >= MAX_PARTIAL:
                self._partial.pop(next(iter(self._partial)))
            parts = self._partial[msg_id] = [None] * count
        parts[index] = body.encode()
        if any(p is None for p in parts):
            return None
        del self._partial[msg_id]
        return b"".join(p for p in parts if p is not None)

    async def publish(self, payload: bytes, channel: str | None = None) -> None:
        channel = channel or self.channel
        chunks = split_chunks(payload)
        msg_id = secrets.token_hex(6)
        texts = [f"{msg_id} {i} {len(chunks)}|{c.decode()}" for i, c in enumerate(chunks)]
        async with self._lock:  # one connection: publishes go out one after another, in order
            if self._notify is None:
                self._notify = await asyncpg.connect(self.url)
            try:
                if len(texts) == 1:
                    await self._notify.execute("SELECT pg_notify($1, $2)", channel, texts[0])
                    return
                async with self._notify.transaction():
                    for text in texts:
                        await self._notify.execute("SELECT pg_notify($1, $2)", channel, text)
            except Exception:
                # the connection died (a database restart, say): the next publish reconnects
                _terminate(self._notify)
                self._notify = None
                raise

    async def ping(self) -> None:
        listening = self._listen
        if self._reconnect is not None or listening is None or listening.is_closed():
            raise ConnectionError("not listening on PostgreSQL")
        async with self._lock:
            if self._notify is None:
                self._notify = await asyncpg.connect(self.url)
            try:
                await self._notify.fetchval("SELECT 1")
            except Exception:  # as publish: the next one reconnects
                _terminate(self._notify)
                self._notify = None
                raise

    async def close(self) -> None:
        self._on_message = None
        if self._reconnect is not None:
            self._reconnect.cancel()
        for conn in (self._listen, self._notify):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
        self._listen = self._notify = None


def _terminate(conn: Any) -> None:
    with contextlib.suppress(Exception):
        conn.terminate()
