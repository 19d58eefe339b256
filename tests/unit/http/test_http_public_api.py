"""The package's public surface: what the app and handlers import from `bastion.http`."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import bastion.http
from bastion.http import stack


def test_public_names_are_importable_and_listed():
    listed = bastion.http.__all__
    assert len(set(listed)) == len(listed)
    assert [name for name in listed if not hasattr(bastion.http, name)] == []
    # and nothing the package imports for its users is left out of the list
    offered = {
        name
        for name, obj in vars(bastion.http).items()
        if not name.startswith("_") and not inspect.ismodule(obj) and name != "annotations"
    }
    assert offered == set(listed)
    assert {"build_middleware_stack", "HttpSettings", "error_response", "etag_for"} <= set(
        bastion.http.__all__
    )


def test_every_middleware_is_a_layer_of_the_stack():
    """No stand-alone middleware that only tests use: each one bastion.http defines is put in
    order by build_middleware_stack (the edge layer applies request id, access log, timing,
    security headers and CORS)."""
    defined = {
        name: obj
        for module in pkgutil.iter_modules(bastion.http.__path__)
        for name, obj in vars(importlib.import_module(f"bastion.http.{module.name}")).items()
        if inspect.isclass(obj) and name.endswith("Middleware") and obj.__module__.startswith("bastion.http.")
    }
    assert defined and {name for name, obj in defined.items() if vars(stack).get(name) is not obj} == set()
