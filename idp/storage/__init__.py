"""Object storage for originals, page images and records.

``get_storage(settings)`` picks the back end from ``settings.storage.backend``;
``get_record_store(settings)`` wraps it in the ``RecordStore`` that knows each document's
keys (all under ``document_prefix(id)``, so that erasure removes them together).
"""

from __future__ import annotations

import threading

from idp.settings import Settings, get_settings
from idp.storage.base import ObjectNotFoundError, ObjectStore, StorageError, check_key
from idp.storage.local import LocalObjectStore
from idp.storage.records import (
    RecordStore,
    document_prefix,
    layout_key,
    original_key,
    page_image_key,
    record_key,
)
from idp.storage.s3 import S3ObjectStore

__all__ = [
    "LocalObjectStore",
    "ObjectNotFoundError",
    "ObjectStore",
    "RecordStore",
    "S3ObjectStore",
    "StorageError",
    "check_key",
    "document_prefix",
    "get_storage",
    "get_record_store",
    "layout_key",
    "original_key",
    "page_image_key",
    "record_key",
]

_stores: dict[tuple[object, ...], ObjectStore] = {}
_lock = threading.Lock()


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
                    st.s3_secret_key.get_secret_value(),
                    st.s3_bucket,
                    secure=st.s3_secure,
                    region=st.s3_region,
                )
            _stores[ident] = store
        return store


def get_record_store(settings: Settings | None = None) -> RecordStore:
    """The documents' objects (original, page images, layout, record) in the configured store."""
    return RecordStore(get_storage(settings))


def forget_stores_after_fork() -> None:
    """In a forked child: new store instances, so no HTTP connection pool is shared."""
    with _lock:
        _stores.clear()
