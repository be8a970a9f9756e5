"""The storage interface: a flat space of keys (``folder/…/name``) holding bytes."""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK = 1 << 16


def check_key(key: str) -> str:
    """The key if it stays inside the store; a stored path from the database is checked here
    before any read or write, so a row cannot name a file outside its folder."""
    parts = key.split("/") if isinstance(key, str) else []
    if not key or "\\" in key or "\0" in key or key.startswith("/") \
            or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class FileStore(ABC):
    """Bytes under keys. ``child(prefix)`` is the same store seen from a folder of it."""

    def __init__(self, prefix: str = ""):
        self.prefix = prefix

    def key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    @abstractmethod
    def child(self, prefix: str) -> FileStore: ...

    @abstractmethod
    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` whole: readers see the old file or the new one, never a part."""

    @abstractmethod
    def put_file(self, key: str, path: Path) -> None:
        """Store a file built on local disk (a large export), consuming it."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A reader of the file, for streaming it; FileNotFoundError if there is none."""

    @abstractmethod
    def size(self, key: str) -> int: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the file; a missing one is not an error."""

    @abstractmethod
    def keys(self, prefix: str = "") -> Iterator[str]:
        """The keys under ``prefix`` (a folder, or a name's beginning), relative to this store."""

    def local_path(self, key: str) -> Path | None:
        """The file on this machine's disk, when the store is one (downloads then answer ranges)."""
        return None

    def read(self, key: str) -> bytes:
        with self.open(key) as reader:
            return reader.read()

    def chunks(self, key: str) -> Iterator[bytes]:
        """The file in pieces, opened now (a missing one fails here, not mid-response)."""
        reader = self.open(key)

        def pieces() -> Iterator[bytes]:
            with reader:
                while piece := reader.read(CHUNK):
                    yield piece
        return pieces()
