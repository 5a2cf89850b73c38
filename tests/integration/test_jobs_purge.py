"""``idp purge``: documents past their schema's retention are erased everywhere, newer ones
and documents without a schema stay, leftover objects go, and the audit trail records it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from idp.audit.models import AuditEvent
from idp.db import Document, get_session_factory
from idp.db.migrate import upgrade_database
from idp.db.models import utcnow
from idp.jobs.intake import Upload, accept_uploads
from idp.jobs.process import claim_and_run
from idp.jobs.purge import purge
from idp.keys import create_key
from idp.schemas import load_schema
from idp.settings import Settings
from idp.storage import document_prefix, get_storage, original_key
from tests.data.pages import TEXT_LINES, text_pdf


def test_purge_by_retention(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    upgrade_database(settings)
    storage = get_storage(settings)
    retention = load_schema("application", settings).retention_days
    with get_session_factory(settings)() as s:
        owner, _ = create_key(s, "uploader")
        s.commit()
        ids = []
        for schema in ("application", "application", None):
            docs, _ = accept_uploads(s, storage, settings, owner,
                                     [Upload("a.pdf", text_pdf([TEXT_LINES[:3]]))], schema)
            s.commit()
            ids.append(docs[0].id)
    while claim_and_run(settings, "w")[0] is not None:
        pass
    old, new, unschematised = ids
    with get_session_factory(settings).begin() as s:
        for doc_id in (old, unschematised):
            s.execute(update(Document).where(Document.id == doc_id).values(
                created_at=utcnow() - timedelta(days=retention + 1)))
    storage.put(original_key("0rphan-leftover"), b"x")

    dry = purge(settings, dry_run=True)
    assert any(old in line for line in dry) and storage.exists(original_key(old))

    report = purge(settings)
    assert any(old in line for line in report)
    assert storage.list(document_prefix(old)) == []
    assert storage.exists(original_key(new)) and storage.exists(original_key(unschematised))
    assert not storage.exists(original_key("0rphan-leftover"))
    with get_session_factory(settings)() as s:
        remaining = set(s.scalars(select(Document.id)))
        events = s.scalars(select(AuditEvent).where(AuditEvent.target_id == old)).all()
    assert remaining == {new, unschematised}
    assert [e.actor for e in events if e.action == "document.erase"] == ["system:purge"]

    purge(settings, older_than_days=retention)  # an explicit age covers every document
    with get_session_factory(settings)() as s:
        assert set(s.scalars(select(Document.id))) == {new}
