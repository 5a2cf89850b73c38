"""A document's objects in the object store: the one place that knows their keys.

Every object of a document lives under ``document_prefix(id)``: the original as uploaded,
an upright PNG of each page, the layout (pages with words and lines) and the record. The
job runner, the API and review all go through ``RecordStore``; the record comes back as
the typed ``Record`` and is written back whole.
"""

from __future__ import annotations

import json
from typing import Any

from idp.datamodel.record import Record
from idp.errors import NotFoundError
from idp.storage.base import ObjectNotFoundError, ObjectStore

DOCUMENTS_PREFIX = "documents/"


def document_prefix(doc_id: str) -> str:
    """Folder of every object that belongs to one document."""
    return f"{DOCUMENTS_PREFIX}{doc_id}/"


def original_key(doc_id: str) -> str:
    """Key of the uploaded file, byte for byte."""
    return f"{DOCUMENTS_PREFIX}{doc_id}/original"


def record_key(doc_id: str) -> str:
    """Key of the record JSON (the contract object)."""
    return f"{DOCUMENTS_PREFIX}{doc_id}/record.json"


def page_image_key(doc_id: str, number: int) -> str:
    """Key of the upright PNG of page ``number`` (from 1)."""
    return f"{DOCUMENTS_PREFIX}{doc_id}/pages/{number}.png"


def layout_key(doc_id: str) -> str:
    """Key of the pages' words and layout JSON (evidence for reviewers and learning)."""
    return f"{DOCUMENTS_PREFIX}{doc_id}/layout.json"


class RecordStore:
    """Original, page images, layout and record of each document, in one object store."""

    def __init__(self, objects: ObjectStore) -> None:
        self.objects = objects

    # The record -----------------------------------------------------------------------

    def load(self, doc_id: str) -> Record:
        """The document's record; ``NotFoundError`` when it has none yet."""
        try:
            raw = self.objects.get(record_key(doc_id))
        except ObjectNotFoundError:
            raise NotFoundError(f"document {doc_id} has no record yet") from None
        return Record.model_validate_json(raw)

    def save(self, record: Record) -> str:
        """Write the record (whole: it is small, and one job or one reviewer writes it at a
        time); returns its key."""
        key = record_key(record.id)
        body = json.dumps(record.to_json_dict(), ensure_ascii=False).encode("utf-8")
        self.objects.put(key, body, "application/json")
        return key

    def has_record(self, doc_id: str) -> bool:
        """Whether the document's record has been written."""
        return self.objects.exists(record_key(doc_id))

    # The original and page images -----------------------------------------------------

    def put_original(self, doc_id: str, data: bytes, media_type: str) -> None:
        """Store the uploaded file as it came."""
        self.objects.put(original_key(doc_id), data, media_type)

    def original(self, doc_id: str) -> bytes:
        """The uploaded file, byte for byte (``ObjectNotFoundError`` when erased)."""
        return self.objects.get(original_key(doc_id))

    def put_page_image(self, doc_id: str, number: int, png: bytes) -> str:
        """Store the upright PNG of page ``number``; returns its key."""
        key = page_image_key(doc_id, number)
        self.objects.put(key, png, "image/png")
        return key

    def page_image(self, doc_id: str, number: int) -> bytes:
        """The PNG of page ``number``; ``NotFoundError`` when none was stored."""
        try:
            return self.objects.get(page_image_key(doc_id, number))
        except ObjectNotFoundError:
            raise NotFoundError(f"document {doc_id} has no image of page {number}") from None

    # The layout -----------------------------------------------------------------------

    def save_layout(self, doc_id: str, pages: list[dict[str, Any]]) -> None:
        """Store the pages with words, lines, blocks and key–value pairs as JSON."""
        body = json.dumps({"pages": pages}, ensure_ascii=False).encode("utf-8")
        self.objects.put(layout_key(doc_id), body, "application/json")

    def layout_pages(self, doc_id: str) -> list[dict[str, Any]] | None:
        """The document's pages with lines, when the service stored its layout."""
        try:
            raw = self.objects.get(layout_key(doc_id))
        except ObjectNotFoundError:
            return None
        data = json.loads(raw)
        pages = data.get("pages") if isinstance(data, dict) else data
        return pages if isinstance(pages, list) else None

    # The whole document ---------------------------------------------------------------

    def erase(self, doc_id: str) -> int:
        """Remove every object of the document; returns how many there were."""
        return self.objects.delete_prefix(document_prefix(doc_id))

    def stored_document_ids(self) -> set[str]:
        """Ids of every document that has at least one object stored."""
        return {
            key[len(DOCUMENTS_PREFIX) :].split("/", 1)[0]
            for key in self.objects.list(DOCUMENTS_PREFIX)
            if key.count("/") >= 2
        }
