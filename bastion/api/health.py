"""/api/health — liveness, in PocketBase's shape; `canBackup`, `realIP` and the proxy hint only for superusers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import JSONResponse, get_app, load_access, picked
from bastion.api.http_policy import trusted_proxy_of

# Headers that betray a reverse proxy in front even when `trustedProxy` names none (PocketBase's list):
# the dashboard uses the hint to remind a superuser to configure it.
_COMMON_PROXY_HEADERS = ("CF-Connecting-IP", "Fly-Client-IP", "X-Forwarded-For")


async def health(request: Request) -> Response:
    data: dict[str, object] = {}
    # Only a signed-in caller can be a superuser: skip the auth work for the probes that hit
    # this route the most (load balancers, uptime checks), which send no token.
    signed_in = "authorization" in request.headers and (await load_access(request)).is_superuser
    if signed_in:
        data = {
            # as PocketBase: false while a backup or a restore runs (on any worker; a restore's
            # lock is held until the server has restarted on the restored data)
            "canBackup": get_app(request).backups.active_name() is None,
            "realIP": request.scope.get("state", {}).get("client_ip", ""),
            "possibleProxyHeader": possible_proxy_header(request),
        }
    body = {"code": 200, "data": data, "message": "API is healthy."}
    if request.method != "GET":
        return Response(status_code=200)
    return JSONResponse(picked(body, request.query_params))


def possible_proxy_header(request: Request) -> str:
    """The first of the configured `trustedProxy` headers, then the common proxy headers, that the
    request carries with a value; "" when none (PocketBase's loose check)."""
    names, _ = trusted_proxy_of(get_app(request).settings)
    for name in (*names, *_COMMON_PROXY_HEADERS):
        if request.headers.get(name):
            return name
    return ""
