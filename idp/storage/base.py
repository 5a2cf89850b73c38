"""One object-store interface; the local folder and S3 implement it."""

from __future__ import annotations

import re
from typing import Protocol, runtime_checkable

from idp.errors import IdpError, NotFoundError

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


class StorageError(IdpError):
    """The object store could not be reached or refused an operation."""

    category = "storage"
    http_status = 503
    title = "Storage unavailable"
    retry_after = 2
    """Seconds a client should wait before sending the request again (``Retry-After``)."""


class ObjectNotFoundError(NotFoundError):
    """No object under that key."""


def check_key(key: str) -> str:
    """Refuse keys that could escape the store (``..``, absolute paths, odd characters)."""
    if not _KEY_RE.match(key) or ".." in key.split("/") or "//" in key:
        raise ValueError(f"invalid object key {key!r}")
    return key


@runtime_checkable
class ObjectStore(Protocol):
    """Bytes under keys like ``documents/<id>/original``."""

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Store ``data`` durably; when this returns the object survives a crash."""

    def get(self, key: str) -> bytes:
        """The object's bytes; ``ObjectNotFoundError`` if there is none."""

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""

    def delete(self, key: str) -> None:
        """Remove one object; a missing one is not an error."""

    def list(self, prefix: str) -> list[str]:
        """Keys that start with ``prefix``, sorted."""

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under ``prefix``; returns how many went."""

    def check(self) -> None:
        """Raise ``StorageError`` unless the store can be written and read now."""
