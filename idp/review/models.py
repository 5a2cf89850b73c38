"""Tables of human review: claims and decisions, corrections, learned label phrasings.

Rows that hold a document's data reference it with ``ON DELETE CASCADE``, so erasing the
document erases its corrections (which carry personal-data values) and its review state.
A learned phrasing is a label, not personal data: it outlives the document it came from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from idp.db.models import Base, utcnow


class ReviewItem(Base):
    """Review state of one document: who holds it, until when, and how it ended."""

    __tablename__ = "review_items"

    document_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(20), default="open")
    """``open``, ``approved`` or ``rejected``."""
    claimed_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    """Key id of the reviewer holding the claim."""
    claim_expires_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    decided_by: Mapped[str | None] = mapped_column(String(32), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The reviewer's reason for rejecting (free text; erased with the document)."""
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReviewCorrection(Base):
    """One change a reviewer made to one field: who, when, old and new value."""

    __tablename__ = "review_corrections"
    __table_args__ = (Index("ix_review_corrections_document", "document_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("documents.id", ondelete="CASCADE")
    )
    field: Mapped[str] = mapped_column(String(100))
    reviewer_key_id: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    """What the reviewer typed, before normalisation."""
    valid: Mapped[bool] = mapped_column(default=True)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)


class LearnedPhrasing(Base):
    """A label phrasing learned from a correction, for one field of one schema."""

    __tablename__ = "learned_phrasings"
    __table_args__ = (
        UniqueConstraint("schema_name", "field", "normalised", name="uq_learned_phrasing"),
        Index("ix_learned_phrasings_schema", "schema_name"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schema_name: Mapped[str] = mapped_column(String(100))
    field: Mapped[str] = mapped_column(String(100))
    phrasing: Mapped[str] = mapped_column(String(100))
    normalised: Mapped[str] = mapped_column(String(100))
    learned_from: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("documents.id", ondelete="SET NULL"), nullable=True
    )
    learned_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    times_seen: Mapped[int] = mapped_column(Integer, default=1)
