"""/api/ready — readiness for load balancers and Kubernetes: can this node serve requests now?

`/api/health` is liveness, shallow as PocketBase's: it answers 200 while the process runs, so a
restart is never triggered by a database outage. Readiness asks the database a trivial query
within `db_ready_timeout` seconds: 200 `{"code": 200, "message": "API is ready.", "data": {}}`
when it answers, else 503 in PocketBase's error shape with Retry-After, so a balancer sends
traffic elsewhere until the database is back. (PocketBase has no such route: it is an addition.)

The pub/sub between processes is deliberately not part of it: while it is away REST works and only
realtime events stop crossing processes (docs/scaling.md), and since every node shares it, a
readiness tied to it would take every node out of the balancer at once. `/metrics` reports it
instead (`bastion_realtime_pubsub_up`, api/metrics.py) for an alert.

The route is not wrapped by `guard`: a probe must neither wait on the periodic schema check (a
statement with the full statement timeout) nor count against the rate limits; it renders its own
answers. It goes through the same pool as requests, so a pool that stays exhausted past the
timeout also reads as "not ready".
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import JSONResponse, get_app
from bastion.api.database_faults import database_fault_response
from bastion.http.errors import render_unexpected
from bastion.store.errors import DatabaseUnavailable


async def ready(request: Request) -> Response:
    app = get_app(request)
    try:
        await app.db.ping(app.config.db_ready_timeout)
    except DatabaseUnavailable as exc:
        response = database_fault_response(exc, request.scope, request.headers.get("accept"))
        return response if request.method == "GET" else Response(status_code=503, headers=_retry(response))
    except Exception as exc:  # not a database fault: a bug, answered as guard would
        return render_unexpected(exc, request.headers.get("accept"))
    body = {"code": 200, "data": {}, "message": "API is ready."}
    return JSONResponse(body) if request.method == "GET" else Response(status_code=200)


def _retry(response: Response) -> dict[str, str]:
    value = response.headers.get("retry-after")
    return {"Retry-After": value} if value else {}
