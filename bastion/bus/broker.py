"""The embedded broker: pub/sub between the worker processes of one node, with no service to run.

`bastion serve --workers N` starts it (broker_launch.py) before the workers, as its own small
process listening on a Unix socket in the data directory; each worker connects to it
(pubsub_embedded.py). It keeps no messages: a message goes to the connections subscribed to its
channel at that moment, in the order its publisher sent them (broker_frames.py has the format).
Each publish is confirmed to its publisher once it is in every subscriber's outgoing buffer, so
a message published after that confirmation, by any process, reaches every subscriber after it:
the node bridge relies on this to deliver record events in the order their writes were answered.

Memory is bounded per connection: a subscriber that does not read what it is sent has its
messages dropped once BACKLOG_LIMIT bytes wait for it (at most once, as every backend), and no
frame may exceed broker_frames.MAX_FRAME. The broker exits when its parent (the serve process)
is gone, so a killed server leaves nothing running.

    python -m bastion.bus.broker SOCKET_PATH
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from pathlib import Path

from bastion.bus.broker_frames import (
    ACK,
    CONFIRM,
    MAX_FRAME,
    MESSAGE,
    PUBLISH,
    SUBSCRIBE,
    frame,
    split_publish,
)

log = logging.getLogger("bastion.bus")
_CONFIRM_FRAME = frame(CONFIRM)

BACKLOG_LIMIT = 64 * 1024 * 1024  # bytes waiting for one slow subscriber before messages drop
PARENT_CHECK = 1.0  # seconds between looks at whether the serve process is still there


class _Connection(asyncio.Protocol):
    def __init__(self, broker: Broker) -> None:
        self.broker = broker
        self.channel = ""
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self.dropped = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)  # a stream socket's transport
        self.transport = transport
        self.broker.connections.add(self)

    def data_received(self, data: bytes) -> None:
        buf = self._buffer
        buf += data
        while len(buf) >= 4:
            size = int.from_bytes(buf[:4], "big")
            if not 1 <= size <= MAX_FRAME:
                self.close()
                return
            if len(buf) < 4 + size:
                return
            kind, body = bytes(buf[4:5]), bytes(buf[5 : 4 + size])
            del buf[: 4 + size]
            self.broker.handle(self, kind, body)

    def send(self, data: bytes, droppable: bool = True) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        # a confirmation (5 bytes) is never dropped: its publisher waits for it
        if droppable and transport.get_write_buffer_size() > BACKLOG_LIMIT:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                log.warning("embedded broker: a subscriber is not reading; %d messages dropped", self.dropped)
            return
        transport.write(data)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.broker.forget(self)
        self.broker.connections.discard(self)
        self.transport = None


class Broker:
    def __init__(self) -> None:
        self.channels: dict[str, set[_Connection]] = {}
        self.connections: set[_Connection] = set()
        self._server: asyncio.AbstractServer | None = None

    def handle(self, conn: _Connection, kind: bytes, body: bytes) -> None:
        if kind == PUBLISH:
            channel, payload = split_publish(body)
            subscribers = self.channels.get(channel)
            if subscribers:
                data = frame(MESSAGE, payload)
                for peer in list(subscribers):
                    peer.send(data)
            conn.send(_CONFIRM_FRAME, droppable=False)
        elif kind == SUBSCRIBE:
            self.forget(conn)
            conn.channel = body.decode()
            self.channels.setdefault(conn.channel, set()).add(conn)
            conn.send(frame(ACK))
        else:
            conn.close()

    def forget(self, conn: _Connection) -> None:
        peers = self.channels.get(conn.channel)
        if peers is not None:
            peers.discard(conn)
            if not peers:
                del self.channels[conn.channel]

    async def serve(self, path: str) -> Broker:
        with contextlib.suppress(FileNotFoundError):
            Path(path).unlink()  # left by a server that was killed
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(lambda: _Connection(self), path)
        os.chmod(path, 0o600)  # only this user's processes may publish
        return self

    async def close(self) -> None:
        """Stop listening and end every connection (its peers reconnect when a broker is back)."""
        if self._server is not None:
            self._server.close()
        for conn in list(self.connections):
            conn.close()
        if self._server is not None:
            await self._server.wait_closed()


async def _run(path: str) -> None:
    parent = os.getppid()
    broker = await Broker().serve(path)
    try:
        while os.getppid() == parent:
            await asyncio.sleep(PARENT_CHECK)
    finally:
        await broker.close()
        with contextlib.suppress(FileNotFoundError):
            Path(path).unlink()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_run(sys.argv[1]))


if __name__ == "__main__":
    main()
