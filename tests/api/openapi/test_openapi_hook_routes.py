"""The routes hook files add are in the OpenAPI document (docs/openapi.md), for every caller, as
they are answered (a route a built-in one takes is left out), and a `--dev` reload of the hook
files changes the next document."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from bastion.api.openapi_document import build_document
from bastion.api.route_table import ROUTES
from bastion.config import Config
from bastion.hooks import Hook, HookRoute
from tests.api.hooks.hook_files import write_hooks
from tests.api.openapi.test_openapi_api import document
from tests.conftest import signed_in_api

GREETINGS = '''
from bastion.hooks import hooks


@hooks.route("GET", "/api/hello/{name}")
async def hello(e):
    """Greet someone by name.

    Not in the summary."""
    return {"message": "Hello " + e.path_params["name"]}


@hooks.route("POST", "/api/hello/{who}")
async def hello_back(e):
    return {"body": await e.body()}


@hooks.route("GET", "/api/hello/{other}")
def never(e):  # the first route takes it
    return {}


@hooks.route("GET", "/api/health")
def shadowed(e):  # the built-in route takes it
    return {"hook": True}
'''


async def test_hook_routes_are_described_and_follow_a_reload(tmp_path: Path) -> None:
    folder = write_hooks(tmp_path / "bastion_hooks", greetings=GREETINGS)
    config = Config(data_dir=tmp_path / "data", hooks_dir=str(folder), dev=True)
    async with signed_in_api(config) as api:
        assert (await api.request("GET", "/api/hello/ann")).json() == {"message": "Hello ann"}
        guest = await document(api)
        validate(guest)
        hello = guest["paths"]["/api/hello/{name}"]
        assert hello["parameters"] == [
            {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}
        ]
        get = hello["get"]
        assert get["summary"] == "Greet someone by name."
        assert get["tags"] == ["Hooks"] and get["operationId"] == "hooks.getApiHelloName"
        assert get["responses"]["200"]["content"]["application/json"] == {"schema": {}}
        assert get["responses"]["default"] == {"$ref": "#/components/responses/Error"}
        assert "requestBody" not in get
        post = hello["post"]  # `{who}` is the same path as `{name}`
        assert post["summary"] == "Hello back" and post["requestBody"]["required"] is False
        assert "/api/hello/{other}" not in guest["paths"] and "/api/hello/{who}" not in guest["paths"]
        assert guest["paths"]["/api/health"]["get"]["tags"] == ["Health"]
        assert [t for t in guest["tags"] if t["name"] == "Hooks"][0]["description"].startswith("Routes")
        su = await document(api, api.superuser_token)
        validate(su)
        assert su["paths"]["/api/hello/{name}"] == hello

        # a --dev reload: the next document describes the routes now loaded
        reloader = api.app._hook_reloader
        assert reloader is not None
        changed = GREETINGS.replace("Greet someone by name.", "Say hello.").replace(
            '@hooks.route("POST", "/api/hello/{who}")', '@hooks.route("PUT", "/api/greetings")'
        )
        write_hooks(folder, greetings=changed)
        assert reloader.check()
        for token in (None, api.superuser_token):
            doc = await document(api, token)
            validate(doc)
            assert doc["paths"]["/api/hello/{name}"]["get"]["summary"] == "Say hello."
            assert "post" not in doc["paths"]["/api/hello/{name}"]
            assert doc["paths"]["/api/greetings"]["put"]["operationId"] == "hooks.putApiGreetings"
        write_hooks(folder, greetings="")
        assert reloader.check()
        doc = await document(api)
        assert "/api/hello/{name}" not in doc["paths"] and "/api/greetings" not in doc["paths"]
        assert "Hooks" not in {tag["name"] for tag in doc["tags"]}


def _route(method: str, path: str, fn: Callable[[Any], Any]) -> HookRoute:
    return HookRoute(method, path, Hook(fn, False, None, "hooks.py", 1))


def test_operation_ids_stay_unique_and_unanswerable_paths_stay_out() -> None:
    def a(e: Any) -> None:
        """First."""

    def b(e: Any) -> None:
        pass

    hook_routes = [
        _route("GET", "/api/a-b", a),
        _route("GET", "/api/a/b", b),  # the same words: a suffixed operationId
        _route("GET", "/api/files/{rest:path}", b),  # Starlette's convertor: one string
        _route("GET", "/api/bad/{x:nope}", b),  # Starlette cannot compile it: never answered
        _route("DELETE", "/api/logs/{key}", b),  # the built-in /api/logs/{id}'s path, another method
    ]
    doc = build_document(ROUTES, [], False, hook_routes)
    validate(doc)
    paths = doc["paths"]
    assert paths["/api/a-b"]["get"]["operationId"] == "hooks.getApiAB"
    assert paths["/api/a/b"]["get"]["operationId"] == "hooks.getApiAB_2"
    assert paths["/api/a-b"]["get"]["summary"] == "First." and paths["/api/a/b"]["get"]["summary"] == "B"
    assert paths["/api/files/{rest}"]["parameters"][0]["name"] == "rest"
    assert not any(path.startswith("/api/bad") for path in paths)
    assert "/api/logs/{key}" not in paths and paths["/api/logs/{id}"]["delete"]["tags"] == ["Hooks"]
