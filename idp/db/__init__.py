"""Metadata, jobs and keys in a relational database: SQLite (WAL) embedded, PostgreSQL at scale.

``Base`` is the declarative base every table derives from (other packages add their own
models on it and their own Alembic revisions chained after ``0001_core``).
"""

from idp.db.engine import get_engine, get_session_factory, session_scope
from idp.db.models import (
    FINISHED_STATUSES,
    ApiKey,
    Base,
    Document,
    DocumentStatus,
    IdempotencyRecord,
    Job,
    JobState,
    Webhook,
    WebhookDelivery,
    utcnow,
)

__all__ = [
    "FINISHED_STATUSES",
    "ApiKey",
    "Base",
    "Document",
    "DocumentStatus",
    "IdempotencyRecord",
    "Job",
    "JobState",
    "Webhook",
    "WebhookDelivery",
    "get_engine",
    "get_session_factory",
    "session_scope",
    "utcnow",
]
