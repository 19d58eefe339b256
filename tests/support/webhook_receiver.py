"""A real HTTP receiver for webhook tests: a threaded stdlib server that verifies every request.

Every request's signature is checked with the `standardwebhooks` package (the receiver's side of
the spec, not Bastion's code), and kept as a `Delivery` with its headers, JSON body and whether it
verified. What it answers is chosen per test:

- `fail_first`: the first N requests of each `webhook-id` get 500, later ones 200;
- `status`: answer every request with this status (e.g. 302 with a Location: redirects);
- `hang`: never answer (the request waits until `stop()`): a receiver that times out;
- `keep_alive`: speak HTTP/1.1 and keep connections open between requests, as most receivers do
  (each Delivery's `peer_port` then tells which connection carried it).

`wait_for(n)` waits (bounded) until n requests have arrived.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError


@dataclass
class Delivery:
    headers: dict[str, str]
    body: dict[str, Any]
    verified: bool
    answered: int  # the status it was answered with (0: never answered)
    peer_port: int = 0  # the sender's port: one per connection

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    @property
    def type(self) -> str:
        return str(self.body.get("type"))

    @property
    def record(self) -> dict[str, Any]:
        return dict(self.body["data"]["record"])


class WebhookReceiver:
    def __init__(
        self,
        secret: str = "",
        *,
        fail_first: int = 0,
        status: int = 200,
        hang: bool = False,
        keep_alive: bool = False,
    ) -> None:
        self.secret = secret  # set before requests arrive (a created webhook's generated secret)
        self.fail_first = fail_first
        self.status = status
        self.hang = hang
        self.deliveries: list[Delivery] = []
        self._seen: Counter[str] = Counter()
        self._lock = threading.Condition()
        self._stopping = threading.Event()
        handler = self._handler_class()
        if keep_alive:
            handler.protocol_version = "HTTP/1.1"
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Delivery]:
        """The deliveries once at least `count` have arrived (AssertionError after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.deliveries) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(self.deliveries)} of {count} webhook deliveries arrived")
                self._lock.wait(left)
            return list(self.deliveries)

    def _answer_for(self, webhook_id: str) -> int:
        with self._lock:
            self._seen[webhook_id] += 1
            if self._seen[webhook_id] <= self.fail_first:
                return 500
        return self.status

    def _keep(self, delivery: Delivery) -> None:
        with self._lock:
            self.deliveries.append(delivery)
            self._lock.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if len(raw) < length:
                    # the sender went away mid-body (a process killed during a delivery): no
                    # request arrived, as a receiver's HTTP framework would see it
                    self.close_connection = True
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                try:
                    Webhook(receiver.secret).verify(raw, headers)
                    verified = True
                except WebhookVerificationError:
                    verified = False
                body = json.loads(raw or b"{}")
                if receiver.hang:
                    receiver._keep(Delivery(headers, body, verified, 0))
                    receiver._stopping.wait(30)
                    return
                status = receiver._answer_for(headers.get("webhook-id", ""))
                receiver._keep(Delivery(headers, body, verified, status, self.client_address[1]))
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url + "/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
                pass

        return Handler
