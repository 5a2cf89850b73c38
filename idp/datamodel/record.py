"""The record (**contract**): what ``idp extract`` prints and the API returns."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from idp.datamodel.document import KeyValue


class ReviewReason(StrEnum):
    """Why a field, or a whole document, needs a reviewer (``review_reasons``)."""

    NOT_FOUND = "not_found"
    """A required field has no value on the page."""
    INVALID = "invalid"
    """The value fails its format or a rule (the field's ``errors`` say which)."""
    BELOW_THRESHOLD = "below_threshold"
    """The value's confidence is under the schema's threshold for the field."""
    EXTRACTORS_DISAGREE = "extractors_disagree"
    """Another extractor found a different value almost as confidently."""
    SIGNATURE_UNSURE = "signature_unsure"
    """The signature line shows a stamp or ink that is neither clearly a mark nor clean."""
    FIELDS = "fields"
    """Document level: at least one field has reasons of its own."""
    WRONG_TYPE = "wrong_type"
    """Document level: the page reads as another schema than the one declared."""
    ERRORS = "errors"
    """Document level: a stage recorded an error on the document or one of its pages."""
    SPLIT_UNSURE = "split_unsure"
    """Document level, in a bundle: where this document starts or ends among the upload's
    pages is uncertain (``document_type.split_confidence``)."""
    TYPE_UNSURE = "type_unsure"
    """Document level, in a bundle: which type this document is, is uncertain
    (``document_type.confidence``)."""


class Classification(BaseModel):
    """Which schema the document's pages read as, from label coverage (``idp.classify``)."""

    schema_name: str | None = Field(default=None, alias="schema")
    """The best-scoring schema, or ``None`` when no schema's labels are on the page."""
    confidence: float = 0.0
    """0–1: how much better the best schema fits than the next one."""
    candidates: dict[str, float] = Field(default_factory=dict)
    """Score of every schema (share of its fields whose labels were found)."""

    model_config = {"populate_by_name": True}


class DocumentType(BaseModel):
    """Which type a document of a bundle was found to be, by the split stage (``idp.split``)."""

    schema_name: str | None = Field(default=None, alias="schema")
    """The schema it was read with, or ``None`` for a document no schema describes
    (supporting evidence such as a letter: its record has key–value pairs only)."""
    confidence: float = 0.0
    """0–1: the best type's score over the best and the runner-up's, on its pages together."""
    split_confidence: float = 1.0
    """0–1: how sure the boundaries before and after it (and inside it) are."""
    candidates: dict[str, float] = Field(default_factory=dict)
    """Every type's score on its pages, ``other`` included."""
    corrected_by: str | None = None
    """The reviewer who set its type or pages by hand, when one did."""

    model_config = {"populate_by_name": True}


class BundleLink(BaseModel):
    """Where a document sits in the upload it came in (only when the upload held several)."""

    upload_id: str
    """The upload's document id: its record lists every document found in it."""
    index: int
    """Position among the upload's documents, from 1."""
    count: int
    """How many documents the upload held."""
    pages: list[int]
    """``[first, last]``: the upload's pages (from 1) that are this document's; the record's
    own ``page`` numbers count from 1 within the document."""


class BundleDocument(BaseModel):
    """One document found in an upload, as the upload's record lists it."""

    id: str
    index: int
    pages: list[int]
    """``[first, last]`` in the upload, from 1."""
    schema_name: str | None = Field(default=None, alias="schema")
    confidence: float = 0.0
    split_confidence: float = 1.0
    status: str = "accepted"

    model_config = {"populate_by_name": True}


class RecordStatus(StrEnum):
    """Outcome of processing one document."""

    ACCEPTED = "accepted"
    NEEDS_REVIEW = "needs_review"
    FAILED = "failed"


class Source(BaseModel):
    """The original file."""

    filename: str
    media_type: str | None = None
    sha256: str | None = None
    pages: int = 0
    size: int | None = None


class Alternative(BaseModel):
    """A candidate value that lost to the field's winner."""

    value: Any = None
    confidence: float = 0.0
    extractor: str = ""
    text: str | None = None
    page: int | None = None
    bbox: list[float] | None = None


class FieldResult(BaseModel):
    """One schema field: typed value, evidence, provenance and validity."""

    value: Any = None
    text: str | None = None
    """The evidence text as read from the page."""
    confidence: float = 0.0
    page: int | None = None
    bbox: list[float] | None = None
    """``[x0, y0, x1, y1]`` relative to the page (0–1, origin top-left)."""
    extractor: str | None = None
    label: str | None = None
    """The label on the page that led to this value, when there was one."""
    valid: bool = False
    errors: list[str] = Field(default_factory=list)
    alternatives: list[Alternative] = Field(default_factory=list)
    history: list[dict[str, Any]] = Field(default_factory=list)
    """Review corrections, oldest first: reviewer, time, old and new value."""
    review_reasons: list[ReviewReason] = Field(default_factory=list)
    """Why this field needs a reviewer; empty when it can be trusted as it is."""


RECORD_EXAMPLE: dict[str, Any] = {
    "id": "0b6f9c1e-4d1a-4f7e-9a51-3f2d6c1b8e20",
    "schema": "application",
    "schema_version": "1",
    "status": "needs_review",
    "source": {"filename": "application.pdf", "media_type": "application/pdf",
               "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
               "pages": 1, "size": 48213},
    "fields": {
        "date_of_birth": {
            "value": "1985-03-03", "text": "03/03/1985", "confidence": 0.97, "page": 1,
            "bbox": [0.41, 0.22, 0.55, 0.24], "extractor": "keyvalue", "label": "Date of birth",
            "valid": True, "errors": [],
            "alternatives": [{"value": "1985-03-08", "confidence": 0.4, "extractor": "pattern"}],
            "history": [],
        },
        "household_size": {
            "value": None, "text": "4O", "confidence": 0.31, "page": 1,
            "bbox": [0.41, 0.61, 0.44, 0.63], "extractor": "keyvalue", "label": "Household size",
            "valid": False, "errors": ["'4O' is not a whole number"], "alternatives": [],
            "history": [],
        },
    },
    "key_values": [{"key": "Date of birth", "value": "03/03/1985", "confidence": 0.9, "page": 1,
                    "key_bbox": [0.1, 0.22, 0.3, 0.24], "value_bbox": [0.41, 0.22, 0.55, 0.24]}],
    "errors": [],
    "timings": {"ingest": 0.02, "ocr": 0.81, "layout": 0.05, "extract": 0.04},
}
"""An example record for the API's documentation (a form with one field to review)."""


class Record(BaseModel):
    """One processed document (**contract**, see ARCHITECTURE.md).

    ``status`` is ``accepted`` only when every required field has a valid value at or above
    its schema threshold, no present field fails a rule, every field is free of review
    reasons, the page reads as the declared schema and no stage recorded an error; then
    ``review_reasons`` is empty. Otherwise it is ``needs_review`` and ``review_reasons``
    lists the document-level reasons (``fields``, ``wrong_type``, ``errors``), each field's
    ``review_reasons`` its own (``not_found``, ``invalid``, ``below_threshold``,
    ``extractors_disagree``, ``signature_unsure``). ``classification`` says which schema
    the pages read as, with a confidence and every schema's score.

    An upload that holds several documents gives one record per document (issue 12), each
    extracted on its own pages only, with ``bundle`` (the upload and the pages there) and
    ``document_type`` (its schema or ``None``, a type and a split confidence); one under 0.6
    adds ``split_unsure`` / ``type_unsure`` to ``review_reasons``. The upload's own record
    has no fields and lists them under ``documents``. A one-document upload has none of
    these three keys.
    """

    id: str
    schema_name: str | None = Field(default=None, alias="schema")
    schema_version: str | None = None
    status: RecordStatus
    source: Source
    fields: dict[str, FieldResult] = Field(default_factory=dict)
    key_values: list[KeyValue] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    review_reasons: list[ReviewReason] = Field(default_factory=list)
    """Document-level reasons for review (see above); empty when accepted."""
    classification: Classification | None = None
    timings: dict[str, float] = Field(default_factory=dict)
    layout: dict[str, Any] | None = None
    """Pages with words, lines, blocks, tables and checkboxes (only with ``--layout``)."""
    bundle: BundleLink | None = None
    """Only on a document found in an upload of several: the upload and its pages there."""
    document_type: DocumentType | None = None
    """Only on a document found in an upload of several: its type and how sure the split is."""
    documents: list[BundleDocument] | None = None
    """Only on an upload that held several documents: each of them, in page order. Such an
    upload's own record has no fields; its documents have their own records."""

    model_config = {
        "populate_by_name": True,
        "json_schema_extra": {"examples": [RECORD_EXAMPLE]},
    }

    def to_json_dict(self) -> dict[str, Any]:
        """The record as the contract's JSON object (``layout``, ``bundle``, ``document_type``
        and ``documents`` only when present)."""
        data = self.model_dump(mode="json", by_alias=True)
        for key in ("layout", "bundle", "document_type", "documents"):
            if data.get(key) is None:
                data.pop(key, None)
        return data
