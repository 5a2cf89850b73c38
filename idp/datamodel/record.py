"""The record (**contract**): what ``idp extract`` prints and the API returns."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from idp.datamodel.document import KeyValue


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


class Record(BaseModel):
    """One processed document (**contract**, see ARCHITECTURE.md)."""

    id: str
    schema_name: str | None = Field(default=None, alias="schema")
    schema_version: str | None = None
    status: RecordStatus
    source: Source
    fields: dict[str, FieldResult] = Field(default_factory=dict)
    key_values: list[KeyValue] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    layout: dict[str, Any] | None = None
    """Pages with words, lines, blocks, tables and checkboxes (only with ``--layout``)."""

    model_config = {"populate_by_name": True}

    def to_json_dict(self) -> dict[str, Any]:
        """The record as the contract's JSON object (``layout`` only when present)."""
        data = self.model_dump(mode="json", by_alias=True)
        if data.get("layout") is None:
            data.pop("layout", None)
        return data
