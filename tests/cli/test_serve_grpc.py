"""`bastion serve --grpc HOST:PORT` as users run it: two workers serving gRPC on one address
beside HTTP, a grpcio client's List and a Subscribe stream receiving a record created over REST
(whichever worker each landed on); the message when grpcio is missing."""

from __future__ import annotations

import asyncio
import sys

import httpx
import pytest
from click.testing import CliRunner

from bastion.cli.main import main
from tests.conftest import SUPERUSER_EMAIL, SUPERUSER_PASSWORD
from tests.support.serve_process import BASTION, free_port, serving

grpc = pytest.importorskip("grpc")

from bastion.api.grpc_messages import CLASSES, SERVICE  # noqa: E402


def _superuser_token(base: str, data_dir) -> str:
    import subprocess

    subprocess.run(
        [BASTION, "superuser", "upsert", SUPERUSER_EMAIL, SUPERUSER_PASSWORD, "--dir", str(data_dir)],
        check=True,
        capture_output=True,
    )
    r = httpx.post(
        f"{base}/api/collections/_superusers/auth-with-password",
        json={"identity": SUPERUSER_EMAIL, "password": SUPERUSER_PASSWORD},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


async def _list_and_subscribe(address: str, base: str, token: str) -> None:
    serialize = lambda m: m.SerializeToString()  # noqa: E731
    async with grpc.aio.insecure_channel(address) as channel:
        list_call = channel.unary_unary(
            f"/{SERVICE}/List",
            request_serializer=serialize,
            response_deserializer=CLASSES["ListReply"].FromString,
        )
        page = await list_call(CLASSES["ListRequest"](collection="notes"), timeout=10)
        assert page.total_items == 0
        subscribe = channel.unary_stream(
            f"/{SERVICE}/Subscribe",
            request_serializer=serialize,
            response_deserializer=CLASSES["RecordEvent"].FromString,
        )
        stream = subscribe(CLASSES["SubscribeRequest"](collection="notes"), timeout=20)
        await stream.initial_metadata()  # the subscription holds
        read = asyncio.ensure_future(stream.read())
        async with httpx.AsyncClient(base_url=base) as http:
            for _ in range(3):  # over new connections: the kernel may hand them to either worker
                r = await http.post("/api/collections/notes/records", json={"title": "hello"})
                assert r.status_code == 200, r.text
        event = await asyncio.wait_for(read, 10)
        assert event.action == "create" and event.record["title"] == "hello"
        stream.cancel()
        # a second channel may land on the other worker: it answers the same
        async with grpc.aio.insecure_channel(address) as other:
            list_other = other.unary_unary(
                f"/{SERVICE}/List",
                request_serializer=serialize,
                response_deserializer=CLASSES["ListReply"].FromString,
            )
            headers = (("authorization", token),)
            page = await list_other(CLASSES["ListRequest"](collection="notes"), metadata=headers, timeout=10)
            assert page.total_items == 3


def test_grpc_beside_http_in_every_worker(tmp_path) -> None:
    address = f"127.0.0.1:{free_port()}"
    with serving(tmp_path / "data", args=("--grpc", address, "--workers", "2")) as (proc, base):
        token = _superuser_token(base, tmp_path / "data")
        r = httpx.post(
            f"{base}/api/collections",
            headers={"Authorization": token},
            json={
                "name": "notes",
                "listRule": "",
                "viewRule": "",
                "createRule": "",
                "fields": [{"name": "title", "type": "text"}],
            },
        )
        assert r.status_code == 200, r.text
        asyncio.run(_list_and_subscribe(address, base, token))
        assert f"gRPC:      {address}" in proc.stderr_so_far()


def test_without_grpcio_the_message_says_what_to_install(tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "grpc_reflection", None)  # as if not installed
    result = CliRunner().invoke(
        main, ["serve", "--grpc", "127.0.0.1:50551", "--dir", str(tmp_path / "data")], catch_exceptions=False
    )
    assert result.exit_code == 1
    assert "pip install 'bastion[grpc]'" in result.output
    assert not (tmp_path / "data").exists()  # refused before anything was made
