"""The gRPC service bastion.v1.Records (api/grpc_server.py, api/grpc_records.py) with grpcio's
own asyncio client: CRUD, list with filter/sort/paging, the rules (denials as gRPC statuses),
a Subscribe stream receiving an event, bounded messages; server reflection listed and used with
grpcio-reflection's client (what grpcurl does)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

grpc = pytest.importorskip("grpc")
pytest.importorskip("grpc_reflection")

from google.protobuf import descriptor_pool, json_format, message_factory  # noqa: E402
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (  # noqa: E402
    ProtoReflectionDescriptorDatabase,
)

from bastion.api.grpc_messages import CLASSES, SERVICE  # noqa: E402
from bastion.api.grpc_server import start_grpc  # noqa: E402


def call(channel: Any, method: str, request: str, answer: str) -> Any:
    return channel.unary_unary(
        f"/{SERVICE}/{method}",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=CLASSES[answer].FromString,
    )


def struct(value: dict[str, Any]) -> Any:
    record = CLASSES["CreateRequest"]().record
    record.update(value)
    return record


class Client:
    """The service's stubs on one channel, with the token to send (or none)."""

    def __init__(self, channel: Any, token: str = "") -> None:
        self.channel = channel
        self.metadata = (("authorization", token),) if token else ()
        self.get = call(channel, "Get", "GetRequest", "RecordReply")
        self.list = call(channel, "List", "ListRequest", "ListReply")
        self.create = call(channel, "Create", "CreateRequest", "RecordReply")
        self.update = call(channel, "Update", "UpdateRequest", "RecordReply")
        self.delete = call(channel, "Delete", "DeleteRequest", "DeleteReply")
        self.subscribe = channel.unary_stream(
            f"/{SERVICE}/Subscribe",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=CLASSES["RecordEvent"].FromString,
        )

    async def __call__(self, method: str, **fields: Any) -> Any:
        stub = getattr(self, method)
        request = {
            "get": "GetRequest",
            "list": "ListRequest",
            "create": "CreateRequest",
            "update": "UpdateRequest",
            "delete": "DeleteRequest",
        }[method]
        return await stub(CLASSES[request](**fields), metadata=self.metadata, timeout=10)


@pytest.fixture
async def served(api) -> AsyncIterator[str]:
    rules = {"listRule": "", "viewRule": "", "createRule": "", "updateRule": "", "deleteRule": None}
    await api.create_collection(
        {
            "name": "notes",
            **rules,
            "fields": [
                {"name": "title", "type": "text", "required": True},
                {"name": "rank", "type": "number"},
                {"name": "public", "type": "bool"},
            ],
        }
    )
    await api.create_collection(
        {"name": "secrets", "fields": [{"name": "code", "type": "text"}]}  # every rule superuser-only
    )
    server, port = await start_grpc(api.app, "127.0.0.1:0")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        await server.stop(0)


async def test_crud_and_list_with_filter_and_sort(api, served) -> None:
    async with grpc.aio.insecure_channel(served) as channel:
        su = Client(channel, api.superuser_token)
        guest = Client(channel)
        made = []
        for i, title in enumerate(["gamma", "alpha", "beta", "delta"]):
            reply = await guest(
                "create", collection="notes", record=struct({"title": title, "rank": i, "public": i % 2 == 0})
            )
            made.append(json_format.MessageToDict(reply.record))
        assert (
            made[0]["title"] == "gamma" and made[0]["collectionName"] == "notes" and len(made[0]["id"]) == 15
        )
        page = await guest("list", collection="notes", filter="public = true", sort="-title")
        assert [i["title"] for i in json_format.MessageToDict(page)["items"]] == ["gamma", "beta"]
        assert (page.page, page.per_page, page.total_items, page.total_pages) == (1, 30, 2, 1)
        page = await guest("list", collection="notes", sort="title", page=2, per_page=3, skip_total=True)
        assert [i["title"] for i in page.items] == ["gamma"] and page.total_items == -1
        # the same as the REST API answers
        rest = (await api.request("GET", "/api/collections/notes/records?sort=title")).json()
        page = await guest("list", collection="notes", sort="title", fields="id,title")
        assert json_format.MessageToDict(page)["items"] == [
            {"id": i["id"], "title": i["title"]} for i in rest["items"]
        ]
        one = await guest("get", collection="notes", id=made[1]["id"])
        assert json_format.MessageToDict(one.record) == {**made[1], "rank": 1.0}
        updated = await guest(
            "update", collection="notes", id=made[1]["id"], record=struct({"title": "alef"})
        )
        assert updated.record["title"] == "alef" and updated.record["rank"] == 1
        assert (await api.request("GET", f"/api/collections/notes/records/{made[1]['id']}")).json()[
            "title"
        ] == "alef"
        # deleteRule is null: superusers only
        with pytest.raises(grpc.aio.AioRpcError) as denied:
            await guest("delete", collection="notes", id=made[1]["id"])
        assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
        assert denied.value.details() == "Only superusers can perform this action."
        await su("delete", collection="notes", id=made[1]["id"])
        with pytest.raises(grpc.aio.AioRpcError) as gone:
            await guest("get", collection="notes", id=made[1]["id"])
        assert gone.value.code() == grpc.StatusCode.NOT_FOUND


async def test_errors_map_to_statuses(api, served) -> None:
    async with grpc.aio.insecure_channel(served) as channel:
        guest = Client(channel)
        su = Client(channel, api.superuser_token)
        cases = [
            ("list", {"collection": "secrets"}, grpc.StatusCode.PERMISSION_DENIED),
            ("list", {"collection": "notes", "filter": "((("}, grpc.StatusCode.INVALID_ARGUMENT),
            ("list", {"collection": "nope"}, grpc.StatusCode.NOT_FOUND),
            ("get", {"collection": "secrets", "id": "x"}, grpc.StatusCode.PERMISSION_DENIED),
            (
                "create",
                {"collection": "notes", "record": struct({"rank": 1})},
                grpc.StatusCode.INVALID_ARGUMENT,
            ),
        ]
        for method, fields, code in cases:
            with pytest.raises(grpc.aio.AioRpcError) as failed:
                await guest(method, **fields)
            assert failed.value.code() == code, (method, fields, failed.value)
        # the validation errors travel as JSON in the trailing metadata, as REST's `data`
        with pytest.raises(grpc.aio.AioRpcError) as invalid:
            await guest("create", collection="notes", record=struct({"rank": 1}))
        data = dict(invalid.value.trailing_metadata())["bastion-error-data"]
        assert json.loads(data)["title"]["code"] == "validation_required"
        # a superuser passes the rules; a bad token is a guest, as in REST
        await su("create", collection="secrets", record=struct({"code": "x"}))
        assert (await su("list", collection="secrets")).total_items == 1
        bad = Client(channel, "not-a-token")
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await bad("list", collection="secrets")
        assert failed.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_subscribe_streams_the_events_a_caller_may_see(api, served) -> None:
    async with grpc.aio.insecure_channel(served) as channel:
        guest = Client(channel)
        stream = guest.subscribe(
            CLASSES["SubscribeRequest"](collection="notes", filter="public = true"), timeout=20
        )
        metadata = dict(await stream.initial_metadata())  # sent once the subscription holds
        assert len(metadata["bastion-subscription"]) == 40
        read = asyncio.ensure_future(stream.read())
        await api.create_record("notes", {"title": "hidden", "public": False})
        await api.create_record("notes", {"title": "shown", "public": True})
        event = await asyncio.wait_for(read, 10)
        assert event.action == "create" and event.record["title"] == "shown"
        stream.cancel()
        # a collection whose listRule only superusers pass: refused at once
        denied = guest.subscribe(CLASSES["SubscribeRequest"](collection="secrets"), timeout=5)
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await denied.read()
        assert failed.value.code() == grpc.StatusCode.PERMISSION_DENIED
    await asyncio.sleep(0.1)
    assert not api.app.realtime.clients  # the cancelled stream's client is gone


async def test_message_size_is_bounded(api) -> None:
    api.app.config.grpc_max_message_bytes = 4096
    server, port = await start_grpc(api.app, "127.0.0.1:0")
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as failed:
                await Client(channel)("create", collection="notes", record=struct({"title": "x" * 10_000}))
            assert failed.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        await server.stop(0)


def _reflect(address: str) -> tuple[list[str], Any]:
    """What grpcurl does: list the services, then build the request and answer types from the
    descriptors the server sends, and call Get with them (a blocking client: run in a thread)."""
    with grpc.insecure_channel(address) as channel:
        database = ProtoReflectionDescriptorDatabase(channel)
        services = sorted(database.get_services())
        pool = descriptor_pool.DescriptorPool(database)
        method = pool.FindServiceByName(SERVICE).FindMethodByName("List")
        request_class = message_factory.GetMessageClass(method.input_type)
        answer_class = message_factory.GetMessageClass(method.output_type)
        stub = channel.unary_unary(
            f"/{SERVICE}/List",
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=answer_class.FromString,
        )
        return services, stub(request_class(collection="notes", sort="title"), timeout=10)


async def test_reflection_lists_and_describes_the_service(api, served) -> None:
    await api.create_record("notes", {"title": "reflected"})
    services, page = await asyncio.to_thread(_reflect, served)
    assert services == ["bastion.v1.Records", "grpc.reflection.v1alpha.ServerReflection"]
    assert [item["title"] for item in page.items] == ["reflected"]


async def test_calls_share_the_rest_routes_rate_limits_and_counters(api, served) -> None:
    """Each call is counted as its REST twin: a guest over `*:list` gets RESOURCE_EXHAUSTED with
    `retry-after`, whichever protocol spent the budget; other actions and signed-in accounts keep
    their own counters; Subscribe counts as `/api/realtime`."""
    from bastion import ratelimit
    from tests.api.ratelimit.conftest import enable, rule
    from tests.conftest import FakeClock

    clock = FakeClock()
    ratelimit.attach(api.app, clock=clock)
    await enable(api, rule("*:list", 3), rule("notes:view", 1), rule("/api/realtime", 1))
    made = await api.create_record("notes", {"title": "one"})
    _, token = await api.create_user("limited@example.com")
    async with grpc.aio.insecure_channel(served) as channel:
        guest, user = Client(channel), Client(channel, token)
        assert (await api.request("GET", "/api/collections/notes/records")).status_code == 200
        await guest("list", collection="notes")
        await guest("list", collection="notes")
        with pytest.raises(grpc.aio.AioRpcError) as over:
            await guest("list", collection="notes")
        assert over.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert over.value.details() == "Too Many Requests."
        assert dict(over.value.trailing_metadata())["retry-after"].isdigit()
        assert (await api.request("GET", "/api/collections/notes/records")).status_code == 429
        await user("list", collection="notes")  # an account has its own counter
        await guest("get", collection="notes", id=made["id"])  # view: its own rule
        with pytest.raises(grpc.aio.AioRpcError) as view_over:
            await guest("get", collection="notes", id=made["id"])
        assert view_over.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        first = guest.subscribe(CLASSES["SubscribeRequest"](collection="notes"), timeout=10)
        await first.initial_metadata()
        second = guest.subscribe(CLASSES["SubscribeRequest"](collection="notes"), timeout=10)
        with pytest.raises(grpc.aio.AioRpcError) as stream_over:
            await second.read()
        assert stream_over.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        first.cancel()
        clock.advance(60)  # a new window
        await guest("list", collection="notes")
