"""/api/health — liveness, in PocketBase's shape; `canBackup` only for superusers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bastion.api.context import JSONResponse, load_access


async def health(request: Request) -> Response:
    data: dict[str, object] = {}
    # Only a signed-in caller can be a superuser: skip the auth work for the probes that hit
    # this route the most (load balancers, uptime checks), which send no token.
    signed_in = "authorization" in request.headers and (await load_access(request)).is_superuser
    if signed_in:
        data = {
            "canBackup": True,
            "realIP": request.scope.get("state", {}).get("client_ip", ""),
            "possibleProxyHeader": "",
        }
    body = {"code": 200, "data": data, "message": "API is healthy."}
    return JSONResponse(body) if request.method == "GET" else Response(status_code=200)


# Liveness stays shallow (as PocketBase's): without a token it never touches the database, not
# even for the periodic schema check, so a database outage never fails it; /api/ready is deep.
health.reads_schema = False  # type: ignore[attr-defined]

routes = [Route("/api/health", health, methods=["GET", "HEAD"])]
