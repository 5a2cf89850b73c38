"""Erasure: a document's objects, rows and derived data go; audit events stay (they hold
names and ids, never personal data values)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from idp.db.models import Document, Job
from idp.errors import NotFoundError
from idp.storage import RecordStore


def erase_document(session: Session, store: RecordStore, doc_id: str) -> int:
    """Erase one document everywhere, and the documents it was split into; the caller
    commits. Returns objects removed.

    Objects go first: if the database step then fails, the request can be repeated; the
    other order could leave personal data behind with no row pointing to it.
    """
    doc = session.get(Document, doc_id)
    if doc is None:
        raise NotFoundError(f"no document {doc_id!r}")
    removed = 0
    # The documents an upload was split into go with it (issue 12).
    for part_id in list(session.scalars(select(Document.id).where(Document.upload_id == doc_id))):
        removed += erase_document(session, store, part_id)
    removed += store.erase(doc_id)
    # Explicit as well as cascaded, in case a connection runs without foreign keys.
    session.execute(delete(Job).where(Job.document_id == doc_id))
    session.delete(doc)
    session.flush()
    return removed
