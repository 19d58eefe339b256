"""The package's public surface: what the app and handlers import from `bastion.http`."""

from __future__ import annotations

import bastion.http


def test_public_names_are_importable_and_listed():
    for name in bastion.http.__all__:
        assert getattr(bastion.http, name) is not None, name
    assert {"build_middleware_stack", "HttpSettings", "error_response", "etag_for"} <= set(
        bastion.http.__all__
    )
