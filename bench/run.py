"""Bastion next to PocketBase 0.40.6 on the same machine, same data, same load generator.

    .venv/bin/python bench/run.py [--seconds 10] [--records 10000] [--pin]

Starts both servers on loopback, seeds each with the same collection (`posts`: text, number, bool,
select, json and a relation to `users`), then drives the same workloads with wrk (Debian package
`wrk`; installed by this script when missing). Each run is bounded by --seconds. Prints a table
of req/s and latency with the ratio Bastion / PocketBase, and writes it as JSON under
bench/results/. With --pin, each server runs on CPU 0 and wrk on CPU 1 (taskset).
(A first version for the core issue; the benchmark issue extends the workloads.)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EMAIL, PASSWORD = "bench@example.com", "benchpass1234"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(kind: str, workdir: Path, pin: bool) -> tuple[subprocess.Popen[bytes], str]:
    exe = str(BIN / ("pocketbase" if kind == "pocketbase" else "bastion"))
    data = workdir / kind
    subprocess.run(
        [exe, "superuser", "upsert", EMAIL, PASSWORD, "--dir", str(data)], check=True, capture_output=True
    )
    port = free_port()
    cmd = [exe, "serve", "--http", f"127.0.0.1:{port}", "--dir", str(data)]
    if pin:
        cmd = ["taskset", "-c", "0", *cmd]
    log = open(workdir / f"{kind}.log", "wb")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "BASTION_LOG_LEVEL": "warning"}
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{kind} did not start; see {workdir / (kind + '.log')}")


def seed(base: str, n: int) -> dict[str, str]:
    c = httpx.Client(base_url=base, timeout=60)
    token = c.post(
        "/api/collections/_superusers/auth-with-password", json={"identity": EMAIL, "password": PASSWORD}
    ).json()["token"]
    h = {"Authorization": token}
    users = c.get("/api/collections/users", headers=h).json()
    c.patch(
        "/api/settings",
        headers=h,
        json={"batch": {"enabled": True, "maxRequests": 1000, "timeout": 60, "maxBodySize": 0}},
    )
    r = c.post(
        "/api/collections",
        headers=h,
        json={
            "name": "posts",
            "listRule": "",
            "viewRule": "",
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "views", "type": "number"},
                {"name": "published", "type": "bool"},
                {"name": "status", "type": "select", "values": ["draft", "live", "archived"], "maxSelect": 1},
                {"name": "meta", "type": "json"},
                {"name": "author", "type": "relation", "collectionId": users["id"], "maxSelect": 1},
            ],
            "indexes": ["CREATE INDEX idx_posts_views ON posts (views)"],
        },
    )
    r.raise_for_status()
    author_ids = []
    for i in range(20):
        u = c.post(
            "/api/collections/users/records",
            headers=h,
            json={
                "email": f"user{i}@example.com",
                "password": "userpass123",
                "passwordConfirm": "userpass123",
                "name": f"User {i}",
            },
        )
        u.raise_for_status()
        author_ids.append(u.json()["id"])
    rng = random.Random(42)
    first_id = ""
    for start_at in range(0, n, 500):
        reqs = [
            {
                "method": "POST",
                "url": "/api/collections/posts/records",
                "body": {
                    "title": f"post {i}",
                    "views": rng.randint(0, 10000),
                    "published": rng.random() < 0.5,
                    "status": rng.choice(["draft", "live", "archived"]),
                    "meta": {"i": i},
                    "author": rng.choice(author_ids),
                },
            }
            for i in range(start_at, min(n, start_at + 500))
        ]
        b = c.post("/api/batch", headers=h, json={"requests": reqs})
        b.raise_for_status()
        first_id = first_id or b.json()[0]["body"]["id"]
    return {"record_id": first_id}


def wrk(url: str, seconds: int, pin: bool, connections: int = 50) -> dict[str, float]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if pin:
        cmd = ["taskset", "-c", "1", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        if not m:
            return float("nan")
        return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": pct("50"),
        "p99_ms": pct("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def rss_mb(pid: int) -> float:
    total = 0
    for p in [
        pid,
        *[
            int(x)
            for x in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        ],
    ]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--records", type=int, default=10000)
    ap.add_argument("--pin", action="store_true")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    results: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("pocketbase", "bastion"):
            proc, base = start(kind, Path(tmp), args.pin)
            try:
                info = seed(base, args.records)
                workloads = {
                    "health": f"{base}/api/health",
                    "view one record": f"{base}/api/collections/posts/records/{info['record_id']}",
                    "list filter+sort": f"{base}/api/collections/posts/records?filter=(views%3E5000%20%26%26%20status%3D%27live%27)&sort=-views&perPage=20",
                    "list expand": f"{base}/api/collections/posts/records?perPage=20&expand=author",
                }
                results[kind] = {}
                for name, url in workloads.items():
                    wrk(url, 2, args.pin)  # warm-up
                    results[kind][name] = wrk(url, args.seconds, args.pin)
                    results[kind][name]["rss_mb"] = rss_mb(proc.pid)
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
    print(
        f"{'workload':<20} {'PocketBase req/s':>17} {'Bastion req/s':>14} {'ratio':>6} "
        f"{'PB p99 ms':>10} {'B p99 ms':>9} {'PB RSS':>7} {'B RSS':>6}"
    )
    rows = []
    for name in results["bastion"]:
        pb, b = results["pocketbase"][name], results["bastion"][name]
        ratio = b["rps"] / pb["rps"] if pb["rps"] else float("nan")
        rows.append({"workload": name, "pocketbase": pb, "bastion": b, "ratio": ratio})
        print(
            f"{name:<20} {pb['rps']:>17.0f} {b['rps']:>14.0f} {ratio:>6.2f} {pb['p99_ms']:>10.2f} "
            f"{b['p99_ms']:>9.2f} {pb['rss_mb']:>6.0f}M {b['rss_mb']:>5.0f}M"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = ROOT / "bench" / "results" / f"{stamp}{'-pinned' if args.pin else ''}.json"
    out.write_text(
        json.dumps(
            {
                "date": stamp,
                "pinned": args.pin,
                "seconds": args.seconds,
                "records": args.records,
                "rows": rows,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
