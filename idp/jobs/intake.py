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
    ConflictError,
    CorruptFileError,
    IdpError,
    InputError,
    LimitExceededError,
    UnknownSchemaError,
)
from idp.jobs import queue
from idp.settings import Settings
from idp.storage import ObjectStore, RecordStore


@dataclass(frozen=True)
class Upload:
    """One file of an upload request."""

    filename: str
    data: bytes


def _check(upload: Upload, settings: Settings) -> str:
    """Open the file as processing will (type by content, limits, encryption, damage) so a
    bad upload is refused with its reason now instead of accepted and failed later."""
    from idp.ingest import open_document

    name = upload.filename or "upload"
    try:
        doc = open_document(upload.data, name, settings.limits)
    except IdpError as exc:
        exc.message = f"{name}: {exc.message}"
        raise
    except Exception as exc:  # a reader library choking: still the file's fault
        raise CorruptFileError(f"{name}: the file could not be opened") from exc
    try:
        return doc.media_type
    finally:
        close = getattr(doc, "close", None)
        if close is not None:
            close()


def _request_hash(uploads: list[Upload], schema_name: str | None, split: bool = True) -> str:
    h = hashlib.sha256()
    h.update((schema_name or "").encode() + b"\0")
    if not split:
        h.update(b"no-split\0")
    for u in uploads:
        h.update(u.filename.encode() + b"\0" + hashlib.sha256(u.data).digest())
    return h.hexdigest()


def _batch(session: Session, batch_id: str) -> list[Document]:
    return list(
        session.scalars(
            # The uploads of the batch, not the documents found in them.
            select(Document)
            .where(Document.batch_id == batch_id, Document.upload_id.is_(None))
            .order_by(Document.created_at)
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
    docs = _batch(session, rec.batch_id)
    if not docs:
        raise ConflictError(
            "the documents this Idempotency-Key created have been erased; "
            "send the upload again with a new Idempotency-Key"
        )
    return docs


def accept_uploads(
    session: Session,
    storage: ObjectStore,
    settings: Settings,
    owner: ApiKey,
    uploads: list[Upload],
    schema_name: str | None = None,
    idempotency_key: str | None = None,
    split: bool = True,
) -> tuple[list[Document], bool]:
    """Store the originals, create documents and jobs, commit. Returns (documents, replayed).

    ``split=False`` keeps each file one document whatever its pages hold (issue 12).

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
    request_hash = _request_hash(uploads, schema_name, split)
    if idempotency_key:
        replay = _replay(session, owner, idempotency_key, request_hash)
        if replay is not None:
            return replay, True
    session.commit()  # no transaction (and, on SQLite, no write lock) while storing files

    store = RecordStore(storage)
    batch_id = str(uuid.uuid4())
    docs: list[Document] = []
    for upload, media_type in zip(uploads, media_types, strict=True):
        doc_id = str(uuid.uuid4())
        store.put_original(doc_id, upload.data, media_type)
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
                split=None if split else {"off": True},
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
            store.erase(doc.id)
        if idempotency_key:
            replay = _replay(session, owner, idempotency_key, request_hash)
            if replay is not None:
                return replay, True
        raise
    return docs, False
