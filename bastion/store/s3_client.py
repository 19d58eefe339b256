"""The boto3 S3 client every bucket user shares (the records' files, the backups), with the same
bounds: connect and read timeouts, three attempts, path or virtual-host addressing.

Clients are thread-safe and costly to build (boto3 loads its service model each time), so one
per distinct configuration is kept.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import ClientError

_MISSING = ("404", "NoSuchKey", "NotFound")


@functools.lru_cache(maxsize=16)
def s3_client(endpoint: str, region: str, access_key: str, secret: str, path_style: bool) -> Any:
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint or None,
        region_name=region or None,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret,
        config=BotoConfig(
            s3={"addressing_style": "path" if path_style else "virtual"},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
        ),
    )


def is_missing(exc: ClientError) -> bool:
    """Whether S3 answered that the object (or key) is not there."""
    return str(exc.response.get("Error", {}).get("Code")) in _MISSING
