"""Reading and writing a document's record where the service keeps it (object storage)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from idp.errors import NotFoundError

if TYPE_CHECKING:
    from idp.db.models import Document
    from idp.storage import ObjectStore


class RecordStore:
    """The record JSON of each document, in the service's object store."""

    def __init__(self, objects: ObjectStore) -> None:
        self.objects = objects

    def load(self, doc: Document) -> dict[str, Any]:
        """The document's record as a JSON object."""
        from idp.storage import ObjectNotFoundError, record_key

        try:
            data: dict[str, Any] = json.loads(self.objects.get(record_key(doc.id)))
        except ObjectNotFoundError:
            raise NotFoundError("this document has no record yet") from None
        return data

    def save(self, doc: Document, record: dict[str, Any]) -> None:
        """Write the record back (whole: a record is small and written by one reviewer)."""
        from idp.storage import record_key

        body = json.dumps(record, ensure_ascii=False).encode("utf-8")
        self.objects.put(record_key(doc.id), body, content_type="application/json")

    def layout_pages(self, doc: Document) -> list[dict[str, Any]] | None:
        """The document's pages with lines, when the service stored its layout."""
        from idp.storage import ObjectNotFoundError, document_prefix

        try:
            raw = self.objects.get(document_prefix(doc.id) + "layout.json")
        except ObjectNotFoundError:
            return None
        data = json.loads(raw)
        pages = data.get("pages") if isinstance(data, dict) else data
        return pages if isinstance(pages, list) else None
