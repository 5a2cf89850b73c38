"""Retention: erase finished documents past their schema's retention, and leftovers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from idp.db import get_session_factory
from idp.db.engine import checkpoint_after_erase
from idp.db.models import (
    FINISHED_STATUSES,
    Document,
    IdempotencyRecord,
    WebhookDelivery,
    as_utc,
    utcnow,
)
from idp.jobs.erase import erase_document
from idp.settings import Settings
from idp.storage import get_record_store

IDEMPOTENCY_TTL = timedelta(days=1)
DELIVERY_TTL = timedelta(days=7)


def purge(
    settings: Settings, older_than_days: float | None = None, dry_run: bool = False
) -> list[str]:
    """Erase what is due; returns a line per action."""
    from idp.audit import record_event
    from idp.audit.keyring import install_keyring
    from idp.schemas import load_schemas

    install_keyring(settings)
    retention = {name: s.retention_days for name, s in load_schemas(settings).items()}
    now = utcnow()
    store = get_record_store(settings)
    factory = get_session_factory(settings)
    lines: list[str] = []
    with factory() as session:
        finished = select(Document).where(Document.status.in_(sorted(FINISHED_STATUSES)))
        docs = session.scalars(finished).all()
        for doc in docs:
            days = older_than_days
            if days is None and doc.schema_name in retention:
                days = retention[doc.schema_name]
            created = as_utc(doc.created_at)
            if days is None or created is None or created > now - timedelta(days=days):
                continue
            lines.append(f"erase document {doc.id} ({doc.schema_name}, {created:%Y-%m-%d})")
            if not dry_run:
                erase_document(session, store, doc.id)
                record_event(session, actor="system:purge", action="document.erase",
                             target_type="document", target_id=doc.id,
                             details={"reason": "retention"})
                session.commit()
        known = set(session.scalars(select(Document.id)))
        orphans = sorted(store.stored_document_ids() - known)
        for doc_id in orphans:
            lines.append(f"remove objects of unknown document {doc_id}")
            if not dry_run:
                store.erase(doc_id)
        if not dry_run:
            n1 = session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.created_at < now - IDEMPOTENCY_TTL
                )
            ).rowcount  # type: ignore[attr-defined]
            n2 = session.execute(
                delete(WebhookDelivery).where(
                    WebhookDelivery.state.in_(("delivered", "failed")),
                    WebhookDelivery.created_at < now - DELIVERY_TTL,
                )
            ).rowcount  # type: ignore[attr-defined]
            session.commit()
            lines.append(f"removed {n1} old idempotency keys, {n2} old webhook deliveries")
    if not dry_run:
        checkpoint_after_erase(settings)
    return lines
