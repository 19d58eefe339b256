"""Peak memory of a `bastion serve` process while a 1 GB file is uploaded and downloaded.

    .venv/bin/python bench/file_memory.py [--size-mb 1024] [--s3-endpoint http://127.0.0.1:PORT]

Starts a real server on a temporary data dir, uploads one file with curl (multipart, streamed)
into a file field, downloads it back with curl, and samples the resident set size (VmRSS) of the
server's process tree every 20 ms. Prints the baseline and the peak of each phase. Not a test:
the numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.serve_process import BASTION, start_serve  # noqa: E402

EMAIL, PASSWORD = "mem@example.com", "a-long-password-1"


def tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            todo.extend(int(c) for c in task.read_text().split())
    return out


def rss_kb(pid: int) -> int:
    total = 0
    for p in tree(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


class Sampler:
    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.02)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def curl(*args: str) -> str:
    return subprocess.run(
        ["curl", "-sS", "--fail-with-body", *args], check=True, capture_output=True, text=True
    ).stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--s3-endpoint", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        subprocess.run([BASTION, "superuser", "upsert", EMAIL, PASSWORD, "--dir", str(data)], check=True)
        big = Path(tmp) / "big.bin"
        with big.open("wb") as f:
            f.truncate(args.size_mb << 20)  # sparse zeros: cheap to make, streamed like any file
        proc, base = start_serve(data)
        try:
            auth = json.loads(
                curl(
                    f"{base}/api/collections/_superusers/auth-with-password",
                    "-H", "content-type: application/json",
                    "-d", json.dumps({"identity": EMAIL, "password": PASSWORD}),
                )
            )["token"]  # fmt: skip
            hdr = ["-H", f"Authorization: {auth}"]
            if args.s3_endpoint:
                from tests.support.s3_server import new_bucket_settings

                s3 = json.dumps({"s3": new_bucket_settings(args.s3_endpoint)})
                curl(
                    f"{base}/api/settings",
                    "-X",
                    "PATCH",
                    *hdr,
                    "-H",
                    "content-type: application/json",
                    "-d",
                    s3,
                )
            collection = {
                "name": "big",
                "fields": [
                    {"name": "blob", "type": "file", "maxSelect": 1, "maxSize": (args.size_mb + 1) << 20}
                ],
            }
            curl(
                f"{base}/api/collections",
                *hdr,
                "-H",
                "content-type: application/json",
                "-d",
                json.dumps(collection),
            )
            time.sleep(1.5)
            baseline = rss_kb(proc.pid)
            with Sampler(proc.pid) as up:
                started = time.monotonic()
                rec = json.loads(curl(f"{base}/api/collections/big/records", *hdr, "-F", f"blob=@{big}"))
                up_s = time.monotonic() - started
            url = f"{base}/api/files/big/{rec['id']}/{rec['blob']}"
            with Sampler(proc.pid) as down:
                started = time.monotonic()
                size = curl(url, "-o", "/dev/null", "-w", "%{size_download}")
                down_s = time.monotonic() - started
            assert int(size) == args.size_mb << 20, size
        finally:
            proc.terminate()
            proc.communicate(timeout=30)
    storage = "s3 (moto)" if args.s3_endpoint else "local disk"
    print(f"file: {args.size_mb} MB, storage: {storage}")
    print(f"server RSS baseline:       {baseline / 1024:8.1f} MB")
    print(f"server RSS peak, upload:   {up.peak / 1024:8.1f} MB  ({up_s:.1f} s)")
    print(f"server RSS peak, download: {down.peak / 1024:8.1f} MB  ({down_s:.1f} s)")


if __name__ == "__main__":
    main()
