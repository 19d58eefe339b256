"""A worker loads only what its configuration uses: every module costs each worker's memory.

A SQLite server that has answered requests (records, a list, the health check, realtime) must
not have loaded the client libraries of PostgreSQL, Redis, NATS, S3, outgoing HTTP (webhooks,
OAuth2) or YAML (the OpenAPI document's other form): they are imported where they are first used.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

NOT_LOADED = (
    "asyncpg",
    "redis",
    "nats",
    "boto3",
    "botocore",
    "httpx",
    "httpcore",
    "yaml",
    "grpc",
    "aioquic",
    "hypercorn",
)

WORKER = """
import asyncio, json, os, sys
sys.path.insert(0, os.environ["BENCH_DIR"])
from inprocess import Client, Request, lifespan
from bastion.api.server import create

async def main():
    app = create()
    stop = await lifespan(app)
    client = Client(app)
    for path in ("/api/health", "/api/collections/users/records?filter=verified%3Dfalse&sort=-created",
                 "/api/collections/users/auth-methods"):
        await client.send(Request("GET", path))
    await stop()
    heavy = {m.split(".")[0] for m in sys.modules} & set(json.loads(os.environ["NOT_LOADED"]))
    print(json.dumps(sorted(heavy)))

asyncio.run(main())
"""


def test_a_sqlite_worker_loads_no_client_library_it_does_not_use(tmp_path: Path) -> None:
    bench = Path(__file__).resolve().parents[2] / "bench"
    env = {
        "PATH": "/usr/bin:/bin",
        "BENCH_DIR": str(bench),
        "NOT_LOADED": json.dumps(NOT_LOADED),
        "BASTION_DATA_DIR": str(tmp_path / "data"),
        "BASTION_LOG_LEVEL": "warning",
        "BASTION_LOG_ACCESS": "off",
    }
    done = subprocess.run(
        [sys.executable, "-c", WORKER], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
