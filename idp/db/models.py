"""Tables of the service core: documents, their jobs, API keys, idempotency and webhooks.

Timestamps are UTC. SQLite hands them back without a zone; ``as_utc`` puts it back.
Rows that belong to a document reference it with ``ON DELETE CASCADE`` so that erasing the
document erases them too (other packages' tables should do the same).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """The current time in UTC, zone-aware."""
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """A timestamp read back from the database, zone-aware in UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base of every table of the project."""

    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class DocumentStatus(StrEnum):
    """Where a document is: waiting, being read, or done with a record status."""

    QUEUED = "queued"
    PROCESSING = "processing"
    ACCEPTED = "accepted"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"


FINISHED_STATUSES = frozenset(
    {DocumentStatus.ACCEPTED, DocumentStatus.NEEDS_REVIEW, DocumentStatus.FAILED}
)
"""Statuses of a document that has been processed and has a record (the record's statuses)."""


class JobState(StrEnum):
    """State of one processing job."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ApiKey(Base):
    """An API key: only a hash of its secret is kept."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    """Public key id, also the key's visible prefix."""
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    secret_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """When the key last authenticated a request (kept to the minute)."""
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    """After this the key no longer works (``None``: no expiry)."""


class Document(Base):
    """One uploaded file and where its processing stands."""

    __tablename__ = "documents"
    __table_args__ = (
        Index("ix_documents_created", "created_at", "id"),
        Index("ix_documents_status", "status"),
        Index("ix_documents_owner", "owner_key_id"),
        Index("ix_documents_batch", "batch_id"),
        Index("ix_documents_upload", "upload_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_key_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("api_keys.id", ondelete="SET NULL"), nullable=True
    )
    batch_id: Mapped[str] = mapped_column(String(36))
    """Documents uploaded in one request share a batch id."""
    filename: Mapped[str] = mapped_column(String(500))
    media_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    schema_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    status: Mapped[str] = mapped_column(String(20), default=DocumentStatus.QUEUED.value)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    upload_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    """The upload this document was split from (issue 12); ``None`` for an upload."""
    bundle_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    """Position among the upload's documents, from 1 (with ``upload_id``)."""
    split: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    """On an upload: the page ranges and types a reviewer set (``{"documents": [{"pages":
    [first, last], "schema": name or None}, ...]}``), used when it is processed again."""


class Job(Base):
    """Processing of one document by one pipeline version (the idempotency key)."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("document_id", "pipeline_version", name="uq_jobs_document_version"),
        Index("ix_jobs_state", "state", "not_before"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("documents.id", ondelete="CASCADE")
    )
    pipeline_version: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20), default=JobState.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Claims so far; every claim counts, so a job that kills its worker still runs out."""
    outage_retries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Claims that ended because the object store or database was down: they do not use up
    an attempt (the job has used ``attempts - outage_retries``)."""
    runs_completed: Mapped[int] = mapped_column(Integer, default=0)
    """Times the job finished and wrote its record (1 once done; more would be a duplicate)."""
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class IdempotencyRecord(Base):
    """An ``Idempotency-Key`` seen from one API key, and what it answered."""

    __tablename__ = "idempotency_keys"

    owner_key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    batch_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Webhook(Base):
    """A URL a client registered to hear about finished documents."""

    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_key_id: Mapped[str | None] = mapped_column(
        String(32), ForeignKey("api_keys.id", ondelete="CASCADE"), nullable=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(200))
    """Standard Webhooks signing secret (``whsec_`` + base64)."""
    events: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WebhookDelivery(Base):
    """One event on its way to one webhook; the payload holds ids and statuses only."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    webhook_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("webhooks.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
