"""/api/realtime — PocketBase's SSE protocol (filled in by the realtime work)."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
