"""The import target that each granian worker loads: builds the App from the environment."""

from __future__ import annotations

from typing import Any

from bastion.api.asgi import create_asgi_app
from bastion.app import App
from bastion.config import load_config
from bastion.http.log_format import configure_logging


def create() -> Any:
    config = load_config()
    configure_logging(config.log_level, json=config.log_json)
    return create_asgi_app(App(config))
