"""An S3 server on a free loopback port (moto's server mode, in a thread of the test process), for
the tests of ``trun.contrib.s3``; clients reach it over HTTP at the yielded endpoint URL with any
credentials."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

from loopback import free_port
from moto.server import ThreadedMotoServer


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """Serve S3 (and STS, for roles) until the block ends; yields ``http://127.0.0.1:<port>``."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    """Every object of ``bucket`` on the server at ``endpoint``, by key."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    keys = [o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])]
    return {key: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}
