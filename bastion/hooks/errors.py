"""The errors a hook raises to refuse a write or answer a route: PocketBase's error JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bastion import errors
from bastion.errors import StartupError, field_error


class HookError(errors.ApiError):
    """Refuse the write (or answer the route) with `status` and `message`, in PocketBase's shape
    `{"status", "message", "data"}`: `raise HookError(403, "Posts are closed on Sundays.")`."""

    def __init__(self, status: int, message: str, data: dict[str, Any] | None = None) -> None:
        if not 400 <= status <= 599:
            raise ValueError(f"HookError's status must be 400 to 599, got {status}")
        self.status = status
        super().__init__(message, data)


class ValidationError(errors.ValidationError):
    """A 400 naming fields: `raise ValidationError({"title": "Must not shout."})`. A value is a
    message (code `validation_invalid_value`) or a `(code, message)` pair."""

    def __init__(
        self, fields: Mapping[str, str | tuple[str, str]], message: str = "Failed to validate."
    ) -> None:
        super().__init__({name: as_field_error(value) for name, value in fields.items()}, message)


def as_field_error(value: str | tuple[str, str]) -> dict[str, Any]:
    if isinstance(value, tuple):
        code, message = value
        return field_error(code, message)
    return field_error("validation_invalid_value", value)


class HookLoadError(StartupError):
    """A hook file cannot be loaded (a syntax error, an exception at import, a bad registration):
    the message names the file and line, and `bastion serve` stops with it."""
