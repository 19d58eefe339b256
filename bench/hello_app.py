"""The ceiling: the smallest ASGI app, served by granian the way `bastion serve` serves Bastion.

Whatever Bastion loses against this on `health` is framework + app overhead, not the server.
"""

BODY = b'{"message":"API is healthy.","code":200,"data":{}}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return  # lifespan: nothing to set up
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
