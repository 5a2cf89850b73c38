"""Both object stores behind one interface: the local folder and a real S3 server."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from idp.storage import (
    LocalObjectStore,
    ObjectNotFoundError,
    ObjectStore,
    S3ObjectStore,
    StorageError,
    document_prefix,
    original_key,
    page_image_key,
    record_key,
)


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path / "objects")
    s3: dict[str, Any] = request.getfixturevalue("s3_server")
    return S3ObjectStore(
        s3["endpoint"], s3["access_key"], s3["secret_key"], f"t-{uuid.uuid4().hex[:12]}"
    )


def test_round_trip_and_listing(store: ObjectStore) -> None:
    doc = str(uuid.uuid4())
    payload = bytes(range(256)) * 1000
    store.put(original_key(doc), payload, "application/pdf")
    store.put(page_image_key(doc, 1), b"png1", "image/png")
    store.put(page_image_key(doc, 2), b"png2", "image/png")
    store.put(record_key(doc), b"{}", "application/json")
    assert store.get(original_key(doc)) == payload
    assert store.exists(record_key(doc))
    assert not store.exists(page_image_key(doc, 3))
    assert store.list(document_prefix(doc)) == sorted(
        [original_key(doc), page_image_key(doc, 1), page_image_key(doc, 2), record_key(doc)]
    )
    store.put(record_key(doc), b'{"v": 2}')  # overwrite replaces
    assert store.get(record_key(doc)) == b'{"v": 2}'


def test_delete_prefix_removes_only_that_document(store: ObjectStore) -> None:
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    for doc in (a, b):
        store.put(original_key(doc), b"x")
        store.put(page_image_key(doc, 1), b"y")
    assert store.delete_prefix(document_prefix(a)) == 2
    assert store.list(document_prefix(a)) == []
    assert len(store.list(document_prefix(b))) == 2
    store.delete(original_key(a))  # deleting what is gone is fine


def test_missing_object_is_not_found(store: ObjectStore) -> None:
    with pytest.raises(ObjectNotFoundError):
        store.get(original_key(str(uuid.uuid4())))


def test_keys_cannot_escape(store: ObjectStore) -> None:
    for bad in ("../etc/passwd", "/abs", "documents/../../x", "a//b"):
        with pytest.raises(ValueError):
            store.put(bad, b"x")


def test_check_passes_on_a_working_store(store: ObjectStore) -> None:
    store.check()


def test_local_store_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "objects")
    store.put("documents/d/original", b"abc")
    files = [p.name for p in (tmp_path / "objects" / "documents" / "d").iterdir()]
    assert files == ["original"]


@pytest.mark.s3
def test_unreachable_s3_is_a_storage_error() -> None:
    store = S3ObjectStore("127.0.0.1:1", "a", "b", "bucket")
    with pytest.raises(StorageError):
        store.put("documents/x/original", b"x")
