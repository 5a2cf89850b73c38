"""The one object that travels through the pipeline stages."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from idp.datamodel.document import Page
from idp.datamodel.record import (
    BundleLink,
    Classification,
    DocumentType,
    FieldResult,
    RecordStatus,
    ReviewReason,
    Source,
)


class ProcessingOptions(BaseModel):
    """Per-job options; serialisable so a queued job carries them."""

    schema_name: str | None = None
    """Document type to extract; ``None`` finds key–value pairs only."""
    include_layout: bool = False
    languages: str = "Latin+eng"
    """Tesseract language models, joined with ``+`` (see ``OcrSettings.languages``)."""
    store_page_images: bool = False
    learned_hints: dict[str, list[str]] = Field(default_factory=dict)
    """Label phrasings learned from reviewers' corrections, by field, for this schema."""
    split: bool = True
    """Split an upload of several pages into the documents it holds (``idp.split``); off,
    the upload is one document whatever its pages say."""
    page_ranges: list[list[int]] | None = None
    """The documents' page ranges (``[first, last]``, from 1) decided by a reviewer, instead
    of the split stage's; their types are still found unless ``page_types`` says."""
    page_types: list[str | None] | None = None
    """Each of ``page_ranges``' types set by a reviewer (a schema name, ``None`` for other)."""
    split_by: str | None = None
    """Who set ``page_ranges`` (a reviewer's key id), recorded on each document's type."""


class StageError(BaseModel):
    """An error that belongs to one document (or one page of it), kept as data."""

    stage: str
    message: str
    page: int | None = None


class ProcessingResult(BaseModel):
    """Input, options, status, errors, pages, fields and timings of one document.

    Each stage fills its own part. Heavy transient things (the raw bytes, the opened
    document, page images, engines) live in the pipeline's ``StageContext`` instead and
    are never part of the result.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: str
    source: Source
    options: ProcessingOptions = Field(default_factory=ProcessingOptions)
    status: RecordStatus | None = None
    pages: list[Page] = Field(default_factory=list)
    schema_name: str | None = None
    schema_version: str | None = None
    fields: dict[str, FieldResult] = Field(default_factory=dict)
    errors: list[StageError] = Field(default_factory=list)
    review_reasons: list[ReviewReason] = Field(default_factory=list)
    """Document-level reasons for review, set by the decide stage."""
    classification: Classification | None = None
    """Which schema the pages read as, set by the classify stage."""
    timings: dict[str, float] = Field(default_factory=dict)
    bundle: BundleLink | None = None
    """Set on a document found in an upload of several (one of ``parts``)."""
    document_type: DocumentType | None = None
    """Its type and the split's confidence, set with ``bundle``."""
    parts: list[ProcessingResult] = Field(default_factory=list)
    """The documents an upload of several was split into, each processed on its own pages
    only; empty when the upload is one document (then this result is the document)."""

    def add_error(self, stage: str, message: str, page: int | None = None) -> None:
        """Record an error without stopping the document."""
        self.errors.append(StageError(stage=stage, message=message, page=page))

    def error_messages(self) -> list[str]:
        """Errors as readable one-liners for the record."""
        out = []
        for e in self.errors:
            where = f" (page {e.page})" if e.page is not None else ""
            out.append(f"{e.stage}{where}: {e.message}")
        return out
