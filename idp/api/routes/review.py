"""Review queue API under ``/v1/review``: list, claim, correct, approve, reject.

Reviewer and admin keys only. Each change is committed with its audit event in one
transaction; a reviewer must hold an unexpired claim on a document to change it.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, field_validator

from idp.api.deps import RecordsDep, ReviewerKey, SessionDep, SettingsDep, actor_of
from idp.api.problems import PROBLEM_RESPONSES
from idp.audit import record_event
from idp.datamodel.record import Record
from idp.db.models import Document, as_utc
from idp.errors import InputError, NotFoundError
from idp.review import claims, corrections, decisions, learning
from idp.review.models import ReviewItem
from idp.schemas import FieldType, load_schema, load_schemas
from idp.webhooks import queue_document_event

router = APIRouter(prefix="/v1/review", tags=["review"], responses=PROBLEM_RESPONSES)


class QueueItem(BaseModel):
    """A document waiting for review."""

    document_id: str
    filename: str
    schema_name: str | None = Field(default=None, alias="schema")
    created_at: datetime
    claimed_by: str | None = None
    """Key id of the reviewer holding it, while the claim lasts."""
    claim_expires_at: datetime | None = None

    model_config = {"populate_by_name": True}


class QueuePage(BaseModel):
    """The review queue, oldest first."""

    items: list[QueueItem]


class Claim(BaseModel):
    """A reviewer's hold on a document."""

    document_id: str
    claimed_by: str
    claim_expires_at: datetime


class Correction(BaseModel):
    """A reviewer's value for one field; it is normalised and validated again.

    Text is read as a reviewer types it (``"no"``, ``"3 March 1985"``); a JSON boolean is
    accepted for a boolean field and a JSON number for a whole-number or money field, so an
    integrator can send the record's own types back; ``""`` clears the field (``null`` is
    refused: a correction says what the value is).
    """

    model_config = {
        "json_schema_extra": {
            "examples": [{"value": "03/03/1985"}, {"value": False}, {"value": 4},
                         {"value": "SY23 1AB", "page": 1, "bbox": [0.41, 0.22, 0.55, 0.24]}]
        }
    }

    value: str | bool | int | float
    """The value as the reviewer reads it on the page, or typed as in the record."""
    page: int | None = Field(default=None, ge=1, le=100_000)
    """Page the value is on, when the reviewer shows where (within the document)."""
    bbox: list[float] | None = Field(default=None, min_length=4, max_length=4)
    """Box of the value ``[x0, y0, x1, y1]`` relative to the page (0–1, ``x0 <= x1``,
    ``y0 <= y1``), when the reviewer shows where."""

    @field_validator("bbox")
    @classmethod
    def _box_on_the_page(cls, bbox: list[float] | None) -> list[float] | None:
        if bbox is None:
            return None
        if not all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in bbox):
            raise ValueError("each bbox coordinate must be a number from 0 to 1")
        x0, y0, x1, y1 = bbox
        if x0 > x1 or y0 > y1:
            raise ValueError("a bbox is [x0, y0, x1, y1] with x0 <= x1 and y0 <= y1")
        return bbox


class Rejection(BaseModel):
    """Why a document is rejected."""

    reason: str = Field(min_length=1, max_length=2000)


class ReviewView(BaseModel):
    """A document under review: its record, review state and the fields' order for review."""

    document_id: str
    state: str
    claimed_by: str | None
    claim_expires_at: datetime | None
    record: dict[str, Any]
    review_order: list[str]
    """Field names, least certain first: failing validation, then by confidence."""


MAX_CORRECTION_TEXT = 2000
NUMBER_TYPES = (FieldType.INTEGER, FieldType.MONEY)


def correction_text(doc: Document, field: str, value: str | bool | int | float) -> str:
    """The text a correction stands for; a JSON type the field does not take is refused."""
    if isinstance(value, str):
        if len(value) > MAX_CORRECTION_TEXT:
            raise InputError(f"a value is at most {MAX_CORRECTION_TEXT} characters")
        return value
    spec = load_schema(doc.schema_name).fields.get(field) if doc.schema_name else None
    if spec is None:
        return str(value)  # the core says what is wrong with the field itself
    if isinstance(value, bool):
        if spec.type != FieldType.BOOLEAN:
            raise InputError(f"field {field!r} is {spec.type.value}: send text, not true/false")
        return "yes" if value else "no"
    if spec.type not in NUMBER_TYPES:
        raise InputError(f"field {field!r} is {spec.type.value}: send text, not a number")
    return str(value)


def _event(session: SessionDep, document_id: str, event: str, **extra: Any) -> None:
    doc = session.get(Document, document_id)
    if doc is not None:
        queue_document_event(session, doc, event, extra or None)


def _claim_out(item: ReviewItem) -> Claim:
    return Claim(
        document_id=item.document_id,
        claimed_by=item.claimed_by or "",
        claim_expires_at=as_utc(item.claim_expires_at),  # type: ignore[arg-type]
    )


def review_order(record: Record) -> list[str]:
    """Field names with the uncertain ones first: invalid, then lowest confidence."""
    fields = record.fields
    names = list(fields)
    return sorted(
        names,
        key=lambda n: (
            fields[n].valid and not fields[n].errors,
            fields[n].confidence,
            names.index(n),
        ),
    )


@router.get("/queue", response_model=QueuePage, response_model_by_alias=True)
def list_queue(key: ReviewerKey, session: SessionDep, limit: int = 50) -> QueuePage:
    """Documents that need review, oldest first, with who holds each."""
    entries = claims.review_queue(session, limit=max(1, min(limit, 200)))
    return QueuePage(
        items=[
            QueueItem(
                document_id=e.document_id,
                filename=e.filename,
                schema=e.schema_name,
                created_at=e.created_at,
                claimed_by=e.claimed_by,
                claim_expires_at=e.claim_expires_at,
            )
            for e in entries
        ]
    )


@router.post("/next", response_model=Claim, responses={204: {"description": "Queue empty"}})
def claim_next(
    key: ReviewerKey,
    session: SessionDep,
    skip: Annotated[list[str] | None, Query(max_length=200)] = None,
) -> Any:
    """Claim the oldest document nobody holds (your own open claim first); 204 when none.

    ``skip`` lists documents passed over in this sitting: their claims are given back and
    they are not offered again.
    """
    item = claims.claim_next(session, key.id, skip=set(skip or []))
    if item is None:
        session.commit()  # the skipped documents' claims are given back all the same
        return Response(status_code=204)
    out = _claim_out(item)
    _event(session, item.document_id, "review.claimed", reviewer=key.id)
    session.commit()
    return out


@router.post("/{document_id}/claim", response_model=Claim)
def claim(document_id: str, key: ReviewerKey, session: SessionDep) -> Claim:
    """Claim (or renew a claim on) one document; 409 while another reviewer holds it."""
    out = _claim_out(claims.claim(session, document_id, key.id))
    _event(session, document_id, "review.claimed", reviewer=key.id)
    session.commit()
    return out


@router.delete("/{document_id}/claim", status_code=204)
def release(document_id: str, key: ReviewerKey, session: SessionDep) -> Response:
    """Give a claim back before it expires."""
    claims.release(session, document_id, key.id)
    session.commit()
    return Response(status_code=204)


@router.get("/{document_id}", response_model=ReviewView)
def get_review(
    document_id: str, key: ReviewerKey, session: SessionDep, records: RecordsDep
) -> ReviewView:
    """The document's record and review state (a view of personal data: audited)."""
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFoundError("no such document")
    record = records.load(doc.id)
    item = session.get(ReviewItem, document_id)
    record_event(
        session, actor=actor_of(key), action="record.view",
        target_type="document", target_id=doc.id, details={"via": "review"},
    )
    session.commit()
    return ReviewView(
        document_id=doc.id,
        state=item.state if item else ("open" if doc.status == "needs_review" else doc.status),
        claimed_by=item.claimed_by if item else None,
        claim_expires_at=as_utc(item.claim_expires_at) if item else None,
        record=record.to_json_dict(),
        review_order=review_order(record),
    )


@router.put("/{document_id}/fields/{field}")
def correct_field(
    document_id: str,
    field: str,
    body: Correction,
    key: ReviewerKey,
    session: SessionDep,
    records: RecordsDep,
) -> dict[str, Any]:
    """Set one field; answers the field as now stored (``valid`` and ``errors`` included)."""
    if body.page is not None:
        doc = session.get(Document, document_id)
        if doc is not None and body.page > max(doc.pages, 1):
            raise InputError(f"page {body.page} is beyond the document's {doc.pages} pages")
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFoundError("no such document")
    out = corrections.correct_field(
        session, records, document_id, key.id, field, correction_text(doc, field, body.value),
        page=body.page, bbox=body.bbox,
    )
    _event(session, document_id, "review.corrected", reviewer=key.id, field=field,
           valid=not out.errors)
    session.commit()
    return out.model_dump(mode="json")


@router.post("/{document_id}/approve")
def approve(
    document_id: str, key: ReviewerKey, session: SessionDep, records: RecordsDep
) -> dict[str, Any]:
    """Accept the record as corrected; 409 while a field still fails validation."""
    record = decisions.approve(session, records, document_id, key.id)
    _event(session, document_id, "review.approved", reviewer=key.id)
    session.commit()
    return record.to_json_dict()


@router.post("/{document_id}/reject")
def reject(
    document_id: str, body: Rejection, key: ReviewerKey, session: SessionDep,
    records: RecordsDep,
) -> dict[str, Any]:
    """Reject the document with a reason; its record becomes ``failed``."""
    record = decisions.reject(session, records, document_id, key.id, body.reason)
    _event(session, document_id, "review.rejected", reviewer=key.id)
    session.commit()
    return record.to_json_dict()


class SplitDocument(BaseModel):
    """One document of an upload as a reviewer sets it."""

    pages: list[int] = Field(min_length=2, max_length=2, description="[first, last], from 1")
    schema_name: str | None = Field(
        default=None, alias="schema", max_length=100,
        description="its type: a schema name, or null for a document no schema describes")

    model_config = {"populate_by_name": True}


class SplitCorrection(BaseModel):
    """How an upload splits into documents, in page order, covering every page once."""

    documents: list[SplitDocument] = Field(min_length=1, max_length=1000)


@router.put("/{document_id}/split", status_code=202)
def correct_split(
    document_id: str, body: SplitCorrection, key: ReviewerKey, session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Set where an upload's documents start and end and which type each is (move a
    boundary, join or cut documents, change a type). ``document_id`` is the upload or any
    document found in it. The upload is processed again with these pages and types: its
    documents are extracted again (their earlier corrections are not carried over) and a
    document that no longer exists is erased. Audited; answers ``202``."""
    from idp.db.models import DocumentStatus
    from idp.jobs import queue
    from idp.jobs.dispatch import submit

    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFoundError("no such document")
    upload = session.get(Document, doc.upload_id) if doc.upload_id else doc
    if upload is None:
        raise NotFoundError("no such upload")
    expected = 1
    known = load_schemas(settings)
    for part in body.documents:
        first, last = part.pages
        if first != expected or last < first:
            raise InputError(f"documents must cover the pages in order: expected one to start "
                             f"at page {expected}, got {part.pages}")
        if part.schema_name is not None and part.schema_name not in known:
            raise InputError(f"unknown schema {part.schema_name!r}")
        expected = last + 1
    if expected != upload.pages + 1:
        raise InputError(f"documents must end at the upload's last page, {upload.pages}")
    split = {"documents": [{"pages": p.pages, "schema": p.schema_name} for p in body.documents],
             "by": key.id}
    upload.split = split
    upload.status = DocumentStatus.QUEUED.value
    upload.progress = 0.0
    queue.requeue(session, upload.id)
    record_event(
        session, actor=actor_of(key), action="document.split", target_type="document",
        target_id=upload.id, details={"documents": split["documents"]},
    )
    session.commit()
    submit([upload.id], settings)
    return {"upload_id": upload.id, **split}


@router.get("/learned/{schema_name}")
def learned(schema_name: str, key: ReviewerKey, session: SessionDep) -> dict[str, list[str]]:
    """Label phrasings learned from corrections for a schema, by field."""
    return learning.learned_hints(session, schema_name)
