"""``/v1/audit``: the admin's export of the audit trail, oldest first, by cursor."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from idp.api.deps import AdminKey, SessionDep, actor_of
from idp.api.problems import PROBLEM_RESPONSES
from idp.audit import record_event
from idp.audit.models import AuditEvent

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=PROBLEM_RESPONSES)


class AuditEventOut(BaseModel):
    """One event: who did what to which thing, when, and its place in the chain."""

    seq: int
    at: str
    actor: str
    action: str
    target_type: str
    target_id: str | None
    details: dict[str, Any] | None
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    """A page of events and the cursor of the next one."""

    events: list[AuditEventOut]
    next_cursor: int | None
    """Pass as ``after`` to read on; ``None`` at the end."""
    head: str | None
    """Hash of the last event on this page: keep the newest elsewhere as an anchor."""


@router.get("", response_model=AuditPage)
def export_audit(
    key: AdminKey,
    session: SessionDep,
    after: int = Query(
        0, ge=0, le=2**62, description="return events after this sequence number"
    ),
    limit: int = Query(500, ge=1, le=5000),
    action: str | None = Query(None, description="only this action, e.g. review.correct"),
    target_id: str | None = Query(None, description="only events about this target"),
) -> AuditPage:
    """Audit events in chain order; the export itself is recorded as an event."""
    stmt = select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if target_id:
        stmt = stmt.where(AuditEvent.target_id == target_id)
    rows = list(session.scalars(stmt.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    events = [
        AuditEventOut(
            seq=r.seq, at=r.at, actor=r.actor, action=r.action, target_type=r.target_type,
            target_id=r.target_id, details=r.details, prev_hash=r.prev_hash, hash=r.hash,
        )
        for r in rows
    ]
    record_event(
        session, actor=actor_of(key), action="audit.export", target_type="audit",
        target_id=None, details={"after": after, "count": len(events)},
    )
    session.commit()
    return AuditPage(
        events=events,
        next_cursor=rows[-1].seq if more and rows else None,
        head=rows[-1].hash if rows else None,
    )
