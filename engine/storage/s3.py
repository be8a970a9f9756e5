"""The production option: an S3-compatible object store (Amazon S3, MinIO, Ceph RGW, a cloud's
own), shared by every web process and worker. Credentials come the way boto3 finds them
(AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, an instance role); the URL names the rest:

    s3://bucket[/prefix][?endpoint=https://minio.example:9000&region=cn-north-1]
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, urlsplit

from engine.core.errors import ConfigError
from engine.storage.base import FileStore


def parse_url(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ConfigError(f"GREENLOOP_STORAGE_URL must look like s3://bucket/prefix?endpoint=…, got {url!r}")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint", "region"}
    if unknown:
        raise ConfigError(f"GREENLOOP_STORAGE_URL: unknown option(s) {', '.join(sorted(unknown))}")
    return {"bucket": parts.netloc, "prefix": parts.path.strip("/"),
            "endpoint": query.get("endpoint"), "region": query.get("region")}


class S3Store(FileStore):
    def __init__(self, client, bucket: str, prefix: str = ""):
        super().__init__(prefix)
        self.client = client
        self.bucket = bucket

    @classmethod
    def from_url(cls, url: str) -> S3Store:
        import boto3
        from botocore.config import Config

        options = parse_url(url)
        client = boto3.client("s3", endpoint_url=options["endpoint"], region_name=options["region"],
                              config=Config(retries={"max_attempts": 5, "mode": "standard"},
                                            max_pool_connections=32))
        return cls(client, options["bucket"], options["prefix"])

    def __repr__(self) -> str:
        return f"S3Store(s3://{self.bucket}/{self.prefix})"

    def child(self, prefix: str) -> S3Store:
        return S3Store(self.client, self.bucket, self.key(prefix))

    def put(self, key: str, data: bytes) -> None:
        # An object appears whole when the PUT ends; there is no partial object to hide.
        self.client.put_object(Bucket=self.bucket, Key=self.key(key), Body=data)

    def put_file(self, key: str, path: Path) -> None:
        try:
            self.client.upload_file(str(path), self.bucket, self.key(key))  # multipart when large
        finally:
            Path(path).unlink(missing_ok=True)

    def _head(self, key: str) -> dict | None:
        from botocore.exceptions import ClientError

        try:
            return self.client.head_object(Bucket=self.bucket, Key=self.key(key))
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def exists(self, key: str) -> bool:
        return self._head(key) is not None

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.key(key))["Body"]
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(f"s3://{self.bucket}/{self.key(key)}") from None
            raise

    def size(self, key: str) -> int:
        head = self._head(key)
        if head is None:
            raise FileNotFoundError(f"s3://{self.bucket}/{self.key(key)}")
        return head["ContentLength"]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.key(key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        mine = f"{self.prefix}/" if self.prefix else ""
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=mine + prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(mine):]
