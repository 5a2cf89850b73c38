"""The audit events table: append-only, each row chained to the one before by a hash."""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, JSON, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from idp.db import Base

GENESIS_HASH = "0" * 64
"""``prev_hash`` of the first event."""


class AuditEvent(Base):
    """Who did what to which thing, and when; never updated or deleted.

    ``details`` holds names (field names, roles, filenames are *not* stored), never the
    personal-data values a correction or an upload carried, so erasing a document leaves
    its audit trail intact without keeping what was erased.
    """

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    """Position in the chain, from 1 with no gaps."""
    at: Mapped[str] = mapped_column(String(40), index=True)
    """UTC time as ISO-8601 with microseconds and ``Z`` (kept as text so it hashes the same
    on every database)."""
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """Hash of the event before; unique, so two writers can never fork the chain."""
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    """HMAC-SHA256 (keyed with the audit key ``key_id``) of the previous hash and the
    event's fields; plain SHA-256 for events written before keying (``key_id`` NULL)."""
    key_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


# Append-only at the database too: an UPDATE or DELETE is refused by a trigger. Someone with
# the database's owner rights can drop the trigger; the hash chain is what catches that.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_update BEFORE UPDATE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_events_no_delete BEFORE DELETE ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END",
]
_POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
]
APPEND_ONLY_DDL: dict[str, list[str]] = {
    "sqlite": _SQLITE_TRIGGERS,
    "postgresql": _POSTGRES_TRIGGERS,
}
"""Statements that make the table append-only, by dialect (``create_all`` runs them; the
migration ``0002_review_audit`` keeps its own copy)."""

for _dialect, _statements in APPEND_ONLY_DDL.items():
    for _sql in _statements:
        event.listen(
            AuditEvent.__table__, "after_create", DDL(_sql).execute_if(dialect=_dialect)
        )
