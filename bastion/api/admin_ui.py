"""The admin dashboard at `/_/` (index.html for every app route, hashed assets cached for a year)
and the API reference page at `/api/docs` (Swagger UI over /api/openapi.json, from the same build).

The dashboard routes with the URL hash (`/_/#/collections/posts`), so any `/_/…` path that is not an
asset answers with index.html (a reload or a pasted link never 404s). index.html itself is never
cached: it is the one file that names the current hashed bundles. Every answer carries a strict
Content-Security-Policy: the bundle has no inline script or style, so nothing but our own files may
run, and the dashboard may not be framed. Assets the build also wrote brotli-compressed
(`<name>.br`, the large ones) are sent that way to browsers that accept br, so the server never
compresses Swagger UI's 1.7 MB bundle per download.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bastion.errors import NotFoundError
from bastion.ui import DIST

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
IMMUTABLE = "public, max-age=31536000, immutable"
# Only names the build writes: <name>-<hash>.<ext>, no path separators, so no traversal is possible.
_ASSET = re.compile(r"^[A-Za-z0-9_]+-[A-Za-z0-9]{8,}\.(js|css|svg|map)$")
_TYPES = {
    "js": "text/javascript; charset=utf-8",
    "css": "text/css; charset=utf-8",
    "svg": "image/svg+xml",
    "map": "application/json",
}


def _headers(cache: str) -> dict[str, str]:
    return {"Cache-Control": cache, "Content-Security-Policy": CSP, "X-Frame-Options": "DENY"}


async def redirect_root(request: Request) -> Response:
    return RedirectResponse("/_/", status_code=301)


async def serve(request: Request) -> Response:
    path = request.path_params.get("path", "")
    if path.startswith("assets/"):
        name = path[len("assets/") :]
        file = DIST / "assets" / name
        if not _ASSET.match(name) or not file.is_file():
            raise NotFoundError()
        headers = _headers(IMMUTABLE)
        packed = file.with_name(name + ".br")
        if packed.is_file():
            headers["Vary"] = "Accept-Encoding"
            if _accepts_brotli(request.headers.get("accept-encoding", "")):
                headers["Content-Encoding"] = "br"
                file = packed
        return Response(file.read_bytes(), media_type=_TYPES[name.rsplit(".", 1)[1]], headers=headers)
    return _page("index.html")


async def api_docs(request: Request) -> Response:
    """GET /api/docs: the API reference page; its script fetches /api/openapi.json (with the
    dashboard's superuser token when this browser holds one)."""
    return _page("api_docs.html")


def _page(name: str) -> Response:
    page = DIST / name
    if not page.is_file():
        raise NotFoundError("The admin dashboard is not built (run ui/build.sh).")
    return Response(page.read_bytes(), media_type="text/html; charset=utf-8", headers=_headers("no-cache"))


def _accepts_brotli(accept_encoding: str) -> bool:
    for part in accept_encoding.lower().split(","):
        coding, _, params = part.partition(";")
        if coding.strip() == "br":
            return params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False
