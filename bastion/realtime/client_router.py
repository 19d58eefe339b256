"""Requests about a realtime client, run by the process that holds it.

A client's stream lives in one process; the requests that change it (SSE's subscription POST,
a long poll) may reach any worker or node. A client id begins with its process's id
(client_state.new_client_id), so the process a request reaches either runs the operation
(client_ops.py) itself or sends it to that process's inbox channel on the pub/sub and answers
with the reply. An owner that does not answer within the operation's wait (gone, or never ours)
means the client is unknown: 404, as PocketBase answers for an unknown client id.

Every process subscribes to its own inbox, `<cluster channel>_<process id>`, so a command costs
the owner alone, whatever the number of workers and nodes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Any

import msgspec

from bastion.bus.pubsub import PubSub
from bastion.core.app_protocol import App
from bastion.core.record_model import Record
from bastion.errors import ApiError, NotFoundError, UnavailableError
from bastion.realtime.client_ops import OPERATIONS, UNKNOWN_CLIENT
from bastion.realtime.client_state import owner_of
from bastion.realtime.hub import RealtimeHub
from bastion.realtime.record_wire import record_from_wire, record_to_wire

log = logging.getLogger("bastion.realtime")

REPLY_WAIT = 4.0  # seconds an owner has to answer a command (more for a long poll's own wait)
MAX_PENDING = 20_000  # commands of this process waiting for their reply


class _Command(msgspec.Struct, omit_defaults=True, tag="cmd"):
    id: str
    sender: str  # the process id whose inbox gets the reply
    op: str
    client: str
    args: dict[str, Any] = {}
    auth: dict[str, Any] | None = None


class _Reply(msgspec.Struct, omit_defaults=True, tag="reply"):
    id: str
    status: int = 0  # 0: done; else the ApiError's status, `result` its JSON
    result: Any = None


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(_Command | _Reply)


class ClientRouter:
    def __init__(self, app: App, hub: RealtimeHub, pubsub: PubSub, cluster_channel: str) -> None:
        self.app = app
        self.hub = hub
        self.pubsub = pubsub
        self.cluster_channel = cluster_channel
        self._pending: dict[str, asyncio.Future[_Reply]] = {}
        self._running: set[asyncio.Task[None]] = set()

    @classmethod
    async def start(cls, app: App, hub: RealtimeHub, pubsub: PubSub, cluster_channel: str) -> ClientRouter:
        router = cls(app, hub, pubsub, cluster_channel)
        await pubsub.start(router.inbox(hub.process_id), router._incoming)
        hub.router = router
        return router

    def inbox(self, process_id: str) -> str:
        return f"{self.cluster_channel}_{process_id}"

    async def close(self) -> None:
        if self.hub.router is self:
            self.hub.router = None
        for task in list(self._running):
            task.cancel()
        await self.pubsub.close()
        for command_id, future in self._pending.items():
            if not future.done():  # this process is stopping: its waiting requests get a 503
                future.set_result(_Reply(command_id, UnavailableError.status, UnavailableError().to_dict()))

    # ---- the requester's side ---------------------------------------------------------------

    async def forward(
        self, owner: str, client_id: str, op: str, args: dict[str, Any], auth: Record | None, wait: float
    ) -> Any:
        if len(self._pending) >= MAX_PENDING:
            raise UnavailableError()
        command = _Command(
            secrets.token_hex(8), self.hub.process_id, op, client_id, args, record_to_wire(auth)
        )
        future: asyncio.Future[_Reply] = asyncio.get_running_loop().create_future()
        self._pending[command.id] = future
        try:
            await self.pubsub.publish(_encoder.encode(command), self.inbox(owner))
            reply = await asyncio.wait_for(future, wait)
        except TimeoutError:
            raise NotFoundError(UNKNOWN_CLIENT) from None  # nobody holds that client
        except ConnectionError:
            log.warning("realtime command not sent: the pub/sub is unavailable", exc_info=True)
            raise UnavailableError() from None
        finally:
            self._pending.pop(command.id, None)
        if reply.status:
            raise _api_error(reply.status, reply.result)
        return reply.result

    # ---- the owner's side -------------------------------------------------------------------

    def _incoming(self, payload: bytes) -> None:
        try:
            message = _decoder.decode(payload)
        except msgspec.DecodeError:
            log.warning("realtime command dropped: not a command or reply")
            return
        if isinstance(message, _Reply):
            future = self._pending.get(message.id)
            if future is not None and not future.done():
                future.set_result(message)
            return
        task = asyncio.get_running_loop().create_task(self._run(message))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, command: _Command) -> None:
        try:
            operation = OPERATIONS.get(command.op)
            if operation is None:
                raise NotFoundError(UNKNOWN_CLIENT)
            auth = await record_from_wire(self.app, command.auth)
            reply = _Reply(command.id, result=await operation(self.hub, command.client, command.args, auth))
        except ApiError as err:
            reply = _Reply(command.id, err.status, err.to_dict())
        except Exception:
            log.exception("realtime command failed", extra={"op": command.op})
            reply = _Reply(command.id, 500, ApiError().to_dict())
        with contextlib.suppress(Exception):  # the requester then answers 404 after its wait
            await self.pubsub.publish(_encoder.encode(reply), self.inbox(command.sender))


def _api_error(status: int, body: Any) -> ApiError:
    body = body if isinstance(body, dict) else {}
    err = ApiError(body.get("message"), body.get("data"))
    err.status = status
    return err


async def on_owner(
    hub: RealtimeHub,
    client_id: str,
    op: str,
    args: dict[str, Any],
    auth: Record | None,
    wait: float = REPLY_WAIT,
) -> Any:
    """Run `op` for the client on the process holding it: here, or on its owner (404 when no
    process holds it)."""
    router = hub.router
    owner = owner_of(client_id)
    if router is None or owner in ("", hub.process_id) or hub.find(client_id) is not None:
        return await OPERATIONS[op](hub, client_id, args, auth)
    return await router.forward(owner, client_id, op, args, auth, wait)
