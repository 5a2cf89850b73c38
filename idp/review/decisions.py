"""Decisions: approve a corrected record, or reject the document with a reason.

Either ends the review round: the claim is released, the document and its record take
their final status, and the decision is audited, all in the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from idp.audit import record_event
from idp.datamodel.record import Record, RecordStatus
from idp.db.models import Document, DocumentStatus, utcnow
from idp.errors import ConflictError, InputError
from idp.review.claims import APPROVED, REJECTED, require_claim
from idp.review.corrections import revalidate
from idp.review.history import history_entry, save_after_flush
from idp.review.models import ReviewItem
from idp.schemas import load_schema
from idp.storage import RecordStore


def approve(
    session: Session, store: RecordStore, document_id: str, reviewer: str,
    *, now: datetime | None = None,
) -> Record:
    """Accept the record as corrected; refused while a field still fails validation."""
    now = now or utcnow()
    doc = require_claim(session, document_id, reviewer, now)
    record = store.load(doc.id)
    if doc.schema_name:
        revalidate(load_schema(doc.schema_name), record)
    failing = sorted(name for name, f in record.fields.items() if f.errors)
    if failing:
        raise ConflictError(
            "correct these fields before approving (or reject): " + ", ".join(failing)
        )
    for f in record.fields.values():
        f.history.append(history_entry("approve", reviewer, now))
    record.status = RecordStatus.ACCEPTED
    _decide(session, doc, reviewer, APPROVED, None, now)
    doc.status = DocumentStatus.ACCEPTED.value
    record_event(
        session, actor=f"key:{reviewer}", action="review.approve",
        target_type="document", target_id=doc.id,
    )
    save_after_flush(session, store, record)
    return record


def reject(
    session: Session, store: RecordStore, document_id: str, reviewer: str, reason: str,
    *, now: datetime | None = None,
) -> Record:
    """Reject the document with a reason: its record becomes ``failed`` with that reason."""
    now = now or utcnow()
    reason = " ".join((reason or "").split())
    if not reason:
        raise InputError("give a reason for rejecting")
    doc = require_claim(session, document_id, reviewer, now)
    record = store.load(doc.id)
    for f in record.fields.values():
        f.history.append(history_entry("reject", reviewer, now))
    record.status = RecordStatus.FAILED
    record.errors.append(f"review: rejected: {reason}")
    _decide(session, doc, reviewer, REJECTED, reason, now)
    doc.status = DocumentStatus.FAILED.value
    record_event(
        session, actor=f"key:{reviewer}", action="review.reject",
        target_type="document", target_id=doc.id,
        details={"reason_given": True},  # the reason itself may name the person
    )
    save_after_flush(session, store, record)
    return record


def _decide(
    session: Session, doc: Document, reviewer: str, state: str, reason: str | None, now: datetime
) -> None:
    item = session.get(ReviewItem, doc.id)
    assert item is not None  # require_claim found it
    item.state = state
    item.decided_by = reviewer
    item.decided_at = now
    item.reason = reason
    item.claimed_by = None
    item.claim_expires_at = None
    item.updated_at = now
    doc.updated_at = now
