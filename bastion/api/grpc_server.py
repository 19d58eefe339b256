"""The gRPC listener (`bastion serve --grpc HOST:PORT`): grpcio's asyncio server in each worker.

Every worker process serves it on the same address, as granian does HTTP: grpcio binds with
SO_REUSEPORT on Linux and the kernel spreads connections over the workers (`bastion serve` has
checked the address is free before the workers start, cli/main.py). It runs on the worker's own
event loop beside the ASGI app, sharing its App: the database pool, the schema, the realtime hub.

Bounds on what a client can make a worker hold: messages of at most `grpc_max_message_bytes`
each way, `grpc_max_concurrent_rpcs` calls at once per worker (streams included; more are
RESOURCE_EXHAUSTED), 100 concurrent streams per HTTP/2 connection, 16 KiB of metadata, and the
realtime hub's budgets per address for Subscribe streams.

Errors: an ApiError becomes its gRPC status (grpc_records.status_of) with the REST message as
details, its `data` (field errors) as JSON in the `bastion-error-data` trailing metadata and
a 429's or 503's wait in `retry-after` (seconds, as the REST header); anything else is INTERNAL with a generic message, logged.

grpcio is imported only when the server starts: a deployment without `--grpc` never loads it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import msgspec
from grpc_reflection.v1alpha import reflection

from bastion import rules
from bastion.api.grpc_messages import CLASSES, METHODS, POOL, SERVICE
from bastion.api.grpc_records import RecordsService, status_of
from bastion.app import App
from bastion.errors import ApiError
from bastion.store.errors import DatabaseUnavailable, InvalidValueError

log = logging.getLogger("bastion.grpc")
MAX_STREAMS_PER_CONNECTION = 100
MAX_METADATA_BYTES = 16 << 10
INTERNAL_MESSAGE = "Something went wrong while processing your request."

Context = grpc.aio.ServicerContext[Any, Any]
Unary = Callable[[Any, Context], Awaitable[Any]]
Streaming = Callable[[Any, Context], AsyncIterator[Any]]


async def _abort_for(exc: Exception, context: Context) -> None:
    if isinstance(exc, ApiError):
        trailing: list[tuple[str, str]] = []
        if exc.data:
            trailing.append(("bastion-error-data", msgspec.json.encode(exc.data).decode()))
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:  # a 429 or 503: when to try again, as REST's Retry-After header
            trailing.append(("retry-after", str(retry_after)))
        if trailing:
            context.set_trailing_metadata(tuple(trailing))
        await context.abort(status_of(exc), exc.message)
    if isinstance(exc, DatabaseUnavailable):
        await context.abort(grpc.StatusCode.UNAVAILABLE, "The database is not available; try again.")
    if isinstance(exc, rules.RuleSyntaxError | rules.RuleResolveError | InvalidValueError):
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, INTERNAL_MESSAGE)
    log.exception("unhandled error in a gRPC call", exc_info=exc)
    await context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)


def _unary(method: Unary) -> Unary:
    async def call(request: Any, context: Context) -> Any:
        try:
            return await method(request, context)
        except Exception as exc:  # noqa: BLE001 - every failure becomes a status, as guard does for REST
            await _abort_for(exc, context)

    return call


def _streaming(method: Streaming) -> Streaming:
    async def call(request: Any, context: Context) -> AsyncIterator[Any]:
        try:
            async for message in method(request, context):
                yield message
        except Exception as exc:  # noqa: BLE001 - as _unary
            await _abort_for(exc, context)

    return call


def _handlers(service: RecordsService) -> dict[str, grpc.RpcMethodHandler[Any, Any]]:
    handlers: dict[str, grpc.RpcMethodHandler[Any, Any]] = {}
    for name, request, _answer, streaming in METHODS:
        method = getattr(service, name.lower())
        parse = CLASSES[request].FromString
        if streaming:
            handlers[name] = grpc.unary_stream_rpc_method_handler(
                _streaming(method), request_deserializer=parse, response_serializer=_serialize
            )
        else:
            handlers[name] = grpc.unary_unary_rpc_method_handler(
                _unary(method), request_deserializer=parse, response_serializer=_serialize
            )
    return handlers


def _serialize(message: Any) -> bytes:
    data: bytes = message.SerializeToString()
    return data


async def start_grpc(app: App, address: str | None = None) -> tuple[grpc.aio.Server, int]:
    """Serve `bastion.v1.Records` (and reflection) for `app` on `address` (default: the
    config's `grpc`); the server and the port bound (for `:0`)."""
    cfg = app.config
    limit = cfg.grpc_max_message_bytes
    server = grpc.aio.server(
        options=[
            ("grpc.max_receive_message_length", limit),
            ("grpc.max_send_message_length", limit),
            ("grpc.max_concurrent_streams", MAX_STREAMS_PER_CONNECTION),
            ("grpc.max_metadata_size", MAX_METADATA_BYTES),
            ("grpc.so_reuseport", 1),  # every worker on one address (the docstring)
        ],
        maximum_concurrent_rpcs=cfg.grpc_max_concurrent_rpcs,
    )
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE, _handlers(RecordsService(app))),)
    )
    reflection.enable_server_reflection((SERVICE, reflection.SERVICE_NAME), server, pool=POOL)
    port = server.add_insecure_port(address or cfg.grpc)
    await server.start()
    return server, port
