"""How a review change lands in the record: a history entry on each field it touches, and
the order of writes (database first, then the record)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from idp.datamodel.record import Record
from idp.storage import RecordStore


def history_entry(action: str, reviewer: str, at: datetime, **extra: Any) -> dict[str, Any]:
    """One line of a field's review history: what was done, by whom, when (and details)."""
    return {"action": action, "reviewer": reviewer, "at": _iso(at), **extra}


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def save_after_flush(session: Session, store: RecordStore, record: Record) -> None:
    """Flush the database changes, then write the record: a database error stops the
    change before the record moves, and a storage error rolls the database back."""
    session.flush()
    store.save(record)
