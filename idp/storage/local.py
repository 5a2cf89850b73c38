"""Objects as files in a local folder, written atomically and fsynced."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from idp.storage.base import ObjectNotFoundError, StorageError, check_key


class LocalObjectStore:
    """Objects under ``root`` (the embedded default: ``IDP_DATA_DIR/objects``)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Write to a temporary file, fsync, rename over the key, fsync the folder."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def get(self, key: str) -> bytes:
        """The object's bytes."""
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            raise ObjectNotFoundError(f"no object {key!r}") from None

    def exists(self, key: str) -> bool:
        """Whether the object exists."""
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        """Remove one object."""
        with contextlib.suppress(FileNotFoundError):
            self._path(key).unlink()

    def list(self, prefix: str) -> list[str]:
        """Keys under ``prefix``."""
        base = self.root / check_key(prefix.rstrip("/")) if prefix.strip("/") else self.root
        start = base if base.is_dir() else base.parent
        if not start.exists():
            return []
        keys = []
        for p in start.rglob("*"):
            if p.is_file() and not p.name.startswith(".tmp-"):
                key = p.relative_to(self.root).as_posix()
                if key.startswith(prefix):
                    keys.append(key)
        return sorted(keys)

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under ``prefix`` and the folders left empty."""
        keys = self.list(prefix)
        for key in keys:
            self.delete(key)
        folder = self.root / check_key(prefix.rstrip("/")) if prefix.strip("/") else None
        if folder is not None and folder.is_dir():
            for p in sorted(folder.rglob("*"), reverse=True):
                if p.is_dir():
                    with contextlib.suppress(OSError):
                        p.rmdir()
            with contextlib.suppress(OSError):
                folder.rmdir()
        return len(keys)

    def check(self) -> None:
        """Write, read and remove a probe object."""
        try:
            self.put("health/probe", b"ok")
            if self.get("health/probe") != b"ok":
                raise StorageError("storage read back different bytes")
            self.delete("health/probe")
        except OSError as exc:
            raise StorageError(f"local storage is not writable: {exc.strerror}") from None
