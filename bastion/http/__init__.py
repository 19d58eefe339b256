"""HTTP core: pure-ASGI middleware, error rendering and the stack that puts them in order."""

from bastion.http.body_limit import DEFAULT_MAX_BODY_BYTES, BodyLimitMiddleware
from bastion.http.compression import CompressionMiddleware
from bastion.http.conditional import ConditionalGetMiddleware, etag_for, if_match_satisfied
from bastion.http.cors import CorsPolicy
from bastion.http.edge import EdgeMiddleware
from bastion.http.errors import error_response, render_unexpected, wants_problem_json
from bastion.http.log_format import JsonFormatter, TextFormatter, configure_logging
from bastion.http.proxy import ClientResolver
from bastion.http.stack import HttpSettings, build_middleware_stack
from bastion.http.timing import Timings

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "BodyLimitMiddleware",
    "ClientResolver",
    "CompressionMiddleware",
    "ConditionalGetMiddleware",
    "CorsPolicy",
    "EdgeMiddleware",
    "HttpSettings",
    "JsonFormatter",
    "TextFormatter",
    "Timings",
    "build_middleware_stack",
    "configure_logging",
    "error_response",
    "etag_for",
    "if_match_satisfied",
    "render_unexpected",
    "wants_problem_json",
]
