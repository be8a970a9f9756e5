"""A real S3-compatible HTTP server on this machine for the storage tests: moto's server mode
(moto[server], ThreadedMotoServer) answering the S3 API on a free local port. The app talks to it
over HTTP with boto3 exactly as it would to MinIO or a cloud's object store."""
from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

# Any credentials will do for moto; boto3 refuses to sign a request without some.
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "greenloop-test", "AWS_SECRET_ACCESS_KEY": "greenloop-test",
               "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def s3_server() -> Iterator[str]:
    """Start the server, make a bucket, yield its GREENLOOP_STORAGE_URL; stop the server after."""
    from moto.server import ThreadedMotoServer

    for name, value in CREDENTIALS.items():
        os.environ.setdefault(name, value)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    requests_log = logging.getLogger("werkzeug")  # the server's one line per request
    level = requests_log.level
    requests_log.setLevel(logging.WARNING)
    server.start()
    try:
        import boto3

        endpoint = f"http://127.0.0.1:{port}"
        bucket = f"greenloop-{uuid.uuid4().hex[:12]}"
        boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=bucket)
        yield f"s3://{bucket}/county?endpoint={endpoint}&region=us-east-1"
    finally:
        server.stop()
        requests_log.setLevel(level)
