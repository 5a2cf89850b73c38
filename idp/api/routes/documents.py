"""``/v1/documents``: upload, status, record, original, page images, list, erasure."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, Path, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, or_, select
from starlette.datastructures import UploadFile as StarletteUploadFile

from idp.api.deps import (
    AdminKey,
    ReaderKey,
    RecordsDep,
    SessionDep,
    SettingsDep,
    StorageDep,
    UploaderKey,
    actor_of,
    audit,
    can_read_all,
)
from idp.api.problems import PROBLEM_RESPONSES
from idp.datamodel.record import Record
from idp.db.engine import checkpoint_after_erase
from idp.db.models import FINISHED_STATUSES, ApiKey, Document, DocumentStatus, Job, as_utc
from idp.errors import ConflictError, InputError, NotFoundError
from idp.jobs.dispatch import submit
from idp.jobs.erase import erase_document
from idp.jobs.intake import Upload, accept_uploads
from idp.jobs.messages import public_message

router = APIRouter(prefix="/v1/documents", tags=["documents"], responses=PROBLEM_RESPONSES)

DocId = Annotated[str, Path(description="Document id (UUID)", max_length=36)]


class DocumentOut(BaseModel):
    """A document's metadata, status and progress."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    status: str = Field(description="queued, processing, accepted, needs_review or failed")
    progress: float = Field(description="0 to 1")
    filename: str
    media_type: str | None
    size: int
    sha256: str
    schema_name: str | None = Field(alias="schema", description="document type, if given")
    pages: int
    errors: list[str]
    batch_id: str
    attempts: int
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    upload_id: str | None = Field(
        default=None, description="the upload this document was found in, when that upload "
        "held several documents (its pages there are in the record's `bundle`)")
    bundle_index: int | None = Field(
        default=None, description="position among that upload's documents, from 1")
    links: dict[str, Any]


class DocumentList(BaseModel):
    """One page of documents, newest first, and the cursor of the next page."""

    items: list[DocumentOut]
    next_cursor: str | None


class UploadOut(BaseModel):
    """The documents an upload created (or, on a replayed Idempotency-Key, had created)."""

    batch_id: str
    documents: list[DocumentOut]


def _out(doc: Document, attempts: int = 0) -> DocumentOut:
    base = f"/v1/documents/{doc.id}"
    links: dict[str, Any] = {"self": base, "original": f"{base}/original"}
    if doc.status in FINISHED_STATUSES:
        links["record"] = f"{base}/record"
        links["pages"] = [f"{base}/pages/{n}" for n in range(1, doc.pages + 1)]
        if doc.upload_id is None:
            # An upload of several documents lists them (an empty list for one document).
            links["documents"] = f"/v1/documents?upload={doc.id}"
    if doc.upload_id is not None:
        links["upload"] = f"/v1/documents/{doc.upload_id}"
    return DocumentOut(
        id=doc.id,
        status=doc.status,
        progress=doc.progress,
        filename=doc.filename,
        media_type=doc.media_type,
        size=doc.size,
        sha256=doc.sha256,
        schema_name=doc.schema_name,
        pages=doc.pages,
        errors=[public_message(str(e)) for e in doc.errors or []],
        batch_id=doc.batch_id,
        attempts=attempts,
        created_at=as_utc(doc.created_at),  # type: ignore[arg-type]
        updated_at=as_utc(doc.updated_at),  # type: ignore[arg-type]
        completed_at=as_utc(doc.completed_at),
        upload_id=doc.upload_id,
        bundle_index=doc.bundle_index,
        links=links,
    )


def _dump(model: BaseModel) -> Any:
    return model.model_dump(mode="json", by_alias=True)


def _attempts(session: SessionDep, doc_id: str) -> int:
    job = session.scalars(select(Job).where(Job.document_id == doc_id)).first()
    return job.attempts if job else 0


def load_visible(session: SessionDep, key: ApiKey, doc_id: str) -> Document:
    """The document if ``key`` may read it; an uploader's view of another's document is 404
    (it must not learn that the id exists)."""
    doc = session.get(Document, doc_id)
    if doc is None or (not can_read_all(key) and doc.owner_key_id != key.id):
        raise NotFoundError(f"no document {doc_id!r}")
    return doc


@router.post(
    "",
    status_code=202,
    summary="Upload one or more files for processing",
    response_model=UploadOut,
    responses={202: {"headers": {"Location": {"schema": {"type": "string"}}}}},
)
def upload_documents(
    request: Request,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    key: UploaderKey,
    files: Annotated[list[UploadFile], File(description="PDF, JPEG, PNG or TIFF files")],
    schema_name: Annotated[
        str | None,
        Form(alias="schema", description="document type to extract (see /v1/schemas)",
             max_length=100),
    ] = None,
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=255, description="retry-safe request id"),
    ] = None,
    split: Annotated[
        bool,
        Form(description="split a file of several pages into the documents it holds (each "
             "becomes a document of its own, listed from the upload); false keeps every file "
             "one document"),
    ] = True,
) -> JSONResponse:
    """Store each original durably, queue it, and answer ``202`` with ``Location``: the
    document for one file, the batch listing for several."""
    uploads = []
    for f in files:
        if not isinstance(f, StarletteUploadFile):
            raise InputError("`files` must be file parts")
        data = f.file.read(settings.limits.max_bytes + 1)
        uploads.append(Upload(filename=f.filename or "upload", data=data))
    docs, replayed = accept_uploads(
        session, storage, settings, key, uploads, schema_name or None, idempotency_key, split
    )
    if not replayed:
        for doc in docs:
            audit(
                session,
                actor=actor_of(key),
                action="document.upload",
                target_type="document",
                target_id=doc.id,
                details={"schema": doc.schema_name, "size": doc.size},
            )
    session.commit()
    if not replayed:
        submit([d.id for d in docs], settings)
    batch_id = docs[0].batch_id
    location = (
        f"/v1/documents/{docs[0].id}" if len(docs) == 1 else f"/v1/documents?batch={batch_id}"
    )
    body = UploadOut(batch_id=batch_id, documents=[_out(d) for d in docs])
    headers = {"Location": location}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(_dump(body), status_code=202, headers=headers)


def _encode_cursor(doc: Document) -> str:
    created = as_utc(doc.created_at)
    raw = json.dumps([created.isoformat() if created else "", doc.id])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, doc_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(created), str(doc_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InputError("the cursor is not one this service gave out") from None


@router.get("", summary="List documents, newest first", response_model=DocumentList)
def list_documents(
    session: SessionDep,
    settings: SettingsDep,
    key: ReaderKey,
    status: Annotated[DocumentStatus | None, Query(description="only this status")] = None,
    schema: Annotated[str | None, Query(description="only this document type")] = None,
    batch: Annotated[str | None, Query(description="only this upload batch")] = None,
    upload: Annotated[
        str | None,
        Query(description="only the documents found in this upload, in page order",
              max_length=36),
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> Any:
    """Cursor-paginated; an uploader sees only its own documents."""
    size = min(limit or settings.api.page_size, settings.api.max_page_size)
    stmt = select(Document)
    if not can_read_all(key):
        stmt = stmt.where(Document.owner_key_id == key.id)
    if status is not None:
        stmt = stmt.where(Document.status == status.value)
    if schema:
        stmt = stmt.where(Document.schema_name == schema)
    if batch:
        stmt = stmt.where(Document.batch_id == batch)
    if upload:
        stmt = stmt.where(Document.upload_id == upload)
    if cursor:
        created, doc_id = _decode_cursor(cursor)
        stmt = stmt.where(
            or_(
                Document.created_at < created,
                and_(Document.created_at == created, Document.id < doc_id),
            )
        )
    if upload and not cursor:
        # An upload's documents come in page order, all of them (an upload is bounded by
        # its page limit).
        rows = list(session.scalars(stmt.order_by(Document.bundle_index)))
        return DocumentList(items=[_out(d) for d in rows], next_cursor=None)
    stmt = stmt.order_by(Document.created_at.desc(), Document.id.desc()).limit(size + 1)
    rows = list(session.scalars(stmt))
    more = len(rows) > size
    rows = rows[:size]
    items = [_out(d) for d in rows]
    return DocumentList(items=items, next_cursor=_encode_cursor(rows[-1]) if more else None)


@router.get("/{doc_id}", summary="Status and progress of a document", response_model=DocumentOut)
def get_document(doc_id: DocId, session: SessionDep, key: ReaderKey) -> Any:
    """Metadata, status (queued → processing → accepted / needs_review / failed), progress."""
    doc = load_visible(session, key, doc_id)
    return _out(doc, _attempts(session, doc.id))


@router.get(
    "/{doc_id}/record",
    summary="The record (contract object) of a processed document",
    response_model=Record,
)
def get_record(doc_id: DocId, session: SessionDep, records: RecordsDep, key: ReaderKey) -> Any:
    """The same object ``idp extract`` prints; ``409`` while the document is not processed."""
    doc = load_visible(session, key, doc_id)
    if doc.status not in FINISHED_STATUSES:
        raise ConflictError(f"document {doc_id} is {doc.status}; the record is not ready")
    record = records.load(doc.id)
    audit(session, actor=actor_of(key), action="record.view", target_type="document",
          target_id=doc.id)
    session.commit()
    # The contract's JSON exactly as ``idp extract`` prints it (``layout`` only when kept);
    # ``response_model`` documents it in OpenAPI.
    return JSONResponse(record.to_json_dict())


@router.get(
    "/{doc_id}/original",
    summary="The uploaded file, byte for byte",
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def get_original(
    doc_id: DocId, session: SessionDep, records: RecordsDep, key: ReaderKey
) -> Response:
    """The original with its detected media type (for a document found in an upload of
    several, the whole upload)."""
    doc = load_visible(session, key, doc_id)
    data = records.original(doc.upload_id or doc.id)
    audit(session, actor=actor_of(key), action="original.view", target_type="document",
          target_id=doc.id)
    session.commit()
    return Response(
        data,
        media_type=doc.media_type or "application/octet-stream",
        headers={"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff"},
    )


@router.get(
    "/{doc_id}/pages/{number}",
    summary="Upright image of one page (PNG)",
    responses={200: {"content": {"image/png": {}}}},
)
def get_page_image(
    doc_id: DocId,
    number: Annotated[int, Path(ge=1, le=100_000, description="page number, from 1")],
    session: SessionDep,
    records: RecordsDep,
    key: ReaderKey,
) -> Response:
    """The page image the reviewer page draws boxes on (relative boxes fit any size)."""
    doc = load_visible(session, key, doc_id)
    data = records.page_image(doc.id, number)
    audit(session, actor=actor_of(key), action="page.view", target_type="document",
          target_id=doc.id, details={"page": number})
    session.commit()
    return Response(data, media_type="image/png")


@router.delete("/{doc_id}", status_code=204, summary="Erase a document everywhere")
def delete_document(
    doc_id: DocId, session: SessionDep, settings: SettingsDep, records: RecordsDep,
    key: AdminKey,
) -> Response:
    """Removes the original, page images, record, layout, job and review data (admin)."""
    removed = erase_document(session, records, doc_id)
    audit(session, actor=actor_of(key), action="document.erase", target_type="document",
          target_id=doc_id, details={"objects_removed": removed})
    session.commit()
    session.close()  # no snapshot of ours may hold the log open
    checkpoint_after_erase(settings)
    return Response(status_code=204)
