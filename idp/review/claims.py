"""Claims on documents under review: the queue, claim with expiry, renew, release.

A reviewer must hold an unexpired claim on a document to change it; the claim is taken
with one conditional statement, so two reviewers can never both hold it. Every function
takes the caller's session and leaves committing to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from idp.db.models import Document, DocumentStatus, as_utc, utcnow
from idp.errors import ConflictError, NotFoundError
from idp.review.models import ReviewItem

CLAIM_TTL = timedelta(minutes=15)
"""How long a claim lasts without activity; every correction renews it."""

OPEN, APPROVED, REJECTED = "open", "approved", "rejected"

_part = aliased(Document)


@dataclass
class QueueEntry:
    """One document waiting for review, as the queue lists it."""

    document_id: str
    filename: str
    schema_name: str | None
    created_at: datetime
    claimed_by: str | None
    claim_expires_at: datetime | None


def review_queue(
    session: Session, *, now: datetime | None = None, limit: int = 50, include_claimed: bool = True
) -> list[QueueEntry]:
    """Documents that need review, oldest first, with who holds each one (if anyone)."""
    now = now or utcnow()
    stmt = (
        select(Document, ReviewItem)
        .outerjoin(ReviewItem, ReviewItem.document_id == Document.id)
        .where(Document.status == DocumentStatus.NEEDS_REVIEW.value)
        # An upload split into documents is reviewed through them (their own records).
        .where(~exists().where(_part.upload_id == Document.id))
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


def document_for_review(session: Session, document_id: str) -> Document:
    """The document, if it is waiting for review."""
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
    document_for_review(session, document_id)
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


def require_claim(session: Session, document_id: str, reviewer: str, now: datetime) -> Document:
    """The document, if ``reviewer`` holds an unexpired claim on it (``ConflictError`` if
    not, ``NotFoundError`` if there is no such document)."""
    doc = document_for_review(session, document_id)
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


def renew(session: Session, document_id: str, now: datetime) -> None:
    """Extend the claim on a document by ``CLAIM_TTL`` from ``now`` (a correction was made)."""
    session.execute(
        update(ReviewItem)
        .where(ReviewItem.document_id == document_id)
        .values(claim_expires_at=now + CLAIM_TTL, updated_at=now)
        .execution_options(synchronize_session=False)
    )
