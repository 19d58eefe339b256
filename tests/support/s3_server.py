"""A real S3-compatible server for tests: moto's standalone server on a free local port."""

from __future__ import annotations

import functools
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import skip_or_fail
from tests.support.serve_process import free_port


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    exe = Path(sys.executable).parent / "moto_server"
    if not exe.exists() and shutil.which("moto_server") is None:
        skip_or_fail("moto_server is not installed")
    port = free_port()
    proc = subprocess.Popen(
        [str(exe if exe.exists() else "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).close()  # noqa: S310 - local test server
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@functools.cache
def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def new_bucket_settings(endpoint: str) -> dict[str, Any]:
    """PocketBase's `s3` settings block for a fresh, empty bucket on the test server."""
    bucket = "bt-" + secrets.token_hex(6)
    client = s3_client(endpoint)
    client.create_bucket(Bucket=bucket)
    return {
        "enabled": True,
        "bucket": bucket,
        "region": "us-east-1",
        "endpoint": endpoint,
        "accessKey": "test",
        "secret": "test",
        "forcePathStyle": True,
    }
