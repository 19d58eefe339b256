"""GET /api/openapi.json (and .yaml) — the OpenAPI 3.1 document of this server, generated from the
live schema.

The document is built once per schema, load of the hook files and caller class (superuser, or
anyone else: see openapi_document.py for what each sees) and kept, encoded, in the schema
registry's memo keyed by the schema stamp and the hooks' generation as well: any collection change
swaps in a new registry snapshot whose memo starts empty, a `--dev` reload of the hook files
counts a new generation (App.use_hooks), so the next request rebuilds it, and the memo's bound
keeps it to a few entries per schema.
Its size grows with the schema only (the request's values take no part in it). The YAML form is
the same document, encoded by PyYAML (its C dumper when built with libyaml) and memoised the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from bastion.api.context import get_app, load_access
from bastion.api.openapi_document import build_document
from bastion.api.route_spec import ApiRoute, Handler

_encoder = msgspec.json.Encoder()


def _yaml(document: object) -> bytes:
    import yaml  # only this route needs PyYAML: not loaded into every worker

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    return text.encode()


_FORMATS: dict[str, tuple[Callable[[object], bytes], str]] = {
    "json": (_encoder.encode, "application/json"),
    "yaml": (_yaml, "application/yaml"),  # RFC 9512
}


def handler(routes: Callable[[], Iterable[ApiRoute]], form: str = "json") -> Handler:
    """The handler over the route table `routes()` answers (a callable: the table lists this
    handler, so it is read at request time), in `form`: "json" or "yaml"."""
    encode, media_type = _FORMATS[form]

    async def openapi_document(request: Request) -> Response:
        app = get_app(request)
        superuser = "authorization" in request.headers and (await load_access(request)).is_superuser
        hooks, generation = app.hooks, app.hooks_generation  # a --dev reload swaps both
        key = (f"openapi.{form}", superuser, app.stamp.known.schema, generation)
        body = app.registry.memo.get(key)
        if not isinstance(body, bytes):
            # built without awaiting: the registry cannot change under it
            document = build_document(routes(), app.registry.all(), superuser, hooks.routes)
            body = encode(document)
            app.registry.remember(key, body)
        return Response(body, media_type=media_type)

    openapi_document.__name__ = f"openapi_{form}"  # the document's summary is made from it
    return openapi_document
