"""Object storage for originals, page images and records.

``get_storage(settings)`` picks the back end from ``settings.storage.backend``. Object keys
of a document all live under ``document_prefix(id)`` so that erasure removes them together.
"""

from __future__ import annotations

import threading

from idp.settings import Settings, get_settings
from idp.storage.base import ObjectNotFoundError, ObjectStore, StorageError, check_key
from idp.storage.local import LocalObjectStore
from idp.storage.s3 import S3ObjectStore

__all__ = [
    "LocalObjectStore",
    "ObjectNotFoundError",
    "ObjectStore",
    "S3ObjectStore",
    "StorageError",
    "check_key",
    "document_prefix",
    "get_storage",
    "original_key",
    "page_image_key",
    "record_key",
]

_stores: dict[tuple[object, ...], ObjectStore] = {}
_lock = threading.Lock()


def document_prefix(doc_id: str) -> str:
    """Folder of every object that belongs to one document."""
    return f"documents/{doc_id}/"


def original_key(doc_id: str) -> str:
    """Key of the uploaded file, byte for byte."""
    return f"documents/{doc_id}/original"


def record_key(doc_id: str) -> str:
    """Key of the record JSON (the contract object)."""
    return f"documents/{doc_id}/record.json"


def page_image_key(doc_id: str, number: int) -> str:
    """Key of the upright PNG of page ``number`` (from 1)."""
    return f"documents/{doc_id}/pages/{number}.png"


def get_storage(settings: Settings | None = None) -> ObjectStore:
    """The configured object store (one instance per configuration per process)."""
    settings = settings or get_settings()
    st = settings.storage
    if st.backend == "local":
        ident: tuple[object, ...] = ("local", str((settings.data_dir / "objects").resolve()))
    elif st.backend == "s3":
        ident = ("s3", st.s3_endpoint, st.s3_access_key, st.s3_bucket, st.s3_secure)
    else:
        raise StorageError(f"unknown storage backend {st.backend!r}; use 'local' or 's3'")
    with _lock:
        store = _stores.get(ident)
        if store is None:
            if st.backend == "local":
                store = LocalObjectStore(settings.data_dir / "objects")
            else:
                store = S3ObjectStore(
                    st.s3_endpoint,
                    st.s3_access_key,
                    st.s3_secret_key,
                    st.s3_bucket,
                    secure=st.s3_secure,
                    region=st.s3_region,
                )
            _stores[ident] = store
        return store


def forget_stores_after_fork() -> None:
    """In a forked child: new store instances, so no HTTP connection pool is shared."""
    with _lock:
        _stores.clear()
