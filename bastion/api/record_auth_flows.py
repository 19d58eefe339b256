"""Auth collection flows that send mail: verification, password reset, email change."""

from __future__ import annotations

from starlette.routing import Route

routes: list[Route] = []
