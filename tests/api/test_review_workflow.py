"""The review workflow on a real database: claim lock, corrections, approval, learning.

Records here are written straight into the object store as the service would write them,
so the workflow is tested apart from OCR; the end-to-end path is in tests/browser.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

import idp.audit.models  # noqa: F401  (registers the table on Base)
from idp.audit import verify_chain
from idp.audit.models import AuditEvent
from idp.datamodel.record import Record
from idp.db.models import Base, Document, utcnow
from idp.errors import ConflictError, InputError
from idp.review import claims, corrections, decisions, learning
from idp.review.models import LearnedPhrasing, ReviewCorrection, ReviewItem
from idp.storage import LocalObjectStore, RecordStore, record_key


def _sqlite_engine(path: Path) -> Any:
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _connect(conn: Any, _rec: Any) -> None:
        conn.isolation_level = None
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


POSTGRES_URL = os.environ.get(
    "IDP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """The review tables on SQLite (as embedded) and on PostgreSQL (as at scale)."""
    if request.param == "sqlite":
        engine = _sqlite_engine(tmp_path / "idp.sqlite3")
        Base.metadata.create_all(engine)
        yield sessionmaker(engine, expire_on_commit=False)
        engine.dispose()
        return
    schema = f"review_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as c:
            c.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except Exception as exc:  # pragma: no cover - no server here
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    engine = create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    Base.metadata.create_all(engine)
    try:
        yield sessionmaker(engine, expire_on_commit=False)
    finally:
        engine.dispose()
        with admin.begin() as c:
            c.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


@pytest.fixture
def store(tmp_path: Path) -> RecordStore:
    return RecordStore(LocalObjectStore(tmp_path / "objects"))


def _record(doc_id: str, *, email: str | None = None) -> dict[str, Any]:
    """A needs_review application record: email missing, date of birth unreadable."""
    return {
        "id": doc_id,
        "schema": "application",
        "schema_version": "1",
        "status": "needs_review",
        "source": {"filename": f"{doc_id}.pdf", "pages": 1},
        "fields": {
            "first_name": {"value": "Margaret", "text": "Margaret", "confidence": 0.95,
                           "page": 1, "bbox": [0.3, 0.1, 0.45, 0.12], "valid": True,
                           "errors": [], "history": []},
            "date_of_birth": {"value": None, "text": "O3/O3/l985", "confidence": 0.3,
                              "page": 1, "bbox": [0.3, 0.2, 0.45, 0.22], "valid": False,
                              "errors": ["'O3/O3/l985' is not a date"], "history": []},
            "email": {"value": email, "confidence": 0.0, "valid": email is not None,
                      "errors": [] if email else ["required field not found"],
                      "history": []},
        },
        "key_values": [
            {"key": "Given name", "value": "Margaret", "confidence": 0.9, "page": 1,
             "key_bbox": [0.1, 0.1, 0.25, 0.12], "value_bbox": [0.3, 0.1, 0.45, 0.12]},
            {"key": "Electronic mail:", "value": "m.thompson@example.org", "confidence": 0.9,
             "page": 1, "key_bbox": [0.1, 0.3, 0.28, 0.32],
             "value_bbox": [0.3, 0.3, 0.6, 0.32]},
        ],
        "errors": [],
        "timings": {},
    }


def _add_document(
    db: sessionmaker[Session], store: RecordStore, doc_id: str, minutes_ago: int = 0
) -> None:
    with db.begin() as s:
        doc = Document(
            id=doc_id, batch_id="b", filename=f"{doc_id}.pdf", sha256="0" * 64,
            schema_name="application", status="needs_review",
            created_at=utcnow() - timedelta(minutes=minutes_ago),
        )
        s.add(doc)
        s.flush()
        store.save(Record.model_validate(_record(doc_id)))


def test_queue_is_oldest_first_and_claim_locks_out_a_second_reviewer(db, store) -> None:
    _add_document(db, store, "doc-new", minutes_ago=1)
    _add_document(db, store, "doc-old", minutes_ago=30)
    with db.begin() as s:
        assert [e.document_id for e in claims.review_queue(s)] == ["doc-old", "doc-new"]
        item = claims.claim_next(s, "alice")
        assert item is not None and item.document_id == "doc-old"
    with db.begin() as s, pytest.raises(ConflictError):
        claims.claim(s, "doc-old", "bob")
    with db.begin() as s:
        # Bob is given the next free document, not Alice's.
        nxt = claims.claim_next(s, "bob")
        assert nxt is not None and nxt.document_id == "doc-new"
        queue = {e.document_id: e.claimed_by for e in claims.review_queue(s)}
        assert queue == {"doc-old": "alice", "doc-new": "bob"}
    with db.begin() as s, pytest.raises(ConflictError):
        corrections.correct_field(s, store, "doc-old", "bob", "email", "x@example.org")


def test_an_expired_claim_can_be_taken_over(db, store) -> None:
    _add_document(db, store, "d1")
    start = utcnow()
    with db.begin() as s:
        claims.claim(s, "d1", "alice", ttl=timedelta(minutes=5), now=start)
    with db.begin() as s, pytest.raises(ConflictError):
        claims.claim(s, "d1", "bob", now=start + timedelta(minutes=4))
    with db.begin() as s:
        item = claims.claim(s, "d1", "bob", now=start + timedelta(minutes=6))
        assert item.claimed_by == "bob"
    # Alice's old claim no longer lets her change the document.
    with db.begin() as s, pytest.raises(ConflictError):
        decisions.approve(s, store, "d1", "alice", now=start + timedelta(minutes=7))


def test_concurrent_claims_let_exactly_one_reviewer_win(db, store) -> None:
    _add_document(db, store, "race")
    winners: list[str] = []
    barrier = threading.Barrier(6)

    def attempt(name: str) -> None:
        barrier.wait()
        try:
            with db.begin() as s:
                claims.claim(s, "race", name)
            winners.append(name)
        except ConflictError:
            pass

    threads = [threading.Thread(target=attempt, args=(f"r{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    with db() as s:
        assert s.get(ReviewItem, "race").claimed_by == winners[0]


def test_correction_is_normalised_validated_and_kept_in_history(db, store) -> None:
    _add_document(db, store, "d1")
    with db.begin() as s:
        claims.claim(s, "d1", "alice")
        bad = corrections.correct_field(
            s, store, "d1", "alice", "date_of_birth", "31/02/1985"
        ).model_dump()
        assert bad["valid"] is False and bad["errors"]
        good = corrections.correct_field(
            s, store, "d1", "alice", "date_of_birth", "3 March 1985"
        ).model_dump()
    assert good["value"] == "1985-03-03" and good["valid"] and good["errors"] == []
    history = good["history"]
    assert [h["action"] for h in history] == ["correct", "correct"]
    assert history[0]["old_value"] is None and history[1]["new_value"] == "1985-03-03"
    assert history[1]["reviewer"] == "alice"
    with db() as s:
        rows = s.scalars(select(ReviewCorrection).order_by(ReviewCorrection.id)).all()
        assert [(r.field, r.valid) for r in rows] == [
            ("date_of_birth", False), ("date_of_birth", True)
        ]


def test_approve_is_refused_while_a_field_fails_then_accepts(db, store, tmp_path) -> None:
    _add_document(db, store, "d1")
    with db.begin() as s:
        claims.claim(s, "d1", "alice")
    with db.begin() as s, pytest.raises(ConflictError, match="date_of_birth"):
        decisions.approve(s, store, "d1", "alice")
    with db.begin() as s:
        corrections.correct_field(s, store, "d1", "alice", "date_of_birth", "03/03/1985")
        corrections.correct_field(s, store, "d1", "alice", "email", "M.Thompson@Example.ORG")
        decisions.approve(s, store, "d1", "alice")
    saved = json.loads((tmp_path / "objects" / record_key("d1")).read_bytes())
    assert saved["status"] == "accepted"
    assert saved["fields"]["email"]["value"] == "m.thompson@example.org"
    assert saved["fields"]["first_name"]["history"][-1]["action"] == "approve"
    with db() as s:
        assert s.get(Document, "d1").status == "accepted"
        assert s.get(ReviewItem, "d1").state == "approved"
        assert claims.review_queue(s) == []
        actions = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        assert actions == ["review.correct", "review.correct", "review.approve"]
        assert verify_chain(s).ok


def test_reject_needs_a_reason_and_keeps_it_out_of_the_audit_trail(db, store, tmp_path) -> None:
    _add_document(db, store, "d1")
    with db.begin() as s:
        claims.claim(s, "d1", "alice")
    with db.begin() as s, pytest.raises(InputError):
        decisions.reject(s, store, "d1", "alice", "   ")
    with db.begin() as s:
        decisions.reject(s, store, "d1", "alice", "Not Margaret Thompson's form")
    saved = json.loads((tmp_path / "objects" / record_key("d1")).read_bytes())
    assert saved["status"] == "failed"
    assert any("rejected" in e for e in saved["errors"])
    with db() as s:
        assert s.get(Document, "d1").status == "failed"
        event_json = json.dumps([e.details for e in s.scalars(select(AuditEvent))])
        assert "Thompson" not in event_json


def test_correcting_a_missed_field_learns_the_label_beside_it(db, store) -> None:
    _add_document(db, store, "d1")
    with db.begin() as s:
        claims.claim(s, "d1", "alice")
        field = corrections.correct_field(
            s, store, "d1", "alice", "email", "m.thompson@example.org"
        ).model_dump()
    # The box comes from the key–value pair the label was found in.
    assert field["bbox"] == [0.3, 0.3, 0.6, 0.32] and field["page"] == 1
    with db() as s:
        assert learning.learned_hints(s, "application") == {"email": ["Electronic mail"]}
        row = s.scalars(select(LearnedPhrasing)).one()
        assert row.learned_from == "d1"
        # The audit event names the field, never the value.
        details = [e.details for e in s.scalars(select(AuditEvent))]
        assert details == [{"field": "email", "valid": True, "learned": True}]


def test_a_known_hint_or_a_value_is_not_learned(db, store) -> None:
    _add_document(db, store, "d1")
    with db.begin() as s:
        claims.claim(s, "d1", "alice")
        # "Given name" is already a hint of first_name; fixing date_of_birth (which had
        # a reading) teaches nothing either.
        corrections.correct_field(s, store, "d1", "alice", "first_name", "Margaret")
        corrections.correct_field(s, store, "d1", "alice", "date_of_birth", "03/03/1985")
    with db() as s:
        assert learning.learned_hints(s, "application") == {}


def test_erasing_a_document_erases_its_review_rows_but_not_learned_labels(db, store) -> None:
    _add_document(db, store, "d1")
    with db.begin() as s:
        claims.claim(s, "d1", "alice")
        corrections.correct_field(s, store, "d1", "alice", "email", "m.thompson@example.org")
    with db.begin() as s:
        s.delete(s.get(Document, "d1"))
    with db() as s:
        assert s.scalars(select(ReviewCorrection)).all() == []
        assert s.get(ReviewItem, "d1") is None
        row = s.scalars(select(LearnedPhrasing)).one()
        assert row.learned_from is None and row.phrasing == "Electronic mail"
        assert verify_chain(s).ok


def test_two_labels_that_fit_equally_teach_nothing(db, store) -> None:
    from idp.review.learning import find_label_phrasing

    record = {"key_values": [
        {"key": "Occupants", "value": "3", "page": 1, "key_bbox": [0, 0, 0.1, 0.1]},
        {"key": "Age", "value": "3", "page": 1, "key_bbox": [0, 0.5, 0.1, 0.6]},
    ]}
    assert find_label_phrasing(record, "3") is None
    # The reviewer's box settles it.
    record["key_values"][0]["value_bbox"] = [0.2, 0.0, 0.3, 0.1]
    record["key_values"][1]["value_bbox"] = [0.2, 0.5, 0.3, 0.6]
    found = find_label_phrasing(record, "3", bbox=[0.2, 0.0, 0.3, 0.1])
    assert found is not None and found[0] == "Occupants"


def test_a_document_back_in_review_after_a_decision_can_be_claimed_again(db, store) -> None:
    _add_document(db, store, "d1")
    with db.begin() as s:
        claims.claim(s, "d1", "alice")
        decisions.reject(s, store, "d1", "alice", "unreadable")
    with db.begin() as s:  # reprocessed by a newer pipeline: needs review again
        s.get(Document, "d1").status = "needs_review"
    with db.begin() as s:
        item = claims.claim(s, "d1", "bob")
        assert item.state == "open" and item.claimed_by == "bob"


def test_a_corrected_date_of_birth_after_the_application_date_is_invalid(db, store) -> None:
    """Review checks a correction with the schema's cross-field rules, as the pipeline does."""
    record = _record("d1")
    record["fields"]["application_date"] = {
        "value": "2024-05-01", "text": "01/05/2024", "confidence": 0.95, "page": 1,
        "valid": True, "errors": [], "history": [],
    }
    with db.begin() as s:
        s.add(Document(id="d1", batch_id="b", filename="d1.pdf", sha256="0" * 64,
                       schema_name="application", status="needs_review"))
        s.flush()
        store.save(Record.model_validate(record))
    with db.begin() as s:
        claims.claim(s, "d1", "alice")
        late = corrections.correct_field(s, store, "d1", "alice", "date_of_birth", "03/03/2025")
    assert late.value == "2025-03-03" and late.valid is False
    assert any("application_date" in e for e in late.errors)
    with db.begin() as s, pytest.raises(ConflictError, match="date_of_birth"):
        decisions.approve(s, store, "d1", "alice")
    with db.begin() as s:
        fixed = corrections.correct_field(s, store, "d1", "alice", "date_of_birth", "03/03/1985")
    assert fixed.valid and fixed.errors == []
    with db() as s:
        rows = s.scalars(select(ReviewCorrection).order_by(ReviewCorrection.id)).all()
        assert [r.valid for r in rows] == [False, True]
