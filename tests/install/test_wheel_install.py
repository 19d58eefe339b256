"""`pip install` of the built wheel, no dev tools: every import is declared, and `bastion serve`
from that venv answers what a first app needs (auth methods, sign-in, an upload, a thumbnail, a
realtime event)."""

from __future__ import annotations

import io
import json
import signal
import subprocess
import threading
from pathlib import Path

import httpx
from PIL import Image

from tests.install.conftest import PlainInstall
from tests.support.serve_process import assert_exits_cleanly, serving

AUDIT = Path(__file__).with_name("import_audit.py")
EMAIL, PASSWORD = "root@example.com", "a-long-password"


def test_every_runtime_import_is_a_declared_dependency(plain_install: PlainInstall, tmp_path: Path):
    r = subprocess.run(
        [plain_install.python, str(AUDIT)], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["broken"] == {}, "modules that fail to import in a plain install"
    assert report["undeclared"] == {}, "imported but not in [project.dependencies]"
    # the traces' module needs the otel extra, which a plain install leaves out
    assert "bastion.obs.tracing_otel" in report["extras"]
    # and the gRPC service's the grpc extra
    assert "bastion.api.grpc_server" in report["extras"]


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def test_serve_from_the_wheel(plain_install: PlainInstall, tmp_path: Path):
    data = tmp_path / "data"
    upsert = subprocess.run(
        [plain_install.bastion, "superuser", "upsert", EMAIL, PASSWORD, "--dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert upsert.returncode == 0, upsert.stderr
    with (
        serving(data, bastion=plain_install.bastion) as (proc, base),
        httpx.Client(base_url=base, timeout=15) as api,
    ):
        methods = api.get("/api/collections/users/auth-methods")
        assert methods.status_code == 200, methods.text
        assert methods.json()["password"]["enabled"] is True
        login = api.post(
            "/api/collections/_superusers/auth-with-password",
            json={"identity": EMAIL, "password": PASSWORD},
        )
        assert login.status_code == 200, login.text
        auth = {"Authorization": login.json()["token"]}
        created = api.post(
            "/api/collections",
            headers=auth,
            json={
                "name": "photos",
                "listRule": "",
                "viewRule": "",
                "fields": [
                    {"name": "title", "type": "text"},
                    {"name": "image", "type": "file", "maxSelect": 1, "thumbs": ["20x10"]},
                ],
            },
        )
        assert created.status_code == 200, created.text

        events: list[dict] = []
        got_event, connected = threading.Event(), threading.Event()
        client_id: list[str] = []

        def listen() -> None:
            with httpx.stream("GET", f"{base}/api/realtime", timeout=30) as stream:
                name = ""
                for line in stream.iter_lines():
                    if line.startswith("event:"):
                        name = line[len("event:") :]
                    elif line.startswith("data:") and name == "PB_CONNECT":
                        client_id.append(json.loads(line[len("data:") :])["clientId"])
                        connected.set()
                    elif line.startswith("data:") and name == "photos":
                        events.append(json.loads(line[len("data:") :]))
                        got_event.set()
                        return

        reader = threading.Thread(target=listen, daemon=True)
        reader.start()
        assert connected.wait(15), "no PB_CONNECT"
        sub = api.post("/api/realtime", json={"clientId": client_id[0], "subscriptions": ["photos"]})
        assert sub.status_code == 204, sub.text

        upload = api.post(
            "/api/collections/photos/records",
            headers=auth,
            data={"title": "red"},
            files={"image": ("red.png", _png(64, 48), "image/png")},
        )
        assert upload.status_code == 200, upload.text
        record = upload.json()
        assert got_event.wait(15), "no realtime event for the new record"
        assert events[0]["action"] == "create" and events[0]["record"]["id"] == record["id"]

        url = f"/api/files/photos/{record['id']}/{record['image']}"
        original = api.get(url)
        assert original.status_code == 200 and original.headers["content-type"] == "image/png"
        thumb = api.get(url, params={"thumb": "20x10"})
        assert thumb.status_code == 200, thumb.text
        assert Image.open(io.BytesIO(thumb.content)).size == (20, 10)

        proc.send_signal(signal.SIGTERM)
        assert_exits_cleanly(proc, timeout=20)
        reader.join(5)
