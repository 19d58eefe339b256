"""The route table is what the app serves, and each route's flags reach the layer that reads them."""

from __future__ import annotations

from starlette.routing import Route

from bastion.api.asgi import create_asgi_app
from bastion.api.route_spec import route_for, whole_path_route
from bastion.api.route_table import BATCH_ROUTES, ROUTES


def test_each_route_is_listed_once() -> None:
    keys = [(route.method, route.path) for route in ROUTES]
    assert len(keys) == len(set(keys))
    assert sorted(BATCH_ROUTES) == ["create", "delete", "update"]
    assert [route.path for route in ROUTES if route.etag] == ["/api/collections/{collection}/records/{id}"]


async def test_the_app_serves_the_table_in_its_order(api) -> None:
    asgi = create_asgi_app(api.app, manage_lifecycle=False)
    while not hasattr(asgi, "router"):  # down through the middleware to the dispatcher
        asgi = asgi.app
    served = [(route.path, route.methods) for route in asgi.router.routes if isinstance(route, Route)]
    wanted = [
        (r.path, {r.method, "HEAD"} if r.method == "GET" else {r.method}) for r in ROUTES if not r.websocket
    ]
    assert served == wanted


def test_matching_follows_starlette_and_the_whole_path_for_batch() -> None:
    found = route_for(ROUTES, "GET", "/api/files/posts/abc/a.png")
    assert found is not None
    assert (
        found[0].limit is not None
        and found[0].limit.pattern == "GET /api/files/{collection}/{recordId}/{filename}"
    )
    assert found[1] == {"collection": "posts", "recordId": "abc", "filename": "a.png"}
    # Starlette's `$` takes a trailing newline; a batch url is matched whole
    assert route_for(ROUTES, "POST", "/api/collections/posts/records\n") is not None
    assert whole_path_route(BATCH_ROUTES.values(), "POST", "/api/collections/posts/records\n") is None
    assert whole_path_route(BATCH_ROUTES.values(), "GET", "/api/collections/posts/records") is None


async def test_only_the_record_view_answers_with_an_etag(api) -> None:
    await api.create_collection(
        {
            "name": "open",
            "type": "base",
            "listRule": "",
            "viewRule": "",
            "fields": [{"name": "t", "type": "text"}],
        }
    )
    record = await api.create_record("open", {"t": "x"})
    view = f"/api/collections/open/records/{record['id']}"
    got = await api.request("GET", view, headers={"Accept-Encoding": "identity"})
    head = await api.request("HEAD", view, headers={"Accept-Encoding": "identity"})
    assert got.headers["etag"] == head.headers["etag"] and head.content == b""
    assert (await api.request("GET", view, headers={"If-None-Match": got.headers["etag"]})).status_code == 304
    for path in ("/api/collections/open/records", "/api/collections/open", "/api/health"):
        answer = await api.su("GET", path)
        assert answer.status_code == 200 and "etag" not in answer.headers, path
