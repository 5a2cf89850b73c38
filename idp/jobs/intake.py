"""Accepting uploads: originals stored durably, then documents and jobs in one transaction.

``Idempotency-Key``: the same key from the same API key with the same files and schema
answers with the documents of the first request; with a different body it is refused.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idp.db.models import ApiKey, Document, IdempotencyRecord
from idp.errors import (
    EmptyFileError,
    InputError,
    LimitExceededError,
    UnknownSchemaError,
    UnsupportedTypeError,
)
from idp.jobs import queue
from idp.settings import Settings
from idp.storage import ObjectStore, document_prefix, original_key

# Magic bytes of the formats ingest reads; anything else is refused at the door with 415
# rather than accepted and failed later. Ingest sniffs again, fully, when it opens the file.
_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
]


@dataclass(frozen=True)
class Upload:
    """One file of an upload request."""

    filename: str
    data: bytes


def sniff_media_type(data: bytes) -> str | None:
    """The media type from the first bytes, or ``None`` for a type we do not read."""
    head = data[:1024]
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    # Some PDFs carry a few bytes of junk before the header; readers accept up to 1 KiB.
    if b"%PDF-" in head:
        return "application/pdf"
    return None


def _check(upload: Upload, settings: Settings) -> str:
    name = upload.filename or "upload"
    if not upload.data:
        raise EmptyFileError(f"{name}: the file is empty")
    if len(upload.data) > settings.limits.max_bytes:
        raise LimitExceededError(
            f"{name}: {len(upload.data)} bytes is more than the limit of "
            f"{settings.limits.max_bytes} bytes"
        )
    media_type = sniff_media_type(upload.data)
    if media_type is None:
        raise UnsupportedTypeError(f"{name}: not a PDF, JPEG, PNG or TIFF file")
    return media_type


def _request_hash(uploads: list[Upload], schema_name: str | None) -> str:
    h = hashlib.sha256()
    h.update((schema_name or "").encode() + b"\0")
    for u in uploads:
        h.update(u.filename.encode() + b"\0" + hashlib.sha256(u.data).digest())
    return h.hexdigest()


def _batch(session: Session, batch_id: str) -> list[Document]:
    return list(
        session.scalars(
            select(Document).where(Document.batch_id == batch_id).order_by(Document.created_at)
        )
    )


def _replay(
    session: Session, owner: ApiKey, key: str, request_hash: str
) -> list[Document] | None:
    rec = session.get(IdempotencyRecord, (owner.id, key))
    if rec is None:
        return None
    if rec.request_hash != request_hash:
        raise InputError(
            "this Idempotency-Key was already used with a different request body"
        )
    return _batch(session, rec.batch_id)


def accept_uploads(
    session: Session,
    storage: ObjectStore,
    settings: Settings,
    owner: ApiKey,
    uploads: list[Upload],
    schema_name: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[list[Document], bool]:
    """Store the originals, create documents and jobs, commit. Returns (documents, replayed).

    Nothing is committed, and no original kept, unless every file passes the checks.
    """
    if not uploads:
        raise InputError("no file in the request: send one or more parts named `files`")
    if len(uploads) > settings.api.max_files:
        raise LimitExceededError(
            f"{len(uploads)} files in one request; the limit is {settings.api.max_files}"
        )
    if schema_name:
        from idp.schemas import load_schema

        try:
            load_schema(schema_name, settings)
        except UnknownSchemaError as exc:
            raise InputError(exc.message) from None
    media_types = [_check(u, settings) for u in uploads]
    request_hash = _request_hash(uploads, schema_name)
    if idempotency_key:
        replay = _replay(session, owner, idempotency_key, request_hash)
        if replay is not None:
            return replay, True
    session.commit()  # no transaction (and, on SQLite, no write lock) while storing files

    batch_id = str(uuid.uuid4())
    docs: list[Document] = []
    for upload, media_type in zip(uploads, media_types, strict=True):
        doc_id = str(uuid.uuid4())
        storage.put(original_key(doc_id), upload.data, media_type)
        docs.append(
            Document(
                id=doc_id,
                owner_key_id=owner.id,
                batch_id=batch_id,
                filename=(upload.filename or "upload")[:500],
                media_type=media_type,
                size=len(upload.data),
                sha256=hashlib.sha256(upload.data).hexdigest(),
                schema_name=schema_name,
                errors=[],
            )
        )
    try:
        for doc in docs:
            session.add(doc)
        session.flush()
        for doc in docs:
            queue.enqueue(session, doc.id)
        if idempotency_key:
            session.add(
                IdempotencyRecord(
                    owner_key_id=owner.id,
                    key=idempotency_key,
                    request_hash=request_hash,
                    batch_id=batch_id,
                )
            )
        session.flush()
    except IntegrityError:
        # A concurrent request with the same Idempotency-Key won the race.
        session.rollback()
        for doc in docs:
            storage.delete_prefix(document_prefix(doc.id))
        if idempotency_key:
            replay = _replay(session, owner, idempotency_key, request_hash)
            if replay is not None:
                return replay, True
        raise
    return docs, False
