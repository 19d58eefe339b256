"""The import target that each granian worker loads: builds the App from the environment."""

from __future__ import annotations

import gc
import logging
import os
import signal
from typing import Any

from bastion.api.asgi import create_asgi_app
from bastion.app import App
from bastion.config import load_config
from bastion.http.log_format import configure_logging

# Collect the youngest generation after 50,000 allocations instead of 700. A node holding
# thousands of streams has millions of long-lived objects, and the default thresholds ran full
# collections every few fan-outs: at 10,000 SSE subscribers, 3 writes in 10 took 1.4 s instead
# of 0.35 s (bench/realtime_fanout.py, pinned). Short-lived request objects now mostly die
# before a collection sees them.
GC_THRESHOLDS = (50_000, 20, 100)

# `bastion serve` (cli/main.py) restarts itself, workers included, on this signal: a worker sends
# it once a restored backup is in the data directory. The server's pid is in this variable.
RESTART_SIGNAL = signal.SIGUSR1
SERVE_PID_VARIABLE = "BASTION_SERVE_PID"


def tune_gc() -> None:
    """After start-up: move what start-up built (modules, schema, settings) out of the collector's
    sight for good, and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create() -> Any:
    config = load_config()
    json = {"json": True, "text": False}.get(config.log_format)  # auto: None, decided per destination
    configure_logging(config.log_level, json=json, access=config.log_access)
    app = App(config)
    serve_pid = int(os.environ.get(SERVE_PID_VARIABLE) or 0)
    if serve_pid and serve_pid == os.getppid():  # a worker of `bastion serve`

        async def restart_server() -> None:
            logging.getLogger("bastion.backups").info("backup restored: restarting the server")
            os.kill(serve_pid, RESTART_SIGNAL)

        app.restart_process = restart_server
    return create_asgi_app(app, on_started=tune_gc)
