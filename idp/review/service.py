"""The review workflow: queue, claim with expiry, correct, approve, reject.

Every function takes the caller's session and leaves committing to it, so a correction,
its history, its audit event and what it taught are written together or not at all.
A reviewer must hold an unexpired claim on a document to change it; the claim is taken
with one conditional statement, so two reviewers can never both hold it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from idp.audit import record_event
from idp.db.models import Document, DocumentStatus, as_utc, utcnow
from idp.errors import ConflictError, InputError, NotFoundError
from idp.review.learning import find_label_phrasing
from idp.review.models import LearnedPhrasing, ReviewCorrection, ReviewItem
from idp.review.records import RecordStore
from idp.text import clean_phrasing, comparable_text

CLAIM_TTL = timedelta(minutes=15)
"""How long a claim lasts without activity; every correction renews it."""

OPEN, APPROVED, REJECTED = "open", "approved", "rejected"


@dataclass
class QueueEntry:
    """One document waiting for review, as the queue lists it."""

    document_id: str
    filename: str
    schema_name: str | None
    created_at: datetime
    claimed_by: str | None
    claim_expires_at: datetime | None


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def review_queue(
    session: Session, *, now: datetime | None = None, limit: int = 50, include_claimed: bool = True
) -> list[QueueEntry]:
    """Documents that need review, oldest first, with who holds each one (if anyone)."""
    now = now or utcnow()
    stmt = (
        select(Document, ReviewItem)
        .outerjoin(ReviewItem, ReviewItem.document_id == Document.id)
        .where(Document.status == DocumentStatus.NEEDS_REVIEW.value)
        .order_by(Document.created_at, Document.id)
        .limit(limit)
    )
    if not include_claimed:
        stmt = stmt.where(_claimable(now, None))
    out = []
    for doc, item in session.execute(stmt).all():
        held = item is not None and item.claimed_by and as_utc(item.claim_expires_at) > now  # type: ignore[operator]
        out.append(
            QueueEntry(
                document_id=doc.id,
                filename=doc.filename,
                schema_name=doc.schema_name,
                created_at=as_utc(doc.created_at),  # type: ignore[arg-type]
                claimed_by=item.claimed_by if held and item else None,
                claim_expires_at=as_utc(item.claim_expires_at) if held and item else None,
            )
        )
    return out


def _claimable(now: datetime, reviewer: str | None) -> Any:
    conditions = [
        ReviewItem.document_id.is_(None),
        ReviewItem.claimed_by.is_(None),
        ReviewItem.claim_expires_at <= now,
    ]
    if reviewer:
        conditions.append(ReviewItem.claimed_by == reviewer)
    return or_(*conditions)


def _document_for_review(session: Session, document_id: str) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFoundError("no such document")
    if doc.status != DocumentStatus.NEEDS_REVIEW.value:
        raise ConflictError(f"document is {doc.status}, not waiting for review")
    return doc


def claim(
    session: Session,
    document_id: str,
    reviewer: str,
    *,
    ttl: timedelta = CLAIM_TTL,
    now: datetime | None = None,
) -> ReviewItem:
    """Take (or renew) the claim on a document; ``ConflictError`` if another reviewer holds it."""
    now = now or utcnow()
    _document_for_review(session, document_id)
    expires = now + ttl
    # A document back in review after a decision (reprocessed by a newer pipeline) starts
    # a fresh round; its earlier corrections stay in the fields' history.
    session.execute(
        update(ReviewItem)
        .where(ReviewItem.document_id == document_id, ReviewItem.state != OPEN)
        .values(state=OPEN, claimed_by=None, claim_expires_at=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    # One conditional UPDATE: it changes the row only if the claim is free, expired or ours.
    result = session.execute(
        update(ReviewItem)
        .where(
            ReviewItem.document_id == document_id,
            ReviewItem.state == OPEN,
            or_(
                ReviewItem.claimed_by.is_(None),
                ReviewItem.claim_expires_at <= now,
                ReviewItem.claimed_by == reviewer,
            ),
        )
        .values(claimed_by=reviewer, claim_expires_at=expires, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 0:  # type: ignore[attr-defined]
        existing = session.get(ReviewItem, document_id)
        if existing is not None:
            session.refresh(existing)
            raise ConflictError("another reviewer is working on this document")
        try:
            with session.begin_nested():
                session.add(
                    ReviewItem(
                        document_id=document_id,
                        state=OPEN,
                        claimed_by=reviewer,
                        claim_expires_at=expires,
                        updated_at=now,
                    )
                )
        except IntegrityError:  # another reviewer inserted the row first
            raise ConflictError("another reviewer is working on this document") from None
    item = session.get(ReviewItem, document_id)
    assert item is not None
    session.refresh(item)
    return item


def claim_next(
    session: Session,
    reviewer: str,
    *,
    skip: set[str] | None = None,
    ttl: timedelta = CLAIM_TTL,
    now: datetime | None = None,
) -> ReviewItem | None:
    """Claim the oldest document nobody else holds (the reviewer's own claim comes first).

    ``skip`` names documents the reviewer passed over ("next in queue"); their claims are
    given back.
    """
    now = now or utcnow()
    skip = skip or set()
    for document_id in skip:
        release(session, document_id, reviewer)
    own = session.scalars(
        select(ReviewItem)
        .join(Document, Document.id == ReviewItem.document_id)
        .where(
            Document.status == DocumentStatus.NEEDS_REVIEW.value,
            ReviewItem.claimed_by == reviewer,
            ReviewItem.claim_expires_at > now,
            ReviewItem.document_id.not_in(skip),
        )
        .limit(1)
    ).first()
    if own is not None:
        return claim(session, own.document_id, reviewer, ttl=ttl, now=now)
    for _ in range(20):
        candidates = [
            e
            for e in review_queue(session, now=now, limit=20 + len(skip), include_claimed=False)
            if e.document_id not in skip
        ]
        if not candidates:
            return None
        for entry in candidates:
            try:
                return claim(session, entry.document_id, reviewer, ttl=ttl, now=now)
            except ConflictError:
                continue  # lost the race for this one; try the next
    return None


def release(session: Session, document_id: str, reviewer: str) -> None:
    """Give up a claim early (nothing happens if the reviewer does not hold it)."""
    session.execute(
        update(ReviewItem)
        .where(ReviewItem.document_id == document_id, ReviewItem.claimed_by == reviewer)
        .values(claimed_by=None, claim_expires_at=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def _require_claim(session: Session, document_id: str, reviewer: str, now: datetime) -> Document:
    doc = _document_for_review(session, document_id)
    held = session.execute(
        select(ReviewItem.document_id).where(
            and_(
                ReviewItem.document_id == document_id,
                ReviewItem.claimed_by == reviewer,
                ReviewItem.claim_expires_at > now,
                ReviewItem.state == OPEN,
            )
        )
    ).first()
    if held is None:
        raise ConflictError("claim this document first (or your claim has expired)")
    return doc


def _history_entry(action: str, reviewer: str, at: datetime, **extra: Any) -> dict[str, Any]:
    return {"action": action, "reviewer": reviewer, "at": _iso(at), **extra}


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
) -> dict[str, Any]:
    """Set one field from what the reviewer typed; normalised and validated again.

    Returns the field as the record now holds it. When the extractors had missed the
    field, the label beside the value on the page is learned for the schema.
    """
    from idp.normalise import check_rules, normalise_field
    from idp.schemas import load_schema

    now = now or utcnow()
    doc = _require_claim(session, document_id, reviewer, now)
    if not doc.schema_name:
        raise InputError("this document has no schema, so it has no fields to correct")
    spec = load_schema(doc.schema_name).fields.get(field)
    if spec is None:
        raise NotFoundError(f"schema {doc.schema_name} has no field {field!r}")
    record = store.load(doc)
    fields = record.setdefault("fields", {})
    current = fields.get(field) or {"value": None, "confidence": 0.0, "history": []}
    old_value = current.get("value")
    text = text.strip()
    if text:
        normalised = normalise_field(spec, text)
        errors = list(normalised.errors)
        if normalised.value is not None and not errors:
            errors += check_rules(spec, normalised.value)
        new_value = normalised.value
    else:
        new_value, errors = None, (["a value is required"] if spec.required else [])
    learned = _learn(session, store, record, doc, reviewer, field, text, old_value, page, bbox)
    if bbox is None and current.get("bbox") is None and learned:
        page, bbox = learned.get("page"), learned.get("value_bbox")
    current.update(
        value=new_value,
        text=text or None,
        confidence=1.0,
        extractor="review",
        valid=not errors,
        errors=errors,
    )
    if page is not None:
        current["page"] = page
    if bbox is not None:
        current["bbox"] = bbox
    current.setdefault("history", []).append(
        _history_entry("correct", reviewer, now, old_value=old_value, new_value=new_value)
    )
    fields[field] = current
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
    _renew(session, document_id, now)
    record_event(
        session,
        actor=f"key:{reviewer}",
        action="review.correct",
        target_type="document",
        target_id=doc.id,
        details={"field": field, "valid": not errors, "learned": bool(learned)},
    )
    _save_last(session, store, doc, record)
    return current


def _save_last(session: Session, store: RecordStore, doc: Document, record: dict[str, Any]) -> None:
    """Flush the database changes, then write the record: a database error stops the
    change before the record moves, and a storage error rolls the database back."""
    session.flush()
    store.save(doc, record)


def _renew(session: Session, document_id: str, now: datetime) -> None:
    session.execute(
        update(ReviewItem)
        .where(ReviewItem.document_id == document_id)
        .values(claim_expires_at=now + CLAIM_TTL, updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _learn(
    session: Session,
    store: RecordStore,
    record: dict[str, Any],
    doc: Document,
    reviewer: str,
    field: str,
    text: str,
    old_value: Any,
    page: int | None,
    bbox: list[float] | None,
) -> dict[str, Any] | None:
    """Remember the label beside a value the extractors missed; where it was, or ``None``."""
    from idp.schemas import load_schema

    if not text or old_value is not None or not doc.schema_name:
        return None
    schema = load_schema(doc.schema_name)
    layout_pages = (record.get("layout") or {}).get("pages") or store.layout_pages(doc)
    found = find_label_phrasing(
        record, text, page=page, bbox=bbox, layout_pages=layout_pages,
        known_hints={n: s.hints() for n, s in schema.fields.items()},
    )
    if found is None:
        return None
    phrasing, where = found
    norm = comparable_text(phrasing)
    existing = session.scalars(
        select(LearnedPhrasing).where(
            LearnedPhrasing.schema_name == doc.schema_name,
            LearnedPhrasing.field == field,
            LearnedPhrasing.normalised == norm,
        )
    ).first()
    if existing is not None:
        existing.times_seen += 1
    else:
        session.add(
            LearnedPhrasing(
                schema_name=doc.schema_name,
                field=field,
                phrasing=clean_phrasing(phrasing)[:100],
                normalised=norm[:100],
                learned_from=doc.id,
                learned_by=reviewer,
            )
        )
    return where


def learned_hints(session: Session, schema_name: str) -> dict[str, list[str]]:
    """Label phrasings learned for a schema, by field, most used first.

    The service puts this into ``ProcessingOptions.learned_hints`` when it creates a job.
    """
    rows = session.scalars(
        select(LearnedPhrasing)
        .where(LearnedPhrasing.schema_name == schema_name)
        .order_by(LearnedPhrasing.field, LearnedPhrasing.times_seen.desc(), LearnedPhrasing.id)
    )
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row.field, []).append(row.phrasing)
    return out


def approve(
    session: Session, store: RecordStore, document_id: str, reviewer: str,
    *, now: datetime | None = None,
) -> dict[str, Any]:
    """Accept the record as corrected; refused while a field still fails validation."""
    now = now or utcnow()
    doc = _require_claim(session, document_id, reviewer, now)
    record = store.load(doc)
    failing = sorted(
        name for name, f in (record.get("fields") or {}).items() if f.get("errors")
    )
    if failing:
        raise ConflictError(
            "correct these fields before approving (or reject): " + ", ".join(failing)
        )
    for f in (record.get("fields") or {}).values():
        f.setdefault("history", []).append(_history_entry("approve", reviewer, now))
    record["status"] = DocumentStatus.ACCEPTED.value
    _decide(session, doc, reviewer, APPROVED, None, now)
    doc.status = DocumentStatus.ACCEPTED.value
    record_event(
        session, actor=f"key:{reviewer}", action="review.approve",
        target_type="document", target_id=doc.id,
    )
    _save_last(session, store, doc, record)
    return record


def reject(
    session: Session, store: RecordStore, document_id: str, reviewer: str, reason: str,
    *, now: datetime | None = None,
) -> dict[str, Any]:
    """Reject the document with a reason: its record becomes ``failed`` with that reason."""
    now = now or utcnow()
    reason = " ".join((reason or "").split())
    if not reason:
        raise InputError("give a reason for rejecting")
    doc = _require_claim(session, document_id, reviewer, now)
    record = store.load(doc)
    for f in (record.get("fields") or {}).values():
        f.setdefault("history", []).append(_history_entry("reject", reviewer, now))
    record["status"] = DocumentStatus.FAILED.value
    record.setdefault("errors", []).append(f"review: rejected: {reason}")
    _decide(session, doc, reviewer, REJECTED, reason, now)
    doc.status = DocumentStatus.FAILED.value
    record_event(
        session, actor=f"key:{reviewer}", action="review.reject",
        target_type="document", target_id=doc.id,
        details={"reason_given": True},  # the reason itself may name the person
    )
    _save_last(session, store, doc, record)
    return record


def _decide(
    session: Session, doc: Document, reviewer: str, state: str, reason: str | None, now: datetime
) -> None:
    item = session.get(ReviewItem, doc.id)
    assert item is not None  # _require_claim found it
    item.state = state
    item.decided_by = reviewer
    item.decided_at = now
    item.reason = reason
    item.claimed_by = None
    item.claim_expires_at = None
    item.updated_at = now
    doc.updated_at = now


def corrections(session: Session, document_id: str) -> list[ReviewCorrection]:
    """Every correction made to a document, oldest first."""
    return list(
        session.scalars(
            select(ReviewCorrection)
            .where(ReviewCorrection.document_id == document_id)
            .order_by(ReviewCorrection.id)
        )
    )
