"""Corrections: a reviewer sets one field from what they read on the page.

The typed text is normalised and validated again, the field's history and a
``ReviewCorrection`` row keep who changed what, and a label the extractors missed is
learned for the schema. The caller's session commits the row, the audit event and what
was learned together with the record written back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from idp.audit import record_event
from idp.datamodel.record import FieldResult, Record
from idp.db.models import utcnow
from idp.errors import InputError, NotFoundError
from idp.review.claims import renew, require_claim
from idp.review.history import history_entry, save_after_flush
from idp.review.learning import learn_from_correction
from idp.review.models import ReviewCorrection
from idp.schemas import DocumentSchema, FieldSpec, load_schema
from idp.storage import RecordStore
from idp.validation import normalise_value, validate_fields


def read_correction(spec: FieldSpec, text: str) -> tuple[Any, list[str]]:
    """The typed value of what the reviewer typed, and what is wrong with it on its own.

    Normalised as the pipeline normalises a reading (``idp.validation.normalise_value``);
    an empty text clears the field (an error when the field is required).
    """
    if not text:
        return None, (["a value is required"] if spec.required else [])
    normalised = normalise_value(spec, text)
    return normalised.value, list(normalised.errors)


def revalidate(schema: DocumentSchema, record: Record) -> None:
    """Check every field that has a value again with the schema-bound validator, so a
    cross-field rule (date of birth before the application date) sees the corrected value.

    Fields without a value keep the errors they have: a reviewer may clear an optional
    field, and a missing required one already says so.
    """
    with_values = {name: f for name, f in record.fields.items() if f.value is not None}
    validate_fields(schema, with_values)


def correct_field(
    session: Session,
    store: RecordStore,
    document_id: str,
    reviewer: str,
    field: str,
    text: str,
    *,
    page: int | None = None,
    bbox: list[float] | None = None,
    now: datetime | None = None,
) -> FieldResult:
    """Set one field from what the reviewer typed; normalised and validated again.

    Returns the field as the record now holds it. When the extractors had missed the
    field, the label beside the value on the page is learned for the schema.
    """
    now = now or utcnow()
    doc = require_claim(session, document_id, reviewer, now)
    if not doc.schema_name:
        raise InputError("this document has no schema, so it has no fields to correct")
    schema = load_schema(doc.schema_name)
    spec = schema.fields.get(field)
    if spec is None:
        raise NotFoundError(f"schema {doc.schema_name} has no field {field!r}")
    record = store.load(doc.id)
    current = record.fields.get(field) or FieldResult()
    old_value = current.value
    text = text.strip()
    new_value, errors = read_correction(spec, text)
    learned = learn_from_correction(
        session, store, record, doc, reviewer, field, text, old_value, page, bbox
    )
    if bbox is None and current.bbox is None and learned:
        page, bbox = learned.get("page"), learned.get("value_bbox")
    current.value = new_value
    current.text = text or None
    current.confidence = 1.0
    current.extractor = "review"
    current.valid = not errors
    current.errors = errors
    if page is not None:
        current.page = page
    if bbox is not None:
        current.bbox = bbox
    current.history.append(
        history_entry("correct", reviewer, now, old_value=old_value, new_value=new_value)
    )
    record.fields[field] = current
    revalidate(schema, record)
    errors = current.errors
    session.add(
        ReviewCorrection(
            document_id=doc.id,
            field=field,
            reviewer_key_id=reviewer,
            at=now,
            old_value=old_value,
            new_value=new_value,
            new_text=text,
            valid=not errors,
            errors=errors,
        )
    )
    renew(session, document_id, now)
    record_event(
        session,
        actor=f"key:{reviewer}",
        action="review.correct",
        target_type="document",
        target_id=doc.id,
        details={"field": field, "valid": not errors, "learned": bool(learned)},
    )
    save_after_flush(session, store, record)
    return current


def corrections(session: Session, document_id: str) -> list[ReviewCorrection]:
    """Every correction made to a document, oldest first."""
    return list(
        session.scalars(
            select(ReviewCorrection)
            .where(ReviewCorrection.document_id == document_id)
            .order_by(ReviewCorrection.id)
        )
    )
