"""Requests about a realtime client, run by the process that holds it.

A client's stream lives in one process; the requests that change it (SSE's subscription POST,
a long poll) may reach any worker or node. A client id begins with its process's id
(client_state.new_client_id), so the process a request reaches either runs the operation
(client_ops.py) itself or sends it to that process's inbox channel on the pub/sub and answers
with the reply. An owner that does not answer within REPLY_WAIT (gone, or never ours) means the
client is unknown: 404, as PocketBase answers for an unknown client id. An operation that may
wait on the owner (a long poll, up to its timeout) is acknowledged by the owner as soon as it
arrives, so a gone owner is still found out after REPLY_WAIT, and a live one gets the
operation's own wait to answer.

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
from bastion.errors import ApiError, NotFoundError, TooManyRequestsError, UnavailableError
from bastion.realtime.address_quota import RETRY_AFTER, address_key
from bastion.realtime.client_ops import OPERATIONS, UNKNOWN_CLIENT, WAITING_OPERATIONS
from bastion.realtime.client_state import owner_of
from bastion.realtime.hub import RealtimeHub
from bastion.realtime.record_wire import record_from_wire, record_to_wire

log = logging.getLogger("bastion.realtime")

REPLY_WAIT = 4.0  # seconds an owner has to answer (or acknowledge) a command
ACCEPTED = 202  # a reply's status meaning "received, the answer follows" (WAITING_OPERATIONS)
MAX_PENDING = 20_000  # commands of this process waiting for their reply
# ... of which one address may hold this many: a caller sending made-up client ids (each waits
# REPLY_WAIT for an owner that never answers) uses up its own share, not everyone's.
MAX_PENDING_PER_ADDRESS = 200


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


class _Waiting:
    """A command sent, waiting: `first` resolves on the owner's acknowledgement or its reply,
    `reply` on its reply (two futures, so a reply arriving right after the acknowledgement, before
    the requester resumes, is never lost)."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.first: asyncio.Future[None] = loop.create_future()
        self.reply: asyncio.Future[_Reply] = loop.create_future()

    def resolve(self, reply: _Reply) -> None:
        if not self.first.done():
            self.first.set_result(None)
        if reply.status != ACCEPTED and not self.reply.done():
            self.reply.set_result(reply)


class ClientRouter:
    def __init__(self, app: App, hub: RealtimeHub, pubsub: PubSub, cluster_channel: str) -> None:
        self.app = app
        self.hub = hub
        self.pubsub = pubsub
        self.cluster_channel = cluster_channel
        self._pending: dict[str, _Waiting] = {}
        self._pending_by_address: dict[str, int] = {}
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
        for command_id, waiting in self._pending.items():
            # this process is stopping: its waiting requests get a 503
            waiting.resolve(_Reply(command_id, UnavailableError.status, UnavailableError().to_dict()))

    # ---- the requester's side ---------------------------------------------------------------

    async def forward(
        self, owner: str, client_id: str, op: str, args: dict[str, Any], auth: Record | None, wait: float
    ) -> Any:
        """The owner's answer: it has REPLY_WAIT seconds to reply or acknowledge, then `wait`."""
        if len(self._pending) >= MAX_PENDING:
            raise UnavailableError()
        address = address_key(str(args.get("ip", "")))
        if self._pending_by_address.get(address, 0) >= MAX_PENDING_PER_ADDRESS:
            raise TooManyRequestsError(retry_after=RETRY_AFTER)
        command = _Command(
            secrets.token_hex(8), self.hub.process_id, op, client_id, args, record_to_wire(auth)
        )
        waiting = self._pending[command.id] = _Waiting()
        self._pending_by_address[address] = self._pending_by_address.get(address, 0) + 1
        try:
            await self.pubsub.publish(_encoder.encode(command), self.inbox(owner))
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancellation
            # that lands as its future resolves, and the requester's task would then go on
            async with asyncio.timeout(REPLY_WAIT):
                await waiting.first
            async with asyncio.timeout(wait):
                reply = await waiting.reply
        except TimeoutError:
            raise NotFoundError(UNKNOWN_CLIENT) from None  # nobody holds that client
        except ConnectionError:
            log.warning("realtime command not sent: the pub/sub is unavailable", exc_info=True)
            raise UnavailableError() from None
        finally:
            self._pending.pop(command.id, None)
            left = self._pending_by_address.pop(address) - 1
            if left:
                self._pending_by_address[address] = left
        if reply.status:
            raise _api_error(reply.status, reply.result)
        return reply.result

    # ---- the owner's side -------------------------------------------------------------------

    def _incoming(self, payload: bytes) -> None:
        try:
            message = _decoder.decode(payload)
        except (msgspec.DecodeError, UnicodeDecodeError):
            log.warning("realtime command dropped: not a command or reply")
            return
        if isinstance(message, _Reply):
            waiting = self._pending.get(message.id)
            if waiting is not None:
                waiting.resolve(message)
            return
        task = asyncio.get_running_loop().create_task(self._run(message))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, command: _Command) -> None:
        if command.op in WAITING_OPERATIONS:  # alive and on it: the requester waits for the answer
            await self._reply(command, _Reply(command.id, ACCEPTED))
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
        await self._reply(command, reply)

    async def _reply(self, command: _Command, reply: _Reply) -> None:
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
    wait: float | None = None,
) -> Any:
    """Run `op` for the client on the process holding it: here, or on its owner (404 when no
    process holds it). `wait`: how long the owner may take once it acknowledged (REPLY_WAIT by
    default; an operation of WAITING_OPERATIONS passes its own wait and a margin)."""
    router = hub.router
    owner = owner_of(client_id)
    if router is None or owner in ("", hub.process_id) or hub.find(client_id) is not None:
        return await OPERATIONS[op](hub, client_id, args, auth)
    return await router.forward(owner, client_id, op, args, auth, REPLY_WAIT if wait is None else wait)
