"""``idp train --from-reviews``: approved documents become examples with the values as the
reviewer corrected them, located on the words the pipeline stored.

The records and layouts are written into the object store as the service writes them and
the review goes through the real claim/correct/approve functions on a real database, so
the examples are tested apart from OCR and training (training is tested in
tests/unit/test_learn_model.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

import idp.audit.models  # noqa: F401  (registers the table on Base)
from idp.datamodel import Page, PageSource, Word
from idp.datamodel.record import Record
from idp.db.models import Base, Document
from idp.learn.dataset import bio_tags
from idp.learn.reviews import reviewed_examples
from idp.review import claims, corrections, decisions
from idp.storage import LocalObjectStore, RecordStore

KINDS = {"company": "text", "date": "date", "address": "text", "total": "money"}
LINES = [
    ("KEDAI MAJU SDN BHD", 40),
    ("12 JALAN BESAR 81200 JOHOR", 70),
    ("DATE: 25/03/2018 10:31", 120),
    ("TOTAL RM60.30", 400),
    ("CASH 61.00", 430),
    ("CHANGE 0.70", 460),
]


def _page() -> Page:
    words = []
    for text, y in LINES:
        x = 20.0
        for part in text.split():
            words.append(Word(text=part, bbox=(x, y, x + 12.0 * len(part), y + 18.0)))
            x += 12.0 * len(part) + 10.0
    return Page(number=1, width=600.0, height=800.0, source=PageSource.OCR, words=words)


def _record(doc_id: str) -> Record:
    """As the extractors left it: the change taken for the total, the date unread."""
    field = {"confidence": 0.5, "page": 1, "valid": True, "errors": [], "history": []}
    return Record.model_validate(
        {
            "id": doc_id,
            "schema": "receipt",
            "schema_version": "1",
            "status": "needs_review",
            "source": {"filename": f"{doc_id}.jpg", "pages": 1},
            "fields": {
                "company": {**field, "value": "KEDAI MAJU SDN BHD", "text": "KEDAI MAJU SDN BHD"},
                "total": {**field, "value": "0.70", "text": "0.70"},
                "date": {**field, "value": None, "valid": False},
            },
            "errors": [],
            "timings": {},
        }
    )


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'idp.sqlite3'}")
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def _add(db: sessionmaker[Session], store: RecordStore, doc_id: str) -> None:
    with db.begin() as s:
        s.add(
            Document(
                id=doc_id, batch_id="b", filename=f"{doc_id}.jpg", sha256="0" * 64,
                schema_name="receipt", status="needs_review",
            )
        )
        s.flush()
        store.save(_record(doc_id))
        store.save_layout(doc_id, [_page().model_dump(mode="json")])


def test_approved_documents_give_examples_with_the_corrected_values(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    store = RecordStore(LocalObjectStore(tmp_path / "objects"))
    _add(db, store, "reviewed")
    _add(db, store, "waiting")  # in the queue, never approved: not an example
    with db.begin() as s:
        claims.claim(s, "reviewed", "alice")
        corrections.correct_field(s, store, "reviewed", "alice", "total", "60.30")
        corrections.correct_field(s, store, "reviewed", "alice", "date", "2018-03-25")
        decisions.approve(s, store, "reviewed", "alice")

    with db() as s:
        (example,) = reviewed_examples(s, store, "receipt", KINDS)
    assert example.name == "reviewed"
    # the corrected total, not the change the extractor had; the typed ISO date as printed
    assert example.values == {
        "company": "KEDAI MAJU SDN BHD",
        "total": "60.30",
        "date": "25/03/2018",
    }
    words = [w.text for w in example.page.words]
    tags = bio_tags(example, list(KINDS))
    tagged = {
        name: [words[i] for i, t in enumerate(tags) if t and (t - 1) // 2 == k]
        for k, name in enumerate(KINDS)
    }
    assert tagged == {
        "company": ["KEDAI", "MAJU", "SDN", "BHD"],
        "date": ["25/03/2018"],
        "address": [],
        "total": ["RM60.30"],
    }
