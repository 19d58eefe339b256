"""`bastion serve` with realtime streams open: SIGTERM ends them with a retry hint and exits."""

from __future__ import annotations

import json
import signal
import threading

import httpx
import pytest

from tests.support.serve_process import assert_exits_cleanly, serving


def test_sigterm_ends_open_streams_and_exits_promptly(tmp_path):
    with serving(tmp_path / "data") as (proc, base):
        received: list[str] = []
        connected = threading.Event()

        def read_stream() -> None:
            with httpx.stream("GET", f"{base}/api/realtime", timeout=30) as r:
                for line in r.iter_lines():
                    received.append(line)
                    if line.startswith("event:PB_CONNECT"):
                        connected.set()

        readers = [threading.Thread(target=read_stream) for _ in range(3)]
        for t in readers:
            t.start()
            assert connected.wait(10), "no PB_CONNECT"
            connected.clear()

        proc.send_signal(signal.SIGTERM)
        assert_exits_cleanly(proc, timeout=8)  # well under the 10 s kill timeout
        for t in readers:
            t.join(5)
            assert not t.is_alive(), "a stream stayed open after the server exited"
        assert received.count("retry:1000") == 3  # every stream told its client to come back


def test_websocket_on_a_real_server_answers_and_ends_on_sigterm(tmp_path):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    with serving(tmp_path / "data") as (proc, base):
        with connect(base.replace("http://", "ws://") + "/api/realtime/ws", open_timeout=10) as ws:
            assert json.loads(ws.recv(10))["type"] == "connect"
            ws.send(json.dumps({"type": "subscribe", "subscriptions": ["users/*"]}))
            assert json.loads(ws.recv(10))["type"] == "ok"
            ws.send(json.dumps({"type": "ping"}))
            assert json.loads(ws.recv(10)) == {"type": "pong"}
            proc.send_signal(signal.SIGTERM)
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(10)
            # 1012 "service restart" when our close frame wins the race with granian's own
            # shutdown, which drops WebSockets without one (the in-process tests check the 1012)
            assert closed.value.rcvd is None or closed.value.rcvd.code == 1012
        # a clean exit; once in a loaded two-process suite run it took over 8 s (not reproduced
        # alone or under CPU load: 1.5-2.9 s), so the bound is the other serve tests' 20 s
        assert_exits_cleanly(proc, timeout=20)
