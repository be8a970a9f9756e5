"""The default store: a folder on this machine (the data folder, GREENLOOP_DATA_DIR)."""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from engine.storage.base import FileStore


class LocalStore(FileStore):
    def __init__(self, root: Path, prefix: str = ""):
        super().__init__(prefix)
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStore({str(self.root / self.prefix)!r})"

    def child(self, prefix: str) -> LocalStore:
        return LocalStore(self.root, self.key(prefix))

    def path(self, key: str) -> Path:
        base = self.root.resolve()
        path = (base / self.key(key)).resolve()
        if not path.is_relative_to(base):  # a symbolic link pointing out
            raise ValueError(f"{key!r} leads outside {base}")
        return path

    def _replace(self, key: str, write) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{uuid.uuid4().hex}.tmp")
        try:
            write(tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def put(self, key: str, data: bytes) -> None:
        self._replace(key, lambda tmp: tmp.write_bytes(data))

    def put_file(self, key: str, path: Path) -> None:
        self._replace(key, lambda tmp: shutil.move(path, tmp))

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def open(self, key: str) -> BinaryIO:
        return self.path(key).open("rb")

    def size(self, key: str) -> int:
        return self.path(key).stat().st_size

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        folder, _, start = prefix.rpartition("/")
        base = self.path(folder) if folder else self.root.resolve() / self.prefix
        if not base.is_dir():
            return
        mine = self.root.resolve() / self.prefix
        for path in sorted(base.rglob("*")):
            if path.is_file() and not path.name.endswith(".tmp"):
                relative = path.relative_to(mine).as_posix()
                if relative.startswith(prefix):
                    yield relative

    def local_path(self, key: str) -> Path:
        return self.path(key)
