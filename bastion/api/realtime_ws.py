"""/api/realtime/ws — the realtime subscriptions over one WebSocket (a Bastion addition).

A thin adapter over the same hub and client as the SSE transport: the hub fans out and checks
rules, this module moves JSON text frames. One task reads client messages (auth, subscribe,
unsubscribe, ping; bastion/realtime/client_commands.py), one writes the client's outbox. The
protocol is described in docs/realtime.md.

Close codes: 1012 when the node shuts down (reconnect, possibly elsewhere), 1013 when the address
already holds its maximum of realtime clients (an `error` message with status 429 comes first),
1008 when the client fell behind and its bounded outbox overflowed, or when its token was
invalid, 1000 after `realtime_idle_timeout` seconds without any client message (clients send
`ping` to stay connected). On SIGTERM granian itself closes open WebSockets, without a close
frame, at about the moment our 1012 goes out: some clients then see an abnormal closure (1006)
instead, and must treat it alike.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from bastion.api.context import load_auth
from bastion.app import App
from bastion.auth.tokens import unverified_claims
from bastion.errors import TooManyRequestsError, UnauthorizedError
from bastion.realtime import RealtimeClient, RealtimeHub
from bastion.realtime.client_commands import handle
from bastion.realtime.record_message import topic_event

CLOSE_REPLY_TIMEOUT = 1.0
SERVICE_RESTART = 1012
TRY_AGAIN_LATER = 1013
POLICY_VIOLATION = 1008


def _token(ws: WebSocket) -> str:
    token = ws.query_params.get("token") or ws.headers.get("authorization", "")
    if token[:7].lower() == "bearer ":
        token = token[7:]
    return token.strip()


def _authenticator(app: App) -> Callable[[RealtimeClient, str], Awaitable[None]]:
    async def authenticate(client: RealtimeClient, token: str) -> None:
        """Bind the token's auth record ("" signs out). Any identity may replace the previous
        one: unlike the SSE POST, which anyone who learns a client id could send, a WebSocket's
        messages can only come from the connection itself."""
        if not token:
            client.auth, client.auth_expires = None, 0.0
            return
        # as of now, not of the connection's start: the auth records' version this task carries
        # (store/auth_version.py) would otherwise let a kept copy take a since-revoked token
        await app.refresh_if_stale()
        auth = await load_auth(app, token)
        if auth is None:
            raise UnauthorizedError("The request requires valid record authorization token.")
        client.auth, client.auth_expires = auth, float((unverified_claims(token) or {}).get("exp") or 0)

    return authenticate


async def _write(client: RealtimeClient, send: Any) -> None:
    """Send the client's events until it is discarded (shutdown, overflow or disconnect)."""
    while (message := await client.next_message()) is not None:
        await send(topic_event(message.name, message.data))


class _Receiver:
    """The socket's receive side with at most one receive in flight, never cancelled.

    A receive that times out (idle) stays pending for the next call, so the same receive can
    later pick up the client's reply to our close frame; cancelling a server's pending receive
    is also not something every ASGI server handles gracefully. It reads the raw ASGI receive:
    Starlette's own refuses to run once our close frame has gone out.
    """

    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.pending: asyncio.Future[Any] | None = None

    async def receive(self, timeout: float) -> dict[str, Any] | None:
        """The next ASGI message, or None when `timeout` passes first."""
        if self.pending is None:
            self.pending = asyncio.ensure_future(self.ws._receive())
        done, _ = await asyncio.wait({self.pending}, timeout=timeout)
        if not done:
            return None
        message: dict[str, Any] = self.pending.result()  # Starlette's receive() gives ASGI dicts
        self.pending = None
        return message


async def _read(rx: _Receiver, hub: RealtimeHub, client: RealtimeClient, authenticate: Any, send: Any) -> int:
    """Answer client messages; returns the close code to use (0 when the client went away)."""
    while True:
        message = await rx.receive(hub.limits.idle_timeout)
        if message is None:
            return 1000
        if message["type"] == "websocket.disconnect":
            return 0
        text, data = message.get("text"), message.get("bytes")
        raw: str | bytes = text if isinstance(text, str) else data if isinstance(data, bytes) else b""
        await send(await handle(hub, client, raw, authenticate))


async def _close(ws: WebSocket, rx: _Receiver, code: int, reason: str) -> None:
    """Send the close frame, then wait (briefly) for the client's close reply: ending the handler
    at once lets the server drop the TCP connection while the client's reply is unread, and the
    reset that follows can destroy the close frame before the client has read it."""
    with contextlib.suppress(Exception):
        await ws.close(code, reason)
        deadline = asyncio.get_running_loop().time() + CLOSE_REPLY_TIMEOUT
        while (remaining := deadline - asyncio.get_running_loop().time()) > 0:
            message = await rx.receive(remaining)
            if message is None or message["type"] == "websocket.disconnect":
                return


async def realtime_ws(ws: WebSocket) -> None:
    app = ws.app.state.bastion
    hub: RealtimeHub | None = app.realtime
    if hub is None or hub.closed:
        await ws.close(SERVICE_RESTART)  # before accept: the handshake is refused
        return
    await app.refresh_if_stale()
    await ws.accept()
    rx = _Receiver(ws)
    try:
        client = hub.register(ip=ws.client.host if ws.client else "")
    except TooManyRequestsError as err:  # the address holds its maximum of realtime clients
        await ws.send_json({"type": "error", **err.to_dict()})
        await _close(ws, rx, TRY_AGAIN_LATER, "too many connections")
        return
    authenticate = _authenticator(app)
    lock = asyncio.Lock()

    async def send(data: bytes) -> None:
        async with lock:  # replies and events come from two tasks
            await ws.send_text(data.decode())

    code, reason = 1000, ""
    try:
        try:
            await authenticate(client, _token(ws))
        except UnauthorizedError as err:
            await ws.send_json({"type": "error", **err.to_dict()})
            await _close(ws, rx, POLICY_VIOLATION, "invalid token")
            return
        await ws.send_json({"type": "connect", "clientId": client.id})
        reader = asyncio.ensure_future(_read(rx, hub, client, authenticate, send))
        writer = asyncio.ensure_future(_write(client, send))
        done, _ = await asyncio.wait({reader, writer}, return_when=asyncio.FIRST_COMPLETED)
        for task in (reader, writer):
            task.cancel()
        if client.shutting_down:
            code, reason = SERVICE_RESTART, "service restart"
        elif client.overflowed:
            code, reason = POLICY_VIOLATION, "slow consumer"
        elif reader in done and not reader.cancelled() and reader.exception() is None:
            code = reader.result()
        if code:
            async with lock:
                await _close(ws, rx, code, reason)
    except WebSocketDisconnect:
        pass
    finally:
        hub.unregister(client)
