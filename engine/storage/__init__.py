"""Where the files the app writes live: attachments, evidence photos, generated documents and
reports, ledger exports (docs/deployment.md, "Files").

Every file goes through a ``FileStore`` (engine/storage/base.py) under a key such as
``attachments/12/<random>.jpg``: by default the data folder (engine/storage/local.py); with
``GREENLOOP_STORAGE_URL=s3://bucket/prefix?endpoint=…`` an S3-compatible object store
(engine/storage/s3.py), which every web process and worker on any machine then shares.

May import: engine.core.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from engine.core.config import Settings
from engine.storage.base import FileStore, check_key
from engine.storage.local import LocalStore

ATTACHMENTS = "attachments"
DOCUMENTS = "documents"
LEDGER = "ledger"

__all__ = ["ATTACHMENTS", "DOCUMENTS", "LEDGER", "FileStore", "LocalStore", "as_store", "check_key",
           "store_for"]


def store_for(settings: Settings) -> FileStore:
    """The installation's store: the data folder, or the object store GREENLOOP_STORAGE_URL names."""
    if not settings.storage_url:
        return LocalStore(settings.data_dir)
    return _object_store(settings.storage_url)


@lru_cache(maxsize=8)
def _object_store(url: str) -> FileStore:
    # One client per URL and process: a boto3 client is slow to build and safe to share by threads.
    from engine.storage.s3 import S3Store

    return S3Store.from_url(url)


def as_store(root: FileStore | Path | str) -> FileStore:
    """A store as given, or a folder as a local store (tests and tools that name a folder)."""
    return root if isinstance(root, FileStore) else LocalStore(Path(root))
