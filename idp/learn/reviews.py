"""Training examples from documents reviewed in the service (``idp train --from-reviews``).

A document a reviewer approved is a labelled example: its words are the layout the pipeline
stored (the same words the extractors read, so no OCR runs again), and its values are the
record's as the review left them — a corrected field holds what the reviewer typed, an
untouched one the text it was read from. Values are located on the page like any example's;
a corrected date or amount typed in another form than printed (``2018-03-25`` for
``25/03/2018``, ``60.3`` for ``RM60.30``) is found by meaning among the page's dates or
amounts, so the correction still teaches where the value sits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from idp.datamodel import Page
from idp.db.models import Document
from idp.learn.dataset import FieldExample, PageWords, locate_value, page_words_from_page
from idp.learn.decode import printed_value
from idp.review.models import ReviewItem

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from idp.datamodel.record import FieldResult
    from idp.storage import RecordStore

APPROVED = "approved"


def field_text(result: FieldResult) -> str:
    """What a reviewed field says: the reviewer's typed text, the text read, or the value."""
    if result.text:
        return result.text
    return "" if result.value is None else str(result.value)


def reviewed_ids(session: Session, schema: str) -> list[str]:
    """Ids of the schema's documents a reviewer approved, oldest first."""
    rows = session.scalars(
        select(Document.id)
        .join(ReviewItem, ReviewItem.document_id == Document.id)
        .where(Document.schema_name == schema, ReviewItem.state == APPROVED)
        .order_by(Document.created_at, Document.id)
    )
    return list(rows)


def _best_page(pages: Sequence[PageWords], values: dict[str, str]) -> PageWords | None:
    """The page on which most of the values are printed (a multi-page document contributes
    that page)."""
    candidates = [p for p in pages if p.words]
    if not candidates:
        return None
    return max(
        candidates, key=lambda p: sum(bool(locate_value(p.words, v)) for v in values.values())
    )


def reviewed_examples(
    session: Session, store: RecordStore, schema: str, kinds: dict[str, str]
) -> list[FieldExample]:
    """One example per approved document of ``schema`` that has a stored layout; ``kinds``
    maps each field to train to ``text``, ``money`` or ``date``."""
    examples = []
    for doc_id in reviewed_ids(session, schema):
        layout = store.layout_pages(doc_id)
        if not layout:
            continue
        record = store.load(doc_id)
        pages = [page_words_from_page(Page.model_validate(p)) for p in layout]
        values = {
            name: field_text(result)
            for name, result in record.fields.items()
            if name in kinds and field_text(result)
        }
        page = _best_page(pages, values)
        if page is None:
            continue
        values = {name: printed_value(page, kinds[name], v) for name, v in values.items()}
        examples.append(FieldExample(page, values, name=doc_id))
    return examples
